package edulibra.rules.rds_in_transit

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-006",
	"title": "RDS instances refuse unencrypted client connections",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Use an aws_db_parameter_group with parameter { name = \"rds.force_ssl\", value = \"1\" } (PostgreSQL, SQL Server) or require_secure_transport = \"1\" (MySQL, MariaDB) and set parameter_group_name on the aws_db_instance.",
	"references": ["CKV2_AWS_69"],
	"attributes": ["parameter_group_name", "engine_version", "engine"],
	"compliance": {"aws-fsbp": ["RDS.41", "RDS.44"], "aws-securityhub": ["RDS.38", "RDS.39"]},
	"description": "Unless the parameter group forces TLS, clients may connect in clear text and database credentials and rows cross the network unencrypted.",
	"assumes": [
		"The default parameter group of RDS for PostgreSQL 15 and later sets rds.force_ssl = 1 (Using SSL with a PostgreSQL DB instance, Amazon RDS User Guide; checked 2026-12-07).",
		"An omitted engine_version gets the Region's default version, \"typically the most recent\" (Amazon RDS for PostgreSQL updates, PostgreSQL Release Notes; majors up to 19 listed), so 15 or later (checked 2026-12-07).",
		"MySQL, MariaDB and SQL Server default parameter groups do not require TLS (require_secure_transport = 0, rds.force_ssl = 0).",
	],
}

resource_types := {"aws_db_instance"}

scope := "plan"

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := {"aws_db_instance", "aws_db_parameter_group"}

plan_resources := [r | some r in input.resources; r.type in plan_types]

instances := [r | some r in plan_resources; r.type == "aws_db_instance"; object.get(r, "mode", "managed") != "data"]

parameter_groups := [g | some g in plan_resources; g.type == "aws_db_parameter_group"]

tls_parameters := {"rds.force_ssl", "require_secure_transport"}

on_values := {"1", "on", "true"}

forces_tls(g) if {
	some p in lib.blocks(g, "parameter")
	lib.lower_str(p.name) in tls_parameters
	lib.lower_str(p.value) in on_values
}

# Parameter groups by every address a reference may use (with and without instance keys), and by the values an
# instance may name them by (id, arn, name, bucket): each -> [index into parameter_groups].
group_at := lib.group_pairs([[k, i] |
	some i, g in parameter_groups
	some k in lib.address_keys(g.address)
])

group_by_value := lib.group_pairs([[v, i] |
	some i, g in parameter_groups
	some a in ["id", "arn", "name", "bucket"]
	v := g.values[a]
	is_string(v)
	v != ""
])

# The parameter groups each instance uses (indexes into parameter_groups), aligned with instances.
instance_groups := [linked_groups(r) | some r in instances] if {
	count(parameter_groups) > 0
} else := [set() | some _ in instances]

linked_groups(r) := {i |
	some ref in lib.refs(r, "parameter_group_name")
	some i in group_at[ref]
} | {i |
	some v in lib.as_array(r.values.parameter_group_name)
	is_string(v)
	v != ""
	some i in group_by_value[v]
}

engine(r) := lib.lower_str(lib.val(r, "engine"))

# " of postgres", or nothing when the engine is not in the plan.
engine_named(r) := sprintf(" of %s", [engine(r)]) if {
	engine(r) != ""
} else := ""

# Per instance (aligned with instances), computed once per evaluation with builtins only:
#   default_group: uses the engine's default parameter group: parameter_group_name neither set nor referenced, or
#                  named "default.*";
#   default_tls:   the default group forces TLS (PostgreSQL 15 and later default to rds.force_ssl = 1, and an
#                  omitted engine_version is RDS's default, the newest major: see metadata.assumes);
#   version_pending: engine_version is known only after apply (lib.pending).
instance_facts := [{"default_group": default_group, "default_tls": default_tls, "version_pending": version_pending} |
	some r in instances
	pgn := object.get(r, ["values", "parameter_group_name"], null)
	pgn_refs := object.get(r, ["references", "parameter_group_name"], [])
	configured := (pgn in {null, "", [], {}}) == false
	referenced := count([1 | is_array(pgn_refs); count(pgn_refs) > 0]) > 0
	named_default := startswith(lower(object.get({"string": pgn}, type_name(pgn), "")), "default.")
	default_group := true in {[configured, referenced] == [false, false], named_default}
	eng := object.get(r, ["values", "engine"], null)
	ev := object.get(r, ["values", "engine_version"], null)
	major_15 := count([1 |
		is_string(ev)
		m := split(ev, ".")[0]
		m != ""
		trim(m, "0123456789") == ""
		to_number(m) >= 15
	]) > 0
	version_pending := [object.get(r, ["unknown", "engine_version"], null), ev] == [true, null]
	defaulted := [ev, version_pending] == [null, false]
	default_tls := [lower(object.get({"string": eng}, type_name(eng), "")), true in {major_15, defaulted}] == ["postgres", true]
]

deny contains {"resource": r.address, "msg": msg} if {
	count(parameter_groups) > 0
	some k, r in instances
	some i in instance_groups[k]
	g := parameter_groups[i]
	not forces_tls(g)
	msg := sprintf("%s uses parameter group %s, which does not set rds.force_ssl / require_secure_transport to 1", [r.address, g.address])
}

deny contains {"resource": r.address, "msg": msg} if {
	some k, r in instances
	facts := instance_facts[k]
	facts.default_group
	not facts.default_tls
	not facts.version_pending
	count(instance_groups[k]) == 0
	msg := sprintf("%s uses the default parameter group%s, which does not force TLS connections", [r.address, engine_named(r)])
}

unknown contains {"resource": r.address, "msg": msg} if {
	some k, r in instances
	not instance_facts[k].default_group
	count(instance_groups[k]) == 0
	msg := sprintf("%s uses parameter group %v, which is not in the plan", [r.address, lib.val(r, "parameter_group_name")])
}

unknown contains {"resource": r.address, "msg": msg} if {
	some k, r in instances
	facts := instance_facts[k]
	facts.default_group
	facts.version_pending
	count(instance_groups[k]) == 0
	msg := sprintf("%s: engine_version is known only after apply, so the default parameter group's TLS setting is unknown", [r.address])
}
