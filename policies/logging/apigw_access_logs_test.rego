package edulibra.rules.apigw_access_logs_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.apigw_access_logs as rule

res(values, unknown, refs) := {
	"address": "aws_api_gateway_stage.main", "module": "", "mode": "managed", "type": "aws_api_gateway_stage", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_logs_pass if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"access_log_settings": [{"destination_arn": "arn:aws:logs:eu-central-1:111122223333:log-group:api", "format": "$context.requestId"}]}, {}, {}))}
}

test_referenced_log_group_counts_as_set if {
	inp := {"resource": testing.resource(res({"access_log_settings": [{"format": "$context.requestId"}]}, {"access_log_settings": [{"destination_arn": true}]}, {"access_log_settings.destination_arn": ["aws_cloudwatch_log_group.api"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"access_log_settings": []}, {}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({"access_log_settings": [{"format": "x"}]}, {"access_log_settings": [{"destination_arn": true}]}, {}))}
}
