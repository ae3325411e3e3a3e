package edulibra.rules.rds_multi_az

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-001",
	"title": "RDS instances run in more than one availability zone",
	"severity": "high",
	"category": "multi-az",
	"remediation": "Set multi_az = true on the aws_db_instance (the EduLibra default outside dev).",
	"references": ["CKV_AWS_157"],
	"attributes": ["multi_az"],
	"compliance": {"aws-fsbp": ["RDS.5"]},
	"description": "A single-AZ instance is down for the whole duration of an AZ outage or a host failure, and maintenance causes longer interruptions.",
	"assumes": [
		"multi_az left out: hashicorp/aws sends MultiAZ only when it is true, and CreateDBInstance creates a Multi-AZ deployment only when MultiAZ is set, so the instance is Single-AZ (MultiAZ, CreateDBInstance, Amazon RDS API Reference, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html; checked 2026-12-07). In a plan it is known only after apply; the plan's configuration tells it was left out.",
	],
}

resource_types := {"aws_db_instance"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Read replicas inherit availability from their source and are judged through it.
applies if lib.val(input.resource, "replicate_source_db") == null

deny contains msg if {
	applies
	lib.defaulted(input.resource, "multi_az")
	msg := sprintf("%s runs in a single availability zone (multi_az is left out: RDS creates a Single-AZ instance)", [input.resource.address])
}

deny contains msg if {
	applies
	not lib.pending(input.resource, "multi_az")
	lib.val(input.resource, "multi_az") != true
	msg := sprintf("%s runs in a single availability zone (multi_az is not true)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "multi_az")
	not lib.left_out(input.resource, "multi_az")
	msg := sprintf("%s: multi_az is known only after apply", [input.resource.address])
}
