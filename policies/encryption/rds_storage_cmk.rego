package edulibra.rules.rds_storage_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-004",
	"title": "RDS instances and Aurora clusters use a customer-managed KMS key",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set kms_key_id on the aws_db_instance or aws_rds_cluster to the ARN of a customer-managed aws_kms_key (with enable_key_rotation = true).",
	"references": ["CKV_AWS_327"],
	"attributes": ["kms_key_id", "storage_encrypted"],
	"description": "The AWS-managed aws/rds key cannot be restricted by key policy or shared for cross-account snapshot copies; a customer-managed key keeps control of who can decrypt the data.",
}

resource_types := {"aws_db_instance", "aws_rds_cluster"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "kms_key_id")
	not lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s does not set kms_key_id to a customer-managed KMS key", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s: kms_key_id is known only after apply (unset, AWS picks the aws/rds key)", [input.resource.address])
}
