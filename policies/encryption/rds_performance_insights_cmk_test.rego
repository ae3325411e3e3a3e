package edulibra.rules.rds_performance_insights_cmk_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.rds_performance_insights_cmk as rule

res(values, unknown, refs) := {
	"address": "aws_db_instance.main", "module": "", "mode": "managed", "type": "aws_db_instance", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_disabled_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"performance_insights_enabled": false}, {"performance_insights_kms_key_id": true}, {}))}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(res({"performance_insights_enabled": false}, {"performance_insights_kms_key_id": true}, {}))}
}

test_enabled_with_key_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"performance_insights_enabled": true, "performance_insights_kms_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"}, {}, {}))}
}

test_enabled_with_referenced_key_passes if {
	inp := {"resource": testing.resource(res({"performance_insights_enabled": true}, {"performance_insights_kms_key_id": true}, {"performance_insights_kms_key_id": ["aws_kms_key.main"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_enabled_without_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"performance_insights_enabled": true, "performance_insights_kms_key_id": null}, {}, {}))}
}

test_enabled_with_unknown_key_is_unknown if {
	inp := {"resource": testing.resource(res({"performance_insights_enabled": true}, {"performance_insights_kms_key_id": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"performance_insights_enabled": true}, {"performance_insights_kms_key_id": true}, {}), {"configured": {"performance_insights_enabled": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"performance_insights_enabled": true}, {"performance_insights_kms_key_id": true}, {}), {"configured": {"performance_insights_enabled": true, "performance_insights_kms_key_id": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"performance_insights_enabled": true}, {"performance_insights_kms_key_id": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
