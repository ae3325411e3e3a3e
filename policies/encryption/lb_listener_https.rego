package edulibra.rules.lb_listener_https

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-022",
	"title": "Load balancer listeners use HTTPS or redirect HTTP to HTTPS",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set protocol = \"HTTPS\" with certificate_arn and ssl_policy on the aws_lb_listener, or make the HTTP listener's default_action { type = \"redirect\" redirect { protocol = \"HTTPS\", port = \"443\", status_code = \"HTTP_301\" } }.",
	"references": ["CKV_AWS_2"],
	"attributes": ["protocol", "default_action"],
	"compliance": {"aws-fsbp": ["ELB.1", "ELB.18"]},
	"description": "A plain HTTP listener that forwards to targets carries sessions and credentials unencrypted between clients and the load balancer.",
}

resource_types := {"aws_lb_listener", "aws_alb_listener"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Layer-4 listeners (NLB/GWLB) pass as in checkov; TLS termination for them is judged elsewhere.
passing_protocols := {"https", "tls", "tcp", "udp", "tcp_udp", "geneve"}

protocol := lib.lower_str(lib.val(input.resource, "protocol"))

redirects_to_https if {
	action := lib.first_block(input.resource, "default_action")
	lib.lower_str(action.type) == "redirect"
	some rd in lib.as_array(action.redirect)
	lib.lower_str(lib.obj(rd).protocol) == "https"
}

deny contains msg if {
	protocol == "http"
	not redirects_to_https
	msg := sprintf("%s listens on plain HTTP without redirecting to HTTPS", [input.resource.address])
}

deny contains msg if {
	not lib.pending(input.resource, "protocol")
	not protocol in passing_protocols
	protocol != "http"
	protocol != ""
	msg := sprintf("%s uses protocol %s, not HTTPS/TLS", [input.resource.address, upper(protocol)])
}

unknown contains msg if {
	lib.pending(input.resource, "protocol")
	msg := sprintf("%s: protocol is known only after apply", [input.resource.address])
}
