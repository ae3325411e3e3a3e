package edulibra.rules.apigw_stage_waf

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-003",
	"title": "API Gateway stages are protected by WAF",
	"severity": "high",
	"category": "waf",
	"remediation": "Add an aws_wafv2_web_acl_association with resource_arn = aws_api_gateway_stage.<stage>.arn and a REGIONAL web ACL.",
	"references": ["CKV2_AWS_29"],
	"description": "A REST API stage without a web ACL accepts injection attempts and request floods that managed rules and rate limits would stop.",
}

resource_types := {"aws_api_gateway_stage"}

scope := "plan"

companion_types := {"aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association"}

link_paths := ["resource_arn"]

applies(_) := true

companion_ok(_) := true

inline_ok(s) if lib.is_configured(s, "web_acl_arn")


subjects := [s | some s in input.resources; s.type in resource_types; lib.managed(s); applies(s)]

companions := [c | some c in input.resources; c.type in companion_types]

linked(s) := [c | some c in companions; some p in link_paths; lib.links(c, p, s)]

# companions whose target is known only after apply and references no plan resource
undetermined := [c | some c in companions; some p in link_paths; lib.link_undetermined(c, p)]

good(s) if {
	some c in linked(s)
	companion_ok(c)
}

good(s) if inline_ok(s)

deny contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) == 0
	msg := sprintf("%s has no WAF web ACL association", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: a WAF web ACL association names its resource only after apply", [s.address])
}
