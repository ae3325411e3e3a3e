package edulibra.rules.alb_waf

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-002",
	"title": "Internet-facing application load balancers are protected by WAF",
	"severity": "high",
	"category": "waf",
	"remediation": "Add an aws_wafv2_web_acl_association with resource_arn = aws_lb.<alb>.arn and web_acl_arn of a REGIONAL aws_wafv2_web_acl.",
	"references": ["CKV2_AWS_28"],
	"description": "A public ALB without a web ACL passes every request, including injection attempts and floods, straight to the containers.",
}

resource_types := {"aws_lb", "aws_alb"}

scope := "plan"

companion_types := {"aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association"}

link_paths := ["resource_arn"]

applies(s) if {
	lib.lower_str(object.get(lib.values(s), "load_balancer_type", "application")) in {"application", ""}
	lib.val(s, "internal") != true
}

companion_ok(_) := true



subjects := [s | some s in input.resources; s.type in resource_types; lib.managed(s); applies(s)]

companions := [c | some c in input.resources; c.type in companion_types]

linked(s) := [c | some c in companions; some p in link_paths; lib.links(c, p, s)]

# companions whose target is known only after apply and references no plan resource
undetermined := [c | some c in companions; some p in link_paths; lib.link_undetermined(c, p)]

good(s) if {
	some c in linked(s)
	companion_ok(c)
}

deny contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) == 0
	msg := sprintf("%s is an internet-facing ALB without a WAF web ACL association", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: a WAF web ACL association names its resource only after apply", [s.address])
}
