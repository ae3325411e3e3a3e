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
	"description": "Without cross-region replication a regional outage or an accidental bulk delete leaves no second copy of the objects.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

companion_types := {"aws_s3_bucket_replication_configuration"}

link_paths := ["bucket"]

applies(_) := true

companion_ok(_) := true

inline_ok(s) if count(lib.blocks(s, "replication_configuration")) > 0


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
	msg := sprintf("%s does not replicate to another region (no aws_s3_bucket_replication_configuration)", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: an aws_s3_bucket_replication_configuration names its bucket only after apply", [s.address])
}
