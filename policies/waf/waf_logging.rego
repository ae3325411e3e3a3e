package edulibra.rules.waf_logging

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-007",
	"title": "WAF web ACLs have a logging configuration",
	"severity": "medium",
	"category": "waf",
	"remediation": "Add an aws_wafv2_web_acl_logging_configuration with resource_arn = aws_wafv2_web_acl.<acl>.arn and log_destination_configs = [<aws-waf-logs-* log group, bucket or stream ARN>].",
	"references": ["CKV2_AWS_31"],
	"compliance": {"aws-securityhub": ["WAF.11"]},
	"description": "Without WAF logs there is no record of which requests were blocked or allowed and why, so attacks and false positives cannot be analysed.",
}

resource_types := {"aws_wafv2_web_acl"}

scope := "plan"

companion_types := {"aws_wafv2_web_acl_logging_configuration"}

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := resource_types | companion_types

link_paths := ["resource_arn"]

# every subject applies
companion_ok(_) := true

companion_always_ok := true

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
	msg := sprintf("%s has no aws_wafv2_web_acl_logging_configuration", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	count(undetermined) > 0
	some s in subjects
	not s.address in covered
	msg := sprintf("%s: a WAF logging configuration names its web ACL only after apply", [s.address])
}
