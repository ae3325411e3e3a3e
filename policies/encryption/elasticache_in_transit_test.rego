package edulibra.rules.elasticache_in_transit_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.elasticache_in_transit as rule

res(values, unknown, sensitive, refs) := {
	"address": "aws_elasticache_replication_group.cache", "module": "", "mode": "managed",
	"type": "aws_elasticache_replication_group", "name": "cache", "action": "create", "values": values,
	"unknown": unknown, "sensitive": sensitive, "references": refs, "parent": null,
}

test_tls_and_sensitive_token_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"transit_encryption_enabled": true}, {}, {"auth_token": true}, {}))}
}

test_tls_and_rbac_reference_passes if {
	inp := {"resource": testing.resource(res({"transit_encryption_enabled": true}, {"user_group_ids": true}, {}, {"user_group_ids": ["aws_elasticache_user_group.app"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_no_tls_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"transit_encryption_enabled": false, "auth_token": "x"}, {}, {}, {}))}
}

test_tls_without_auth_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"transit_encryption_enabled": true, "auth_token": null}, {}, {}, {}))}
}

test_unknown_token_is_unknown if {
	inp := {"resource": testing.resource(res({"transit_encryption_enabled": true}, {"auth_token": true}, {}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"engine": "redis"}, {"transit_encryption_enabled": true}, {}, {}), {"configured": {"engine": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"engine": "redis"}, {"transit_encryption_enabled": true}, {}, {}), {"configured": {"engine": true, "transit_encryption_enabled": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"engine": "redis"}, {"transit_encryption_enabled": true}, {}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
