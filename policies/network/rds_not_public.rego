package edulibra.rules.rds_not_public

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-NET-001",
	"title": "RDS instances are not publicly accessible",
	"severity": "critical",
	"category": "network",
	"remediation": "Set publicly_accessible = false on the aws_db_instance and place it in private (data) subnets.",
	"references": ["CKV_AWS_17"],
	"attributes": ["publicly_accessible"],
	"compliance": {"aws-fsbp": ["RDS.2"], "cis-aws-3.0.0": ["2.3.3"]},
	"description": "A publicly accessible instance gets a public DNS name and IP, exposing the database port to the internet behind only its security group.",
}

resource_types := {"aws_db_instance"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

applies := true

deny contains msg if {
	applies
	not lib.pending(input.resource, "publicly_accessible")
	lib.val(input.resource, "publicly_accessible") == true
	msg := sprintf("%s is publicly accessible (publicly_accessible = true)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "publicly_accessible")
	msg := sprintf("%s: publicly_accessible is known only after apply", [input.resource.address])
}
