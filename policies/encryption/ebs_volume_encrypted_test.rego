package edulibra.rules.ebs_volume_encrypted_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.ebs_volume_encrypted as rule

res(values, unknown, refs) := {
	"address": "aws_ebs_volume.data", "module": "", "mode": "managed", "type": "aws_ebs_volume", "name": "data",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_encrypted_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"encrypted": true}, {"kms_key_id": true}, {}))}
}

test_referenced_key_passes if {
	inp := {"resource": testing.resource(res({}, {"encrypted": true, "kms_key_id": true}, {"kms_key_id": ["aws_kms_key.ebs"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_unencrypted_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"encrypted": false}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"encrypted": true, "kms_key_id": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
