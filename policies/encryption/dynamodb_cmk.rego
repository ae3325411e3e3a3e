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
}

deny contains msg if {
	not block_pending
	not enabled
	msg := sprintf("%s does not enable server_side_encryption with a customer-managed KMS key", [input.resource.address])
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
	msg := sprintf("%s: server_side_encryption.kms_key_arn is known only after apply", [input.resource.address])
}

unknown contains msg if {
	block_pending
	msg := sprintf("%s: server_side_encryption is known only after apply", [input.resource.address])
}
