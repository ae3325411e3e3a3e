package edulibra.rules.log_group_kms

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-013",
	"title": "CloudWatch log groups are encrypted with a KMS key",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set kms_key_id on the aws_cloudwatch_log_group to a customer-managed aws_kms_key ARN whose key policy allows the logs service principal.",
	"references": ["CKV_AWS_158"],
	"attributes": ["kms_key_id"],
	"description": "Log events often carry request data, identifiers and errors with secrets; a KMS key lets the key policy decide who can read them.",
}

resource_types := {"aws_cloudwatch_log_group"}

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
