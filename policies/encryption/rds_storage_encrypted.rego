package edulibra.rules.rds_storage_encrypted

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-003",
	"title": "RDS instances and Aurora clusters encrypt storage at rest",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set storage_encrypted = true (with kms_key_id) on the aws_db_instance or aws_rds_cluster; an unencrypted database has to be restored from an encrypted snapshot copy.",
	"references": ["CKV_AWS_16", "CKV_AWS_96"],
	"attributes": ["storage_encrypted"],
	"compliance": {"aws-fsbp": ["RDS.3", "RDS.27"], "cis-aws-3.0.0": ["2.3.1"]},
	"description": "Unencrypted database storage, snapshots and replicas expose every row to anyone who obtains the volume or a snapshot.",
	"assumes": [
		"A new Aurora cluster is encrypted at rest even with storage_encrypted left out or false: 'All new database clusters created on or after February 18, 2026, in Amazon Aurora are encrypted at rest', with an AWS owned key unless another is chosen (Encrypting Amazon Aurora resources, Amazon Aurora User Guide, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html; checked 2026-12-07). Clusters created before keep their setting, so an update is judged on its value; the key is EDU-ENC-004's concern.",
		"aws_db_instance: storage_encrypted left out is false, an unencrypted instance (StorageEncrypted, CreateDBInstance, Amazon RDS API Reference; checked 2026-12-07).",
	],
}

resource_types := {"aws_db_instance", "aws_rds_cluster"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Aurora Serverless v1 clusters are always encrypted.
always_encrypted if {
	input.resource.type == "aws_rds_cluster"
	lib.val(input.resource, "engine_mode") == "serverless"
}

# An Aurora cluster created now is encrypted at rest whatever storage_encrypted says (metadata.assumes);
# an existing one stays as it was created, and a Multi-AZ DB cluster (engine mysql or postgres) is not Aurora.
always_encrypted if {
	input.resource.type == "aws_rds_cluster"
	input.resource.action in {"create", "replace"}
	startswith(lib.lower_str(lib.val(input.resource, "engine")), "aurora")
}

deny contains msg if {
	not always_encrypted
	not lib.pending(input.resource, "storage_encrypted")
	lib.val(input.resource, "storage_encrypted") != true
	msg := sprintf("%s does not encrypt its storage (storage_encrypted is not true)", [input.resource.address])
}

unknown contains msg if {
	not always_encrypted
	lib.pending(input.resource, "storage_encrypted")
	msg := sprintf("%s: storage_encrypted is known only after apply", [input.resource.address])
}
