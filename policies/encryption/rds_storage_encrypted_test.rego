package edulibra.rules.rds_storage_encrypted_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.rds_storage_encrypted as rule

res(type, values, unknown) := {
	"address": sprintf("%s.main", [type]), "module": "", "mode": "managed", "type": type, "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_encrypted_instance_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res("aws_db_instance", {"storage_encrypted": true}, {}))}
}

test_unencrypted_instance_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res("aws_db_instance", {"storage_encrypted": false}, {}))}
}

test_cluster_without_setting_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res("aws_rds_cluster", {"storage_encrypted": null, "engine_mode": "provisioned"}, {}))}
}

test_serverless_cluster_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res("aws_rds_cluster", {"engine_mode": "serverless"}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res("aws_rds_cluster", {}, {"storage_encrypted": true}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# Aurora encrypts every new cluster since 2026-02-18, whatever storage_encrypted says; an existing one is judged.
test_new_aurora_cluster_is_encrypted_by_aws if {
	for_new := res("aws_rds_cluster", {"engine": "aurora-postgresql", "storage_encrypted": false}, {})
	count(rule.deny) == 0 with input as {"resource": testing.resource(for_new)}
	left_out := res("aws_rds_cluster", {"engine": "aurora-mysql"}, {"storage_encrypted": true})
	count(rule.deny) == 0 with input as {"resource": testing.resource(left_out)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(left_out)}
	existing := object.union(for_new, {"action": "update"})
	count(rule.deny) == 1 with input as {"resource": testing.resource(existing)}
	multi_az_cluster := res("aws_rds_cluster", {"engine": "postgres", "storage_encrypted": false}, {})
	count(rule.deny) == 1 with input as {"resource": testing.resource(multi_az_cluster)}
}
