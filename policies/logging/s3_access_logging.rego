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
	"description": "Server access logs record every request to the bucket, including anonymous and denied ones, which CloudTrail data events do not cover by default.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

companion_types := {"aws_s3_bucket_logging"}

link_paths := ["bucket"]

applies(_) := true

companion_ok(_) := true

inline_ok(s) if {
	some b in lib.blocks(s, "logging")
	lib.non_empty(object.get(b, "target_bucket", null))
}

# Log buckets (targets of other buckets' logging, or with the log-delivery-write ACL) are not logged into themselves.
exempt(s) if {
	some c in input.resources
	c.type == "aws_s3_bucket_logging"
	lib.links(c, "target_bucket", s)
}

exempt(s) if {
	some b in input.resources
	b.type == "aws_s3_bucket"
	some l in lib.blocks(b, "logging")
	lib.same_known(object.get(l, "target_bucket", null), lib.val(s, "bucket"))
}

exempt(s) if lib.val(s, "acl") == "log-delivery-write"

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

good(s) if exempt(s)

deny contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) == 0
	msg := sprintf("%s has no server access logging (no aws_s3_bucket_logging or logging block)", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: an aws_s3_bucket_logging names its bucket only after apply", [s.address])
}
