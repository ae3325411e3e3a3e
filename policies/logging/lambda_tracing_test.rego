package edulibra.rules.lambda_tracing_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.lambda_tracing as rule

res(values, unknown, refs) := {
	"address": "aws_lambda_function.main", "module": "", "mode": "managed", "type": "aws_lambda_function", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_active_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"tracing_config": [{"mode": "Active"}]}, {}, {}))}
}

test_passthrough_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"tracing_config": [{"mode": "PassThrough"}]}, {}, {}))}
}

test_missing_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"tracing_config": []}, {}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"tracing_config": true}, {}))}
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"tracing_config": true}, {}))}
}
