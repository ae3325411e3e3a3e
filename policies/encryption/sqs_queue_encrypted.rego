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
	"description": "Queued messages can carry user data for minutes to days; server-side encryption keeps them unreadable at rest.",
}

resource_types := {"aws_sqs_queue"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

encrypted if {
	lib.set_or_referenced(input.resource, "kms_master_key_id")
} else if {
	lib.val(input.resource, "sqs_managed_sse_enabled") == true
}

deny contains msg if {
	not encrypted
	not lib.is_unknown(input.resource, "kms_master_key_id")
	not lib.pending(input.resource, "sqs_managed_sse_enabled")
	msg := sprintf("%s sets neither kms_master_key_id nor sqs_managed_sse_enabled = true", [input.resource.address])
}

unknown contains msg if {
	not encrypted
	some attr in ["kms_master_key_id", "sqs_managed_sse_enabled"]
	lib.pending(input.resource, attr)
	not lib.referenced(input.resource, attr)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
