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
}

resource_types := {"aws_db_instance", "aws_rds_cluster"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Aurora Serverless v1 clusters are always encrypted.
always_encrypted if {
	input.resource.type == "aws_rds_cluster"
	lib.val(input.resource, "engine_mode") == "serverless"
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
