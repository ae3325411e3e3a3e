package edulibra.rules.ecs_container_insights_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.ecs_container_insights as rule

res(values, unknown, refs) := {
	"address": "aws_ecs_cluster.main", "module": "", "mode": "managed", "type": "aws_ecs_cluster", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_enabled_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"setting": [{"name": "containerInsights", "value": "enabled"}]}, {}, {}))}
}

test_disabled_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"setting": [{"name": "containerInsights", "value": "disabled"}]}, {}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({"setting": [{"name": "containerInsights"}]}, {"setting": [{"value": true}]}, {}))}
}
