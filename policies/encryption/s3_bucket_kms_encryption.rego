package edulibra.rules.s3_bucket_kms_encryption

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-001",
	"title": "S3 buckets encrypt objects at rest with KMS by default",
	"severity": "high",
	"category": "encryption",
	"remediation": "Add an aws_s3_bucket_server_side_encryption_configuration for the bucket with rule.apply_server_side_encryption_by_default.sse_algorithm = \"aws:kms\" and kms_master_key_id set to a customer-managed key.",
	"references": ["CKV_AWS_19", "CKV_AWS_145"],
	"description": "Without a KMS default encryption rule S3 falls back to SSE-S3, whose keys cannot be scoped by key policy, audited per use in CloudTrail or revoked.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

kms_algorithms := {"aws:kms", "aws:kms:dsse"}

buckets := [b | some b in input.resources; b.type == "aws_s3_bucket"; lib.managed(b)]

sse_configs := [c | some c in input.resources; c.type == "aws_s3_bucket_server_side_encryption_configuration"]

linked_configs(b) := [c | some c in sse_configs; lib.links(c, "bucket", b)]

undetermined_configs := [c | some c in sse_configs; lib.link_undetermined(c, "bucket")]

# sse_algorithm values of one rule list (inline block or separate resource).
rule_algorithms(rules) := [alg |
	some rule in lib.as_array(rules)
	some d in lib.as_array(lib.obj(rule).apply_server_side_encryption_by_default)
	alg := lib.obj(d).sse_algorithm
	is_string(alg)
]

algorithms(b) := array.concat(
	[alg | some c in linked_configs(b); some alg in rule_algorithms(lib.values(c).rule)],
	[alg | some cfg in lib.blocks(b, "server_side_encryption_configuration"); some alg in rule_algorithms(cfg.rule)],
)

deny contains {"resource": b.address, "msg": msg} if {
	some b in buckets
	algs := algorithms(b)
	count(algs) > 0
	every alg in algs {
		not alg in kms_algorithms
	}
	msg := sprintf("%s encrypts objects with %s, not with a KMS key", [b.address, concat(", ", sort(algs))])
}

deny contains {"resource": b.address, "msg": msg} if {
	some b in buckets
	count(algorithms(b)) == 0
	count(undetermined_configs) == 0
	msg := sprintf("%s has no KMS default encryption configuration (S3 applies SSE-S3 only)", [b.address])
}

unknown contains {"resource": b.address, "msg": msg} if {
	some b in buckets
	count(algorithms(b)) == 0
	count(undetermined_configs) > 0
	msg := sprintf("%s: an aws_s3_bucket_server_side_encryption_configuration names its bucket only after apply", [b.address])
}
