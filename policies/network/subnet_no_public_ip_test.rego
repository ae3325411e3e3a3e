package edulibra.rules.subnet_no_public_ip_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.subnet_no_public_ip as rule

res(values, unknown, refs) := {
	"address": "aws_subnet.main", "module": "", "mode": "managed", "type": "aws_subnet", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"map_public_ip_on_launch": false}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"map_public_ip_on_launch": true}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"map_public_ip_on_launch": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
