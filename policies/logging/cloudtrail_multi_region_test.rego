package edulibra.rules.cloudtrail_multi_region_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudtrail_multi_region as rule

res(values, unknown, refs) := {
	"address": "aws_cloudtrail.main", "module": "", "mode": "managed", "type": "aws_cloudtrail", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"is_multi_region_trail": true}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"is_multi_region_trail": false}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"is_multi_region_trail": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
