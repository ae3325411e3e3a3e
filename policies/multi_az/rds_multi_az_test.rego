package edulibra.rules.rds_multi_az_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.rds_multi_az as rule

res(values, unknown, refs) := {
	"address": "aws_db_instance.main", "module": "", "mode": "managed", "type": "aws_db_instance", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"multi_az": true}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"multi_az": false}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"multi_az": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"engine": "postgres"}, {"multi_az": true}, {}), {"configured": {"engine": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"engine": "postgres"}, {"multi_az": true}, {}), {"configured": {"engine": true, "multi_az": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"engine": "postgres"}, {"multi_az": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
