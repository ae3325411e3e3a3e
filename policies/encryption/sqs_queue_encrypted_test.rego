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

# hashicorp/aws computes sqs_managed_sse_enabled when it is left out: on a new queue that is AWS's
# default, SSE-SQS.
test_new_queue_left_out_passes_on_the_default if {
	inp := {"resource": testing.resource(res({"kms_master_key_id": null}, {"sqs_managed_sse_enabled": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
	older := {"resource": testing.resource(res({"kms_master_key_id": null}, {}, {}))}
	count(rule.deny) == 0 with input as older
}

test_existing_queue_known_only_after_apply_is_unknown if {
	r := object.union(res({"kms_master_key_id": null}, {"sqs_managed_sse_enabled": true}, {}), {"action": "update"})
	inp := {"resource": testing.resource(r)}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_existing_queue_left_unencrypted_fails if {
	r := object.union(res({"kms_master_key_id": null, "sqs_managed_sse_enabled": false}, {}, {}), {"action": "no-op"})
	count(rule.deny) == 1 with input as {"resource": testing.resource(r)}
}

test_referenced_setting_stays_unknown_on_create if {
	inp := {"resource": testing.resource(res({"kms_master_key_id": null}, {"sqs_managed_sse_enabled": true}, {"sqs_managed_sse_enabled": ["var.sse"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
