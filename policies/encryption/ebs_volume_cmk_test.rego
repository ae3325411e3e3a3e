package edulibra.rules.ebs_volume_cmk_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.ebs_volume_cmk as rule

res(values, unknown, refs) := {
	"address": "aws_ebs_volume.main", "module": "", "mode": "managed", "type": "aws_ebs_volume", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_key_arn_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"kms_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"}, {}, {}))}
}

test_referenced_key_passes if {
	inp := {"resource": testing.resource(res({}, {"kms_key_id": true}, {"kms_key_id": ["aws_kms_key.main"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"kms_key_id": null}, {}, {}))}
}

test_empty_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"kms_key_id": ""}, {}, {}))}
}

test_unknown_key_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"kms_key_id": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_unencrypted_volume_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"encrypted": false}, {"kms_key_id": true}, {}))}
}
