package edulibra.rules.elasticache_cmk_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.elasticache_cmk as rule

res(values, unknown, refs) := {
	"address": "aws_elasticache_replication_group.cache", "module": "", "mode": "managed",
	"type": "aws_elasticache_replication_group", "name": "cache", "action": "create", "values": values,
	"unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_key_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"kms_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"}, {}, {}))}
}

test_referenced_key_passes if {
	inp := {"resource": testing.resource(res({}, {"kms_key_id": true}, {"kms_key_id": ["aws_kms_key.main"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_no_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"kms_key_id": null}, {}, {}))}
}

test_unknown_key_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"kms_key_id": true}, {}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"kms_key_id": true}, {}))}
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"at_rest_encryption_enabled": true}, {"kms_key_id": true}, {}), {"configured": {"at_rest_encryption_enabled": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"at_rest_encryption_enabled": true}, {"kms_key_id": true}, {}), {"configured": {"at_rest_encryption_enabled": true, "kms_key_id": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
