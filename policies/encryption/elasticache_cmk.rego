package edulibra.rules.elasticache_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-010",
	"title": "ElastiCache replication groups use a customer-managed KMS key",
	"severity": "low",
	"category": "encryption",
	"remediation": "Set kms_key_id on the aws_elasticache_replication_group to a customer-managed aws_kms_key ARN (requires at_rest_encryption_enabled = true).",
	"references": ["CKV_AWS_191"],
	"attributes": ["kms_key_id", "at_rest_encryption_enabled"],
	"description": "With the default AWS-managed key the account cannot restrict or audit who decrypts cache backups; a customer-managed key keeps that under the key policy.",
	"assumes": [
		"kms_key_id left out: ElastiCache encrypts at rest with its default, service-managed key ('ElastiCache offers default (service managed) encryption at rest, as well as ability to use your own symmetric customer managed AWS KMS keys', At-Rest Encryption in ElastiCache, https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html; checked 2026-12-07), not a customer-managed key.",
	],
}

resource_types := {"aws_elasticache_replication_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "kms_key_id")
	not lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s does not set kms_key_id to a customer-managed KMS key", [input.resource.address])
}

deny contains msg if {
	lib.defaulted(input.resource, "kms_key_id")
	msg := sprintf("%s leaves kms_key_id out: ElastiCache then encrypts with its default service-managed key, not a customer-managed key", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "kms_key_id")
	not lib.left_out(input.resource, "kms_key_id")
	msg := sprintf("%s: kms_key_id is known only after apply", [input.resource.address])
}
