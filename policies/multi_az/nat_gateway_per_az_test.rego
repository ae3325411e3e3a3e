package edulibra.rules.nat_gateway_per_az_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.nat_gateway_per_az as rule

vpc(stage) := {
	"address": "aws_vpc.main", "module": "", "mode": "managed", "type": "aws_vpc", "name": "main", "action": "create",
	"values": {"cidr_block": "10.0.0.0/16", "tags": {"Stage": stage}}, "unknown": {"id": true}, "sensitive": {}, "references": {}, "parent": null,
}

subnet(i, az) := {
	"address": sprintf("aws_subnet.public[%d]", [i]), "module": "", "mode": "managed", "type": "aws_subnet", "name": "public",
	"action": "create", "values": {"availability_zone": az}, "unknown": {"id": true, "vpc_id": true},
	"sensitive": {}, "references": {"vpc_id": ["aws_vpc.main"]}, "parent": null,
}

nat(i) := {
	"address": sprintf("aws_nat_gateway.this[%d]", [i]), "module": "", "mode": "managed", "type": "aws_nat_gateway", "name": "this",
	"action": "create", "values": {"connectivity_type": "public"}, "unknown": {"subnet_id": true},
	"sensitive": {}, "references": {"subnet_id": ["aws_subnet.public"]}, "parent": null,
}

subnets := [subnet(0, "eu-central-1a"), subnet(1, "eu-central-1b")]

test_nat_per_zone_passes if {
	count(rule.deny) == 0 with input as {"resources": testing.plan(array.concat([vpc("prod"), nat(0), nat(1)], subnets))}
}

test_single_nat_in_prod_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan(array.concat([vpc("prod"), nat(0)], subnets))}
}

test_single_nat_in_dev_passes if {
	count(rule.deny) == 0 with input as {"resources": testing.plan(array.concat([vpc("dev"), nat(0)], subnets))}
}

test_prod_from_environment_parent if {
	env := {"address": "module.edulibra.edulibra_environment.this", "module": "module.edulibra", "mode": "managed",
		"type": "edulibra_environment", "name": "this", "action": "create", "values": {"stage": "prod"}, "unknown": {},
		"sensitive": {}, "references": {}, "parent": null}
	child := object.union(vpc("none"), {"parent": "module.edulibra.edulibra_environment.this"})
	count(rule.deny) == 1 with input as {"resources": testing.plan(array.concat([env, child, nat(0)], subnets))}
}
