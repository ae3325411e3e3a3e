package edulibra.rules.cloudtrail_cloudwatch_logs_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudtrail_cloudwatch_logs as rule

res(values, unknown, refs) := {
	"address": "aws_cloudtrail.main", "module": "", "mode": "managed", "type": "aws_cloudtrail", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"cloud_watch_logs_group_arn": "arn:aws:logs:eu-central-1:111122223333:log-group:trail:*"}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"cloud_watch_logs_group_arn": ""}, {}, {}))}
}

test_referenced_counts_as_set if {
	inp := {"resource": testing.resource(res({}, {"cloud_watch_logs_group_arn": true}, {"cloud_watch_logs_group_arn": ["aws_x.y"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"cloud_watch_logs_group_arn": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
