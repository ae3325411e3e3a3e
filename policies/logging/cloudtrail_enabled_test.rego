package edulibra.rules.cloudtrail_enabled_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudtrail_enabled as rule

res(values, unknown, refs) := {
	"address": "aws_cloudtrail.main", "module": "", "mode": "managed", "type": "aws_cloudtrail", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"enable_logging": null}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"enable_logging": false}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"enable_logging": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
