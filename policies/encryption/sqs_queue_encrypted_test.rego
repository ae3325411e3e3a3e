package edulibra.rules.sqs_queue_encrypted_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.sqs_queue_encrypted as rule

res(values, unknown, refs) := {
	"address": "aws_sqs_queue.jobs", "module": "", "mode": "managed", "type": "aws_sqs_queue", "name": "jobs",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_kms_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"kms_master_key_id": "alias/edu"}, {}, {}))}
}

test_sqs_managed_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"kms_master_key_id": null, "sqs_managed_sse_enabled": true}, {}, {}))}
}

test_referenced_key_passes if {
	inp := {"resource": testing.resource(res({}, {"kms_master_key_id": true}, {"kms_master_key_id": ["aws_kms_key.main"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_unencrypted_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"kms_master_key_id": null, "sqs_managed_sse_enabled": false}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({"kms_master_key_id": null}, {"sqs_managed_sse_enabled": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
