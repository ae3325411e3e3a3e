package edulibra.rules.kms_key_rotation_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.kms_key_rotation as rule

res(values, unknown) := {
	"address": "aws_kms_key.main", "module": "", "mode": "managed", "type": "aws_kms_key", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_rotation_enabled_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"enable_key_rotation": true, "customer_master_key_spec": "SYMMETRIC_DEFAULT"}, {}))}
}

test_asymmetric_key_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"enable_key_rotation": false, "customer_master_key_spec": "RSA_2048", "key_usage": "SIGN_VERIFY"}, {}))}
}

test_rotation_disabled_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"enable_key_rotation": false}, {}))}
}

test_unknown_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"enable_key_rotation": true}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"enable_key_rotation": true}))}
}
