package edulibra.rules.log_group_retention_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.log_group_retention as rule

res(values, unknown, refs) := {
	"address": "aws_cloudwatch_log_group.main", "module": "", "mode": "managed", "type": "aws_cloudwatch_log_group", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_one_year_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"retention_in_days": 365}, {}, {}))}
}

test_never_expire_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"retention_in_days": 0}, {}, {}))}
}

test_thirty_days_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"retention_in_days": 30}, {}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"retention_in_days": true}, {}))}
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"retention_in_days": true}, {}))}
}
