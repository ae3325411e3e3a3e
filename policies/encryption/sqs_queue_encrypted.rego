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

r := input.resource

encrypted if lib.set_or_referenced(r, "kms_master_key_id")

encrypted if lib.val(r, "sqs_managed_sse_enabled") == true

deny contains msg if {
	not encrypted
	not lib.is_unknown(r, "kms_master_key_id")
	not lib.pending(r, "sqs_managed_sse_enabled")
	msg := sprintf("%s sets neither kms_master_key_id nor sqs_managed_sse_enabled = true", [r.address])
}

unknown contains msg if {
	not encrypted
	some attr in ["kms_master_key_id", "sqs_managed_sse_enabled"]
	lib.pending(r, attr)
	not lib.referenced(r, attr)
	msg := sprintf("%s: %s is known only after apply", [r.address, attr])
}
