package edulibra.rules.dynamodb_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-007",
	"title": "DynamoDB tables are encrypted with a customer-managed KMS key",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Add server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<key>.arn } to the aws_dynamodb_table.",
	"references": ["CKV_AWS_119"],
	"description": "Tables without server_side_encryption use an AWS-owned key that the account can neither audit nor restrict; a customer-managed key puts decryption under the account's key policy and CloudTrail.",
}

resource_types := {"aws_dynamodb_table"}

r := input.resource

sse := lib.first_block(r, "server_side_encryption")

enabled if sse.enabled == true

key_set if lib.non_empty(object.get(sse, "kms_key_arn", null))

key_set if lib.referenced(r, "server_side_encryption.kms_key_arn")

block_pending if {
	count(lib.blocks(r, "server_side_encryption")) == 0
	lib.block_unknown(r, "server_side_encryption")
}

deny contains msg if {
	not block_pending
	not enabled
	msg := sprintf("%s does not enable server_side_encryption with a customer-managed KMS key", [r.address])
}

deny contains msg if {
	enabled
	not key_set
	not lib.nested_unknown(r, "server_side_encryption", "kms_key_arn")
	msg := sprintf("%s enables server_side_encryption without kms_key_arn (uses the AWS-managed key)", [r.address])
}

unknown contains msg if {
	enabled
	not key_set
	lib.nested_unknown(r, "server_side_encryption", "kms_key_arn")
	msg := sprintf("%s: server_side_encryption.kms_key_arn is known only after apply", [r.address])
}

unknown contains msg if {
	block_pending
	msg := sprintf("%s: server_side_encryption is known only after apply", [r.address])
}
