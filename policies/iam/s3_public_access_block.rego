package edulibra.rules.s3_public_access_block

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-015",
	"title": "S3 buckets block all public access",
	"severity": "high",
	"category": "iam",
	"remediation": "Add an aws_s3_bucket_public_access_block for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true.",
	"references": ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
	"compliance": {"aws-fsbp": ["S3.8"], "cis-aws-3.0.0": ["2.1.4"]},
	"description": "Without a full public access block one mistaken ACL or bucket policy statement publishes the objects to the internet.",
	"assumes": [
		"A bucket created since April 2023 has all four Block Public Access settings on unless a public access block says otherwise (Blocking public access to your Amazon S3 storage, Amazon S3 User Guide; checked 2026-12-07).",
		"A bucket that already exists keeps what it has: it is judged on the blocks in the plan.",
	],
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

companion_types := {"aws_s3_bucket_public_access_block"}

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := resource_types | companion_types

link_paths := ["bucket"]

# every subject applies
flags := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

companion_ok(c) if {
	every f in flags {
		object.get(c, ["values", f], null) == true
	}
}

# One pass over the plan for the subjects and their companions.
plan_resources := [r | some r in input.resources; r.type in plan_types]

subjects := [s | some s in plan_resources; s.type in resource_types; object.get(s, "mode", "managed") != "data"]

companions := [c | some c in plan_resources; c.type in companion_types]

# companion_ok, inlined
ok_companions := [c |
	some c in companions
	c.values.block_public_acls == true
	c.values.block_public_policy == true
	c.values.ignore_public_acls == true
	c.values.restrict_public_buckets == true
]

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

# Every block, whatever its settings, joined the same way: a bucket with a block of its own is judged
# on it; a new bucket without one gets AWS's default (metadata.assumes).
any_addresses := {c.address | some c in companions}

any_values := {v |
	some c in companions
	some p in link_paths
	vv := c.values[p]
	some v in object.get({"array": vv}, type_name(vv), [vv])
	is_string(v)
	v != ""
}

has_block := {s.address |
	count(any_addresses) > 0
	some s in subjects
	some x in s.referenced_by
	x.path in link_paths
	x.address in any_addresses
} | {s.address |
	count(any_values) > 0
	some s in subjects
	some a in ["id", "arn", "name", "bucket"]
	v := s.values[a]
	is_string(v)
	v in any_values
}

by_default := {s.address |
	some s in subjects
	s.action in {"create", "replace"}
	not s.address in has_block
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
	not s.address in by_default
	msg := sprintf("%s is not covered by an aws_s3_bucket_public_access_block with all four settings true", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	count(undetermined) > 0
	some s in subjects
	not s.address in covered
	msg := sprintf("%s: an aws_s3_bucket_public_access_block names its bucket only after apply", [s.address])
}
