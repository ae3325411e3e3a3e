package edulibra.rules.s3_access_logging

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-007",
	"title": "S3 buckets have server access logging",
	"severity": "low",
	"category": "logging",
	"remediation": "Add an aws_s3_bucket_logging with bucket = aws_s3_bucket.<bucket>.id and target_bucket = <log bucket>; the log bucket itself is exempt.",
	"references": ["CKV_AWS_18"],
	"attributes": ["logging"],
	"compliance": {"aws-fsbp": ["S3.9"]},
	"description": "Server access logs record every request to the bucket, including anonymous and denied ones, which CloudTrail data events do not cover by default.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

companion_types := {"aws_s3_bucket_logging"}

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := resource_types | companion_types

link_paths := ["bucket"]

# every subject applies
companion_ok(_) := true

companion_always_ok := true

inline_ok := {s.address |
	some s in subjects
	l := s.values.logging
	is_array(l)
	some b in l
	lib.non_empty(object.get(lib.obj(b), "target_bucket", null))
}

# Log buckets (targets of other buckets' logging, or with the log-delivery-write ACL) are not logged into themselves.
# target_bucket of an aws_s3_bucket_logging: by reference or by value
logging_addresses := {c.address | some c in companions}

logging_targets := {v |
	some c in companions
	vv := c.values.target_bucket
	some v in object.get({"array": vv}, type_name(vv), [vv])
	is_string(v)
	v != ""
}

# target_bucket of an inline logging block of any bucket of the plan, against the bucket name
inline_targets := {t |
	some b in plan_resources
	b.type == "aws_s3_bucket"
	l := b.values.logging
	is_array(l)
	some x in l
	t := object.get(lib.obj(x), "target_bucket", null)
	is_string(t)
	t != ""
}

exempt := {s.address |
	some s in subjects
	some x in s.referenced_by
	x.path == "target_bucket"
	x.address in logging_addresses
} | {s.address |
	count(logging_targets) > 0
	some s in subjects
	some a in ["id", "arn", "name", "bucket"]
	v := s.values[a]
	is_string(v)
	v in logging_targets
} | {s.address |
	count(inline_targets) > 0
	some s in subjects
	v := s.values.bucket
	is_string(v)
	v in inline_targets
} | {s.address |
	some s in subjects
	s.values.acl == "log-delivery-write"
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
	not s.address in exempt
	msg := sprintf("%s has no server access logging (no aws_s3_bucket_logging or logging block)", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	count(undetermined) > 0
	some s in subjects
	not s.address in covered
	not s.address in inline_ok
	not s.address in exempt
	msg := sprintf("%s: an aws_s3_bucket_logging names its bucket only after apply", [s.address])
}
