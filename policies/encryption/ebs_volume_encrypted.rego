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
	"description": "Unencrypted volumes and their snapshots expose the data to anyone who can copy or share a snapshot.",
}

resource_types := {"aws_ebs_volume"}

r := input.resource

encrypted if lib.val(r, "encrypted") == true

# a customer-managed key can only be given to an encrypted volume
encrypted if lib.set_or_referenced(r, "kms_key_id")

deny contains msg if {
	not encrypted
	not lib.pending(r, "encrypted")
	msg := sprintf("%s is not encrypted (encrypted is not true)", [r.address])
}

unknown contains msg if {
	not encrypted
	lib.pending(r, "encrypted")
	msg := sprintf("%s: encrypted is known only after apply (it follows the account's EBS encryption-by-default setting)", [r.address])
}
