package edulibra.rules.target_group_health_check_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.target_group_health_check as rule

res(values, unknown) := {
	"address": "aws_lb_target_group.app", "module": "", "mode": "managed", "type": "aws_lb_target_group", "name": "app",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_health_check_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTP", "health_check": [{"enabled": true, "path": "/health", "matcher": "200"}]}, {}))}
}

test_missing_health_check_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"protocol": "HTTP", "health_check": []}, {}))}
}

test_disabled_health_check_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"protocol": "HTTPS", "health_check": [{"enabled": false}]}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({"protocol": "HTTP"}, {"health_check": true}))}
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTP"}, {"health_check": true}))}
}

# Left out of the configuration: AWS's default probe of "/" is no application health check.
test_left_out_health_check_fails if {
	inp := {"resource": testing.resource(object.union(res({"protocol": "HTTP"}, {"health_check": true}), {"configured": {"protocol": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written with values known only after apply: still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"protocol": "HTTP"}, {"health_check": true}), {"configured": {"protocol": true, "health_check": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
