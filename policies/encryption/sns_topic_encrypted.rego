package edulibra.rules.sns_topic_encrypted

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-017",
	"title": "SNS topics encrypt messages at rest with KMS",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set kms_master_key_id on the aws_sns_topic to a customer-managed aws_kms_key (or alias/aws/sns at minimum).",
	"references": ["CKV_AWS_26"],
	"attributes": ["kms_master_key_id"],
	"compliance": {"aws-securityhub": ["SNS.1"]},
	"description": "Unencrypted topics keep message payloads such as alarm details in clear text at rest.",
}

resource_types := {"aws_sns_topic"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "kms_master_key_id")
	not lib.is_unknown(input.resource, "kms_master_key_id")
	msg := sprintf("%s does not set kms_master_key_id (messages are not encrypted at rest)", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "kms_master_key_id")
	msg := sprintf("%s: kms_master_key_id is known only after apply", [input.resource.address])
}
