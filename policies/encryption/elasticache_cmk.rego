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
}

resource_types := {"aws_elasticache_replication_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "kms_key_id")
	not lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s does not set kms_key_id to a customer-managed KMS key", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s: kms_key_id is known only after apply", [input.resource.address])
}
