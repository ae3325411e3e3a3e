package edulibra.rules.rds_log_exports

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-012",
	"title": "RDS instances and clusters export their logs to CloudWatch",
	"severity": "medium",
	"category": "logging",
	"remediation": "Set enabled_cloudwatch_logs_exports on the aws_db_instance / aws_rds_cluster (PostgreSQL: [\"postgresql\", \"upgrade\"]; MySQL: [\"audit\", \"error\", \"general\", \"slowquery\"]).",
	"references": ["CKV_AWS_129", "CKV_AWS_324"],
	"attributes": ["enabled_cloudwatch_logs_exports"],
	"compliance": {"aws-fsbp": ["RDS.9", "RDS.34", "RDS.36", "RDS.37", "RDS.40", "RDS.42"]},
	"description": "Without log exports, database errors, connection attempts and slow queries stay on the instance and disappear with it.",
}

resource_types := {"aws_db_instance", "aws_rds_cluster"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "enabled_cloudwatch_logs_exports")
	not lib.is_unknown(input.resource, "enabled_cloudwatch_logs_exports")
	msg := sprintf("%s exports no logs to CloudWatch (enabled_cloudwatch_logs_exports is empty)", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "enabled_cloudwatch_logs_exports")
	msg := sprintf("%s: enabled_cloudwatch_logs_exports is known only after apply", [input.resource.address])
}
