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

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"function_name": "f"}, {"tracing_config": true}, {}), {"configured": {"function_name": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"function_name": "f"}, {"tracing_config": true}, {}), {"configured": {"function_name": true, "tracing_config": true, "tracing_config.mode": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"function_name": "f"}, {"tracing_config": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
