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
	"description": "Unless the parameter group forces TLS, clients may connect in clear text and database credentials and rows cross the network unencrypted.",
}

resource_types := {"aws_db_instance"}

scope := "plan"

instances := [r | some r in input.resources; r.type == "aws_db_instance"; lib.managed(r)]

parameter_groups := [g | some g in input.resources; g.type == "aws_db_parameter_group"]

tls_parameters := {"rds.force_ssl", "require_secure_transport"}

on_values := {"1", "on", "true"}

forces_tls(g) if {
	some p in lib.blocks(g, "parameter")
	lib.lower_str(p.name) in tls_parameters
	lib.lower_str(p.value) in on_values
}

linked_groups(r) := [g | some g in parameter_groups; lib.links(r, "parameter_group_name", g)]

engine(r) := lib.lower_str(lib.val(r, "engine"))

major_version(r) := to_number(m) if {
	v := lib.val(r, "engine_version")
	is_string(v)
	m := split(v, ".")[0]
	regex.match(`^[0-9]+$`, m)
}

# PostgreSQL 15 and later default to rds.force_ssl = 1 in the AWS default parameter groups.
default_forces_tls(r) if {
	engine(r) == "postgres"
	major_version(r) >= 15
}

# Unset (computed by AWS, so known only after apply and referencing nothing) means the engine's default group.
uses_default_group(r) if not lib.set_or_referenced(r, "parameter_group_name")

uses_default_group(r) if startswith(lib.lower_str(lib.val(r, "parameter_group_name")), "default.")

deny contains {"resource": r.address, "msg": msg} if {
	some r in instances
	some g in linked_groups(r)
	not forces_tls(g)
	msg := sprintf("%s uses parameter group %s, which does not set rds.force_ssl / require_secure_transport to 1", [r.address, g.address])
}

deny contains {"resource": r.address, "msg": msg} if {
	some r in instances
	count(linked_groups(r)) == 0
	uses_default_group(r)
	not default_forces_tls(r)
	not lib.pending(r, "engine_version")
	msg := sprintf("%s uses the default parameter group of %s, which does not force TLS connections", [r.address, engine(r)])
}

unknown contains {"resource": r.address, "msg": msg} if {
	some r in instances
	count(linked_groups(r)) == 0
	not uses_default_group(r)
	msg := sprintf("%s uses parameter group %v, which is not in the plan", [r.address, lib.val(r, "parameter_group_name")])
}

unknown contains {"resource": r.address, "msg": msg} if {
	some r in instances
	count(linked_groups(r)) == 0
	uses_default_group(r)
	lib.pending(r, "engine_version")
	msg := sprintf("%s: engine_version is known only after apply, so the default parameter group's TLS setting is unknown", [r.address])
}
