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
