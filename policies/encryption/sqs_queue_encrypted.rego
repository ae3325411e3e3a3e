package edulibra.rules.sqs_queue_encrypted

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-018",
	"title": "SQS queues encrypt messages at rest",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set kms_master_key_id to a customer-managed aws_kms_key (preferred) or sqs_managed_sse_enabled = true on the aws_sqs_queue.",
	"references": ["CKV_AWS_27"],
	"attributes": ["kms_master_key_id", "sqs_managed_sse_enabled"],
	"compliance": {"aws-fsbp": ["SQS.1"]},
	"description": "Queued messages can carry user data for minutes to days; server-side encryption keeps them unreadable at rest.",
	"assumes": [
		"A queue created without a KMS key and without SqsManagedSseEnabled gets SSE-SQS: Amazon SQS has encrypted new queues by default since October 2022 (Encryption at rest in Amazon SQS, Amazon SQS Developer Guide; checked 2026-12-07).",
		"A queue that already exists keeps what it has (queues from before that date may be unencrypted): the plan's value, read from AWS, is judged.",
	],
}

resource_types := {"aws_sqs_queue"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

encrypted if {
	lib.set_or_referenced(input.resource, "kms_master_key_id")
} else if {
	lib.val(input.resource, "sqs_managed_sse_enabled") == true
} else if {
	# A new queue with the setting left out: AWS's default, SSE-SQS (metadata.assumes).
	input.resource.action in {"create", "replace"}
	lib.val(input.resource, "sqs_managed_sse_enabled") == null
	not lib.referenced(input.resource, "sqs_managed_sse_enabled")
}

deny contains msg if {
	not encrypted
	not lib.is_unknown(input.resource, "kms_master_key_id")
	not lib.pending(input.resource, "sqs_managed_sse_enabled")
	msg := sprintf("%s sets neither kms_master_key_id nor sqs_managed_sse_enabled = true", [input.resource.address])
}

unknown contains msg if {
	not encrypted
	lib.pending(input.resource, "kms_master_key_id")
	not lib.referenced(input.resource, "kms_master_key_id")
	msg := sprintf("%s: kms_master_key_id is known only after apply", [input.resource.address])
}

# A reference to something unknown does not tell true from false.
unknown contains msg if {
	not encrypted
	lib.pending(input.resource, "sqs_managed_sse_enabled")
	msg := sprintf("%s: sqs_managed_sse_enabled is known only after apply", [input.resource.address])
}
