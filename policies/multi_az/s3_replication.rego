package edulibra.rules.s3_replication

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-009",
	"title": "S3 buckets replicate to another region",
	"severity": "low",
	"category": "multi-az",
	"remediation": "Enable aws_s3_bucket_versioning and add an aws_s3_bucket_replication_configuration with a rule to a bucket in another region.",
	"references": ["CKV_AWS_144"],
	"compliance": {"aws-securityhub": ["S3.7"]},
	"description": "Without cross-region replication a regional outage or an accidental bulk delete leaves no second copy of the objects.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

companion_types := {"aws_s3_bucket_replication_configuration"}

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := resource_types | companion_types

link_paths := ["bucket"]

# every subject applies
companion_ok(_) := true

companion_always_ok := true

inline_ok := {s.address |
	some s in subjects
	l := s.values.replication_configuration
	is_array(l)
	count(l) > 0
}

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
	msg := sprintf("%s does not replicate to another region (no aws_s3_bucket_replication_configuration)", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	count(undetermined) > 0
	some s in subjects
	not s.address in covered
	not s.address in inline_ok
	msg := sprintf("%s: an aws_s3_bucket_replication_configuration names its bucket only after apply", [s.address])
}
