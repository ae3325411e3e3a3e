package edulibra.rules.rds_log_exports_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.rds_log_exports as rule

res(values, unknown, refs) := {
	"address": "aws_db_instance.main", "module": "", "mode": "managed", "type": "aws_db_instance", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_exports_pass if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"enabled_cloudwatch_logs_exports": ["postgresql", "upgrade"]}, {}, {}))}
}

test_no_exports_fail if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"enabled_cloudwatch_logs_exports": null}, {}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"enabled_cloudwatch_logs_exports": true}, {}))}
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"enabled_cloudwatch_logs_exports": true}, {}))}
}
