package edulibra.rules.vpc_subnets_multi_az_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.vpc_subnets_multi_az as rule

vpc := {
	"address": "aws_vpc.main", "module": "", "mode": "managed", "type": "aws_vpc", "name": "main", "action": "create",
	"values": {"cidr_block": "10.0.0.0/16"}, "unknown": {"id": true}, "sensitive": {}, "references": {}, "parent": null,
}

subnet(name, az) := {
	"address": sprintf("aws_subnet.%s", [name]), "module": "", "mode": "managed", "type": "aws_subnet", "name": name,
	"action": "create", "values": {"availability_zone": az, "cidr_block": "10.0.1.0/24"}, "unknown": {"vpc_id": true},
	"sensitive": {}, "references": {"vpc_id": ["aws_vpc.main"]}, "parent": null,
}

pending_subnet := {
	"address": "aws_subnet.c", "module": "", "mode": "managed", "type": "aws_subnet", "name": "c", "action": "create",
	"values": {"cidr_block": "10.0.3.0/24"}, "unknown": {"vpc_id": true, "availability_zone": true},
	"sensitive": {}, "references": {"vpc_id": ["aws_vpc.main"]}, "parent": null,
}

test_two_zones_pass if {
	count(rule.deny) == 0 with input as {"resources": testing.plan([vpc, subnet("a", "eu-central-1a"), subnet("b", "eu-central-1b")])}
}

test_one_zone_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([vpc, subnet("a", "eu-central-1a"), subnet("b", "eu-central-1a")])}
}

test_pending_zone_is_unknown if {
	inp := {"resources": testing.plan([vpc, subnet("a", "eu-central-1a"), pending_subnet])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
