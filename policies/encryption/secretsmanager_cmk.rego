package edulibra.rules.secretsmanager_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-015",
	"title": "Secrets Manager secrets are encrypted with a customer-managed KMS key",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set kms_key_id on the aws_secretsmanager_secret to a customer-managed aws_kms_key ARN.",
	"references": ["CKV_AWS_149"],
	"attributes": ["kms_key_id"],
	"description": "The default aws/secretsmanager key cannot be restricted by key policy or shared across accounts; a customer-managed key adds an independent control over who can read the secret.",
}

resource_types := {"aws_secretsmanager_secret"}

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
