package edulibra.rules.rds_not_public_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.rds_not_public as rule

res(values, unknown, refs) := {
	"address": "aws_db_instance.main", "module": "", "mode": "managed", "type": "aws_db_instance", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"publicly_accessible": false}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"publicly_accessible": true}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"publicly_accessible": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
