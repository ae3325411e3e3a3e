package edulibra.rules.lb_multi_az_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.lb_multi_az as rule

lb(values, unknown, refs) := {
	"address": "aws_lb.app", "module": "", "mode": "managed", "type": "aws_lb", "name": "app", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

subnet(address, az) := {
	"address": address, "module": "", "mode": "managed", "type": "aws_subnet", "name": "public", "action": "create",
	"values": {"availability_zone": az}, "unknown": {"id": true}, "sensitive": {}, "references": {}, "parent": null,
}

test_two_known_subnets_pass if {
	count(rule.deny) == 0 with input as {"resources": testing.plan([lb({"subnets": ["subnet-a", "subnet-b"]}, {}, {})])}
}

test_referenced_subnets_in_two_zones_pass if {
	inp := {"resources": testing.plan([
		lb({}, {"subnets": true}, {"subnets": ["aws_subnet.public"]}),
		subnet("aws_subnet.public[0]", "eu-central-1a"), subnet("aws_subnet.public[1]", "eu-central-1b"),
	])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_single_subnet_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([lb({"subnets": ["subnet-a"]}, {}, {})])}
}

test_same_zone_subnets_fail if {
	inp := {"resources": testing.plan([
		lb({}, {"subnets": true}, {"subnets": ["aws_subnet.public"]}),
		subnet("aws_subnet.public[0]", "eu-central-1a"),
	])}
	count(rule.deny) == 1 with input as inp
}

test_unknown_subnets_are_unknown if {
	inp := {"resources": testing.plan([lb({}, {"subnets": true, "subnet_mapping": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
