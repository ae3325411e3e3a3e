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
	"assumes": [
		"kms_key_id left out on an encrypted database: RDS uses the account's AWS managed key aws/rds ('If you do not specify a value for the KmsKeyId parameter, then Amazon RDS uses your default KMS key', CreateDBInstance / CreateDBCluster, Amazon RDS API Reference; checked 2026-12-07); a new Aurora cluster without encryption settings gets an AWS owned key (Encrypting Amazon Aurora resources, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html; checked 2026-12-07). Neither is customer-managed. A replica, restore or import takes its source's key: unknown.",
	],
}

resource_types := {"aws_db_instance", "aws_rds_cluster"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# A replica, a restore or an import takes its key from its source, whatever kms_key_id says.
inherits_key if {
	some attr in ["replicate_source_db", "snapshot_identifier", "restore_to_point_in_time", "replication_source_identifier", "s3_import", "global_cluster_identifier"]
	lib.set_or_referenced(input.resource, attr)
}

deny_defaulted if {
	lib.defaulted(input.resource, "kms_key_id")
	not inherits_key
}

deny contains msg if {
	deny_defaulted
	msg := sprintf("%s leaves kms_key_id out: RDS then uses the AWS managed key aws/rds (an AWS owned key for a new Aurora cluster), not a customer-managed key", [input.resource.address])
}

deny contains msg if {
	not lib.set_or_referenced(input.resource, "kms_key_id")
	not lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s does not set kms_key_id to a customer-managed KMS key", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "kms_key_id")
	not deny_defaulted
	msg := sprintf("%s: kms_key_id is known only after apply (unset, AWS picks the aws/rds key)", [input.resource.address])
}
