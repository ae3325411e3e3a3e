package edulibra.rules.elasticache_at_rest_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.elasticache_at_rest as rule

res(values, unknown) := {
	"address": "aws_elasticache_replication_group.cache", "module": "", "mode": "managed",
	"type": "aws_elasticache_replication_group", "name": "cache", "action": "create", "values": values,
	"unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_encrypted_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"at_rest_encryption_enabled": true}, {}))}
}

test_unencrypted_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"at_rest_encryption_enabled": false}, {}))}
}

test_missing_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({}, {}))}
}

test_unknown_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"at_rest_encryption_enabled": true}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"at_rest_encryption_enabled": true}))}
}

test_valkey_left_out_passes_on_its_default if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"engine": "valkey"}, {}))}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(res({"engine": "valkey"}, {}))}
}

test_valkey_switched_off_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"engine": "valkey", "at_rest_encryption_enabled": false}, {}))}
}

test_redis_left_out_fails_on_its_default if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"engine": "redis"}, {}))}
}

test_engine_known_only_after_apply_is_unknown_when_left_out if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"engine": true}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"engine": true}))}
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"engine": "redis"}, {"at_rest_encryption_enabled": true}), {"configured": {"engine": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"engine": "redis"}, {"at_rest_encryption_enabled": true}), {"configured": {"engine": true, "at_rest_encryption_enabled": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"engine": "redis"}, {"at_rest_encryption_enabled": true}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
