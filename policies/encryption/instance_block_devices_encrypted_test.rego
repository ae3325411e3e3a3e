package edulibra.rules.instance_block_devices_encrypted_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.instance_block_devices_encrypted as rule

res(values, unknown) := {
	"address": "aws_launch_configuration.lc", "module": "", "mode": "managed", "type": "aws_launch_configuration",
	"name": "lc", "action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_encrypted_devices_pass if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdb", "encrypted": true}]}, {}))}
}

test_unencrypted_data_device_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"root_block_device": [{"encrypted": true}], "ebs_block_device": [{"device_name": "/dev/sdb", "encrypted": false}]}, {}))}
}

test_missing_root_device_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"root_block_device": []}, {}))}
}

test_computed_devices_are_unknown if {
	inp := {"resource": testing.resource(res({}, {"root_block_device": true, "ebs_block_device": true}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_unknown_encrypted_flag_is_unknown if {
	inp := {"resource": testing.resource(res({"root_block_device": [{"volume_size": 20}]}, {"root_block_device": [{"encrypted": true}]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
