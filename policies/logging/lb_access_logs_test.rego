package edulibra.rules.lb_access_logs_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.lb_access_logs as rule

res(values, unknown, refs) := {
	"address": "aws_lb.main", "module": "", "mode": "managed", "type": "aws_lb", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_enabled_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"access_logs": [{"bucket": "edu-logs", "enabled": true, "prefix": "alb"}]}, {}, {}))}
}

test_referenced_bucket_counts_as_set if {
	inp := {"resource": testing.resource(res({"access_logs": [{"enabled": true}]}, {"access_logs": [{"bucket": true}]}, {"access_logs.bucket": ["aws_s3_bucket.logs"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"access_logs": []}, {}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({"access_logs": [{"bucket": "edu-logs"}]}, {"access_logs": [{"enabled": true}]}, {}))}
}
