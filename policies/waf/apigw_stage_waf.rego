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
	"compliance": {"aws-fsbp": ["APIGateway.4"]},
	"description": "A REST API stage without a web ACL accepts injection attempts and request floods that managed rules and rate limits would stop.",
}

resource_types := {"aws_api_gateway_stage"}

scope := "plan"

companion_types := {"aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association"}

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := resource_types | companion_types

link_paths := ["resource_arn"]

# every subject applies
companion_ok(_) := true

companion_always_ok := true

inline_ok := {s.address | some s in subjects; lib.is_configured(s, "web_acl_arn")}

# One pass over the plan for the subjects and their companions.
plan_resources := [r | some r in input.resources; r.type in plan_types]

subjects := [s | some s in plan_resources; s.type in resource_types; object.get(s, "mode", "managed") != "data"]

companions := [c | some c in plan_resources; c.type in companion_types]

ok_companions := [c | some c in companions; companion_ok(c)] if {
	not companion_always_ok
} else := companions

# Joins, linear in the plan: a companion covers a subject when it references it through a link path
# (subject.referenced_by) or names it by value (its link path equals the subject's id, arn, name or bucket).
ok_addresses := {c.address | some c in ok_companions}

ok_values := {v |
	some c in ok_companions
	some p in link_paths
	vv := c.values[p]
	some v in object.get({"array": vv}, type_name(vv), [vv])
	is_string(v)
	v != ""
}

covered := {s.address |
	count(ok_addresses) > 0
	some s in subjects
	some x in s.referenced_by
	x.path in link_paths
	x.address in ok_addresses
} | {s.address |
	count(ok_values) > 0
	some s in subjects
	some a in ["id", "arn", "name", "bucket"]
	v := s.values[a]
	is_string(v)
	v in ok_values
}

# companions whose target is known only after apply and references no plan resource
# (lib.link_undetermined, inlined: regorus function calls are costly per element)
undetermined := [c |
	some c in companions
	some p in link_paths
	c.unknown[p] == true
	not c.values[p] != null
	not lib.referenced(c, p)
]

deny contains {"resource": s.address, "msg": msg} if {
	count(undetermined) == 0
	some s in subjects
	not s.address in covered
	not s.address in inline_ok
	msg := sprintf("%s has no WAF web ACL association", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	count(undetermined) > 0
	some s in subjects
	not s.address in covered
	not s.address in inline_ok
	msg := sprintf("%s: a WAF web ACL association names its resource only after apply", [s.address])
}
