package edulibra.rules.dynamodb_cmk_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.dynamodb_cmk as rule

res(values, unknown, refs) := {
	"address": "aws_dynamodb_table.exercises", "module": "", "mode": "managed", "type": "aws_dynamodb_table",
	"name": "exercises", "action": "create", "values": values, "unknown": unknown, "sensitive": {},
	"references": refs, "parent": null,
}

test_cmk_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"server_side_encryption": [{"enabled": true, "kms_key_arn": "arn:aws:kms:eu-central-1:111122223333:key/k"}]}, {}, {}))}
}

test_referenced_key_passes if {
	inp := {"resource": testing.resource(res({"server_side_encryption": [{"enabled": true}]}, {"server_side_encryption": [{"kms_key_arn": true}]}, {"server_side_encryption.kms_key_arn": ["aws_kms_key.main"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_no_sse_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"server_side_encryption": []}, {}, {}))}
}

test_aws_managed_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"server_side_encryption": [{"enabled": true, "kms_key_arn": ""}]}, {}, {}))}
}

test_unknown_key_is_unknown if {
	inp := {"resource": testing.resource(res({"server_side_encryption": [{"enabled": true}]}, {"server_side_encryption": [{"kms_key_arn": true}]}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"name": "t"}, {"server_side_encryption": true}, {}), {"configured": {"name": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"name": "t"}, {"server_side_encryption": true}, {}), {"configured": {"name": true, "server_side_encryption": true, "server_side_encryption.enabled": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"name": "t"}, {"server_side_encryption": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
