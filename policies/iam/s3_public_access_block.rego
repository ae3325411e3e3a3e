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
	"description": "Without a full public access block one mistaken ACL or bucket policy statement publishes the objects to the internet.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

companion_types := {"aws_s3_bucket_public_access_block"}

link_paths := ["bucket"]

applies(_) := true

flags := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

companion_ok(c) if {
	every f in flags {
		lib.val(c, f) == true
	}
}



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
	msg := sprintf("%s is not covered by an aws_s3_bucket_public_access_block with all four settings true", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: an aws_s3_bucket_public_access_block names its bucket only after apply", [s.address])
}
