package edulibra.rules.elasticache_multi_az_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.elasticache_multi_az as rule

res(values, unknown) := {
	"address": "aws_elasticache_replication_group.cache", "module": "", "mode": "managed",
	"type": "aws_elasticache_replication_group", "name": "cache", "action": "create", "values": values,
	"unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_two_nodes_with_failover_pass if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"automatic_failover_enabled": true, "multi_az_enabled": true, "num_cache_clusters": 2}, {}))}
}

test_single_node_fails if {
	count(rule.deny) == 3 with input as {"resource": testing.resource(res({"automatic_failover_enabled": false, "multi_az_enabled": false, "num_cache_clusters": 1}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({"automatic_failover_enabled": true, "num_cache_clusters": 2}, {"multi_az_enabled": true}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
