package edulibra.rules.lb_listener_tls_policy

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-023",
	"title": "HTTPS and TLS listeners use a TLS 1.2+ security policy",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\" (or another TLS 1.2/1.3 policy) on HTTPS and TLS aws_lb_listener resources.",
	"references": ["CKV_AWS_103"],
	"attributes": ["ssl_policy", "protocol"],
	"compliance": {"aws-fsbp": ["ELB.17"]},
	"description": "Older ELB security policies such as ELBSecurityPolicy-2016-08 still negotiate TLS 1.0 and 1.1 with weak cipher suites.",
	"assumes": [
		"ssl_policy left out on an HTTPS or TLS listener: listeners created through the API (as Terraform creates them) get ELBSecurityPolicy-2016-08, which allows TLS 1.0 and 1.1; the newer TLS 1.3 defaults apply to the console only (Security policies for your Application Load Balancer / Network Load Balancer, Elastic Load Balancing User Guide, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html; checked 2026-12-07).",
	],
}

resource_types := {"aws_lb_listener", "aws_alb_listener"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

tls_listener if lib.lower_str(lib.val(input.resource, "protocol")) in {"https", "tls"}

# ^ELBSecurityPolicy-(TLS-1-2|FS-1-2|TLS13-1-[23]) (string builtins: regex.match compiles its pattern on every call)
modern(p) if {
	some prefix in ["ELBSecurityPolicy-TLS-1-2", "ELBSecurityPolicy-FS-1-2", "ELBSecurityPolicy-TLS13-1-2", "ELBSecurityPolicy-TLS13-1-3"]
	startswith(p, prefix)
}

deny contains msg if {
	tls_listener
	p := lib.val(input.resource, "ssl_policy")
	is_string(p)
	not modern(p)
	msg := sprintf("%s uses ssl_policy %s, which allows TLS below 1.2", [input.resource.address, p])
}

deny contains msg if {
	tls_listener
	not is_string(lib.val(input.resource, "ssl_policy"))
	not lib.pending(input.resource, "ssl_policy")
	msg := sprintf("%s does not set an ssl_policy", [input.resource.address])
}

deny contains msg if {
	tls_listener
	lib.defaulted(input.resource, "ssl_policy")
	msg := sprintf("%s leaves ssl_policy out: listeners created through the API get ELBSecurityPolicy-2016-08, which allows TLS 1.0 and 1.1", [input.resource.address])
}

unknown contains msg if {
	tls_listener
	lib.pending(input.resource, "ssl_policy")
	not lib.left_out(input.resource, "ssl_policy")
	msg := sprintf("%s: ssl_policy is known only after apply (unset, the AWS default policy applies)", [input.resource.address])
}
