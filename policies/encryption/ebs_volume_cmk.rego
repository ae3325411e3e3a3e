package edulibra.rules.ebs_volume_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-025",
	"title": "EBS volumes are encrypted with a customer-managed KMS key",
	"severity": "low",
	"category": "encryption",
	"remediation": "Set encrypted = true and kms_key_id to a customer-managed aws_kms_key ARN on the aws_ebs_volume.",
	"references": ["CKV_AWS_189"],
	"attributes": ["kms_key_id", "encrypted"],
	"compliance": {"aws-fsbp": ["EC2.3"]},
	"description": "Volumes encrypted with the default aws/ebs key cannot have their snapshots shared safely or access restricted by key policy.",
}

resource_types := {"aws_ebs_volume"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

unencrypted if lib.val(input.resource, "encrypted") == false

deny contains msg if {
	unencrypted
	msg := sprintf("%s is not encrypted (encrypted = false), so it uses no customer-managed KMS key", [input.resource.address])
}

deny contains msg if {
	not unencrypted
	not lib.set_or_referenced(input.resource, "kms_key_id")
	not lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s does not set kms_key_id to a customer-managed KMS key", [input.resource.address])
}

unknown contains msg if {
	not unencrypted
	lib.is_unknown(input.resource, "kms_key_id")
	msg := sprintf("%s: kms_key_id is known only after apply", [input.resource.address])
}
