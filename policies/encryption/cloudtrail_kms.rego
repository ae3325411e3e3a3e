package edulibra.rules.cloudtrail_kms

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-014",
	"title": "CloudTrail logs are encrypted with a customer-managed KMS key",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set kms_key_id on the aws_cloudtrail to a customer-managed aws_kms_key ARN whose key policy allows cloudtrail.amazonaws.com to encrypt.",
	"references": ["CKV_AWS_35"],
	"attributes": ["kms_key_id"],
	"compliance": {"aws-fsbp": ["CloudTrail.2"], "cis-aws-3.0.0": ["3.5"]},
	"description": "Trail files record every API call in the account; SSE-KMS with a customer-managed key adds a second permission check before anyone can read them.",
}

resource_types := {"aws_cloudtrail"}

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
