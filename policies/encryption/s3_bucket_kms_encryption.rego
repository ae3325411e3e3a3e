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
	"attributes": ["server_side_encryption_configuration"],
	"compliance": {"aws-securityhub": ["S3.17"]},
	"description": "Without a KMS default encryption rule S3 falls back to SSE-S3, whose keys cannot be scoped by key policy, audited per use in CloudTrail or revoked.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

kms_algorithms := {"aws:kms", "aws:kms:dsse"}

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := {"aws_s3_bucket", "aws_s3_bucket_server_side_encryption_configuration"}

plan_resources := [r | some r in input.resources; r.type in plan_types]

buckets := [b | some b in plan_resources; b.type == "aws_s3_bucket"; object.get(b, "mode", "managed") != "data"]

sse_configs := [c | some c in plan_resources; c.type == "aws_s3_bucket_server_side_encryption_configuration"]

# Lookups built once: configurations by address (reference links through bucket.referenced_by) and by the literal
# bucket value they name (value links); each -> [index into sse_configs].
config_at := lib.index_by_address(sse_configs)

config_by_value := lib.index_by_link_values(sse_configs, ["bucket"])

# bucket address -> addresses of what references it through bucket (from referenced_by)
bucket_referrers := lib.referrers(buckets, ["bucket"])

undetermined_configs := [c |
	some c in sse_configs
	c.unknown.bucket == true
	not c.values.bucket != null
	not lib.referenced(c, "bucket")
]

# sse_algorithm values of one rule list (inline block or separate resource), as
# [alg | some rule in as_array(rules); some d in as_array(rule.apply_server_side_encryption_by_default); alg := d.sse_algorithm; is_string(alg)]
# written inline below (regorus function calls are costly per element).
config_algorithms := [[alg |
	rl := object.get(c, ["values", "rule"], null)
	some rule in object.get({"array": rl}, type_name(rl), [rl])
	d0 := rule.apply_server_side_encryption_by_default
	some d in object.get({"array": d0}, type_name(d0), [d0])
	alg := d.sse_algorithm
	is_string(alg)
] |
	some c in sse_configs
]

# The configurations linked to each bucket (by reference through bucket.referenced_by, or by the bucket name), each
# once, and the algorithms they and the bucket's inline block set, aligned with buckets.
bucket_algorithms := [array.concat(
	[alg |
		some i in ({j |
			some a in bucket_referrers[b.address]
			some j in config_at[a]
		} | {j |
			count(config_by_value) > 0
			some a in ["id", "arn", "name", "bucket"]
			v := b.values[a]
			is_string(v)
			v != ""
			some j in config_by_value[v]
		})
		some alg in config_algorithms[i]
	],
	[alg |
		l := b.values.server_side_encryption_configuration
		is_array(l)
		some cfg in l
		rl := cfg.rule
		some rule in object.get({"array": rl}, type_name(rl), [rl])
		d0 := rule.apply_server_side_encryption_by_default
		some d in object.get({"array": d0}, type_name(d0), [d0])
		alg := d.sse_algorithm
		is_string(alg)
	],
) |
	some b in buckets
]

deny contains {"resource": b.address, "msg": msg} if {
	some k, b in buckets
	algs := bucket_algorithms[k]
	count(algs) > 0
	every alg in algs {
		not alg in kms_algorithms
	}
	msg := sprintf("%s encrypts objects with %s, not with a KMS key", [b.address, concat(", ", sort(algs))])
}

deny contains {"resource": b.address, "msg": msg} if {
	count(undetermined_configs) == 0
	some k, b in buckets
	count(bucket_algorithms[k]) == 0
	msg := sprintf("%s has no KMS default encryption configuration (S3 applies SSE-S3 only)", [b.address])
}

unknown contains {"resource": b.address, "msg": msg} if {
	count(undetermined_configs) > 0
	some k, b in buckets
	count(bucket_algorithms[k]) == 0
	msg := sprintf("%s: an aws_s3_bucket_server_side_encryption_configuration names its bucket only after apply", [b.address])
}
