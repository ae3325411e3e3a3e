package edulibra.rules.lb_cross_zone_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.lb_cross_zone as rule

res(values, unknown, refs) := {
	"address": "aws_lb.main", "module": "", "mode": "managed", "type": "aws_lb", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"load_balancer_type": "network", "enable_cross_zone_load_balancing": true}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"load_balancer_type": "network", "enable_cross_zone_load_balancing": false}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({"load_balancer_type": "network"}, {"enable_cross_zone_load_balancing": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
