package edulibra.rules.backup_vault_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-024",
	"title": "AWS Backup vaults are encrypted with a customer-managed KMS key",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set kms_key_arn on the aws_backup_vault to a customer-managed aws_kms_key ARN.",
	"references": ["CKV_AWS_166"],
	"attributes": ["kms_key_arn"],
	"description": "Recovery points hold full copies of the databases and tables; a customer-managed key keeps restore and copy under the account's key policy.",
	"assumes": [
		"kms_key_arn left out: 'If you do not specify a key, AWS Backup creates a KMS key for you by default', the AWS managed key aws/backup (EncryptionKeyArn, AWS Backup API Reference, https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html; checked 2026-12-07).",
	],
}

resource_types := {"aws_backup_vault"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "kms_key_arn")
	not lib.is_unknown(input.resource, "kms_key_arn")
	msg := sprintf("%s does not set kms_key_arn to a customer-managed KMS key", [input.resource.address])
}

deny contains msg if {
	lib.defaulted(input.resource, "kms_key_arn")
	msg := sprintf("%s leaves kms_key_arn out: AWS Backup then uses its AWS managed key, not a customer-managed key", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "kms_key_arn")
	not lib.left_out(input.resource, "kms_key_arn")
	msg := sprintf("%s: kms_key_arn is known only after apply", [input.resource.address])
}
