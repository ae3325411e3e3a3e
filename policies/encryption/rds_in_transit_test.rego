package edulibra.rules.rds_in_transit_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.rds_in_transit as rule

db(values, unknown, refs) := {
	"address": "aws_db_instance.main", "module": "", "mode": "managed", "type": "aws_db_instance", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

pg(params) := {
	"address": "aws_db_parameter_group.main", "module": "", "mode": "managed", "type": "aws_db_parameter_group",
	"name": "main", "action": "create", "values": {"name": "edu-pg", "family": "postgres14", "parameter": params},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

test_group_forcing_ssl_passes if {
	inp := {"resources": testing.plan([db({"engine": "postgres", "engine_version": "14.10"}, {"parameter_group_name": true}, {"parameter_group_name": ["aws_db_parameter_group.main"]}), pg([{"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"}])])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_postgres_16_default_group_passes if {
	count(rule.deny) == 0 with input as {"resources": testing.plan([db({"engine": "postgres", "engine_version": "16.3", "parameter_group_name": "default.postgres16"}, {}, {})])}
}

test_group_without_ssl_fails if {
	inp := {"resources": testing.plan([db({"engine": "postgres", "engine_version": "14.10", "parameter_group_name": "edu-pg"}, {}, {}), pg([])])}
	count(rule.deny) == 1 with input as inp
}

test_mysql_default_group_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([db({"engine": "mysql", "engine_version": "8.0"}, {"parameter_group_name": true}, {})])}
}

test_group_outside_plan_is_unknown if {
	inp := {"resources": testing.plan([db({"engine": "mysql", "engine_version": "8.0", "parameter_group_name": "shared-mysql"}, {}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# AWS picks its default version, the newest major, when engine_version is left out: its default
# group forces TLS from PostgreSQL 15 on.
test_postgres_without_engine_version_passes_on_the_default_group if {
	count(rule.deny) == 0 with input as {"resources": testing.plan([db({"engine": "postgres"}, {}, {})])}
}

test_postgres_14_default_group_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([db({"engine": "postgres", "engine_version": "14.12"}, {}, {})])}
}

test_postgres_version_known_after_apply_is_unknown if {
	inp := {"resources": testing.plan([db({"engine": "postgres"}, {"engine_version": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# The message names the engine when the plan has one, and reads whole when it does not.
test_default_group_message_names_the_engine_only_when_known if {
	named := {"resources": testing.plan([db({"engine": "mysql", "engine_version": "8.0.36"}, {}, {})])}
	some m in rule.deny with input as named
	endswith(m.msg, "uses the default parameter group of mysql, which does not force TLS connections")
	unnamed := {"resources": testing.plan([db({"engine_version": "8.0.36"}, {}, {})])}
	some n in rule.deny with input as unnamed
	endswith(n.msg, "uses the default parameter group, which does not force TLS connections")
}
