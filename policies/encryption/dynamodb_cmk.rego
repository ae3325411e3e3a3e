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
	"attributes": ["server_side_encryption.kms_key_arn", "server_side_encryption"],
	"description": "Tables without server_side_encryption use an AWS-owned key that the account can neither audit nor restrict; a customer-managed key puts decryption under the account's key policy and CloudTrail.",
	"assumes": [
		"server_side_encryption left out, or enabled = false: 'If disabled (false) or not specified, server-side encryption is set to AWS owned key'; enabled without kms_key_arn: the AWS managed key alias/aws/dynamodb (SSESpecification, Amazon DynamoDB API Reference, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_SSESpecification.html; checked 2026-12-07).",
	],
}

resource_types := {"aws_dynamodb_table"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

sse := lib.first_block(input.resource, "server_side_encryption")

enabled if sse.enabled == true

key_set if {
	lib.non_empty(object.get(sse, "kms_key_arn", null))
} else if {
	lib.referenced(input.resource, "server_side_encryption.kms_key_arn")
}

block_pending if {
	count(lib.blocks(input.resource, "server_side_encryption")) == 0
	lib.block_unknown(input.resource, "server_side_encryption")
	not lib.left_out(input.resource, "server_side_encryption")
}

# enabled without a key, the key known only after apply because it was left out: alias/aws/dynamodb (metadata.assumes).
key_left_out if {
	lib.nested_unknown(input.resource, "server_side_encryption", "kms_key_arn")
	lib.left_out(input.resource, "server_side_encryption.kms_key_arn")
}

deny contains msg if {
	not block_pending
	not enabled
	msg := sprintf("%s does not enable server_side_encryption with a customer-managed KMS key", [input.resource.address])
}

deny contains msg if {
	enabled
	not key_set
	key_left_out
	msg := sprintf("%s enables server_side_encryption and leaves kms_key_arn out (uses the AWS-managed key alias/aws/dynamodb)", [input.resource.address])
}

deny contains msg if {
	enabled
	not key_set
	not lib.nested_unknown(input.resource, "server_side_encryption", "kms_key_arn")
	msg := sprintf("%s enables server_side_encryption without kms_key_arn (uses the AWS-managed key)", [input.resource.address])
}

unknown contains msg if {
	enabled
	not key_set
	lib.nested_unknown(input.resource, "server_side_encryption", "kms_key_arn")
	not key_left_out
	msg := sprintf("%s: server_side_encryption.kms_key_arn is known only after apply", [input.resource.address])
}

unknown contains msg if {
	block_pending
	msg := sprintf("%s: server_side_encryption is known only after apply", [input.resource.address])
}
