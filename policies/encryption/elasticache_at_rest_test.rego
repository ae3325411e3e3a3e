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
