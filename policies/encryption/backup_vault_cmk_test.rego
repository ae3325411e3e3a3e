package edulibra.rules.backup_vault_cmk_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.backup_vault_cmk as rule

res(values, unknown, refs) := {
	"address": "aws_backup_vault.main", "module": "", "mode": "managed", "type": "aws_backup_vault", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_key_arn_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"kms_key_arn": "arn:aws:kms:eu-central-1:111122223333:key/k"}, {}, {}))}
}

test_referenced_key_passes if {
	inp := {"resource": testing.resource(res({}, {"kms_key_arn": true}, {"kms_key_arn": ["aws_kms_key.main"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"kms_key_arn": null}, {}, {}))}
}

test_empty_key_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"kms_key_arn": ""}, {}, {}))}
}

test_unknown_key_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"kms_key_arn": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"name": "v"}, {"kms_key_arn": true}, {}), {"configured": {"name": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"name": "v"}, {"kms_key_arn": true}, {}), {"configured": {"name": true, "kms_key_arn": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"name": "v"}, {"kms_key_arn": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
