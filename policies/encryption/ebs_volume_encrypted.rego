package edulibra.rules.ebs_volume_encrypted

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-011",
	"title": "EBS volumes are encrypted",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set encrypted = true (and kms_key_id) on the aws_ebs_volume, or enable aws_ebs_encryption_by_default for the region.",
	"references": ["CKV_AWS_3", "CKV2_AWS_2"],
	"attributes": ["encrypted"],
	"compliance": {"aws-fsbp": ["EC2.3"]},
	"description": "Unencrypted volumes and their snapshots expose the data to anyone who can copy or share a snapshot.",
}

resource_types := {"aws_ebs_volume"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

encrypted if {
	lib.val(input.resource, "encrypted") == true
} else if {
	lib.set_or_referenced(input.resource, "kms_key_id")
}

# a customer-managed key can only be given to an encrypted volume
deny contains msg if {
	not encrypted
	not lib.pending(input.resource, "encrypted")
	msg := sprintf("%s is not encrypted (encrypted is not true)", [input.resource.address])
}

unknown contains msg if {
	not encrypted
	lib.pending(input.resource, "encrypted")
	msg := sprintf("%s: encrypted is known only after apply (it follows the account's EBS encryption-by-default setting)", [input.resource.address])
}
