package edulibra.rules.log_group_retention

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-013",
	"title": "CloudWatch log groups keep logs for at least a year",
	"severity": "low",
	"category": "logging",
	"remediation": "Set retention_in_days = 365 or more (or 0 to never expire) on the aws_cloudwatch_log_group.",
	"references": ["CKV_AWS_66", "CKV_AWS_338"],
	"attributes": ["retention_in_days"],
	"compliance": {"aws-securityhub": ["CloudWatch.16"]},
	"description": "Short or unset retention loses the evidence needed to investigate incidents that are discovered weeks or months later.",
}

resource_types := {"aws_cloudwatch_log_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

retention := lib.val(input.resource, "retention_in_days")

deny contains msg if {
	is_number(retention)
	retention > 0
	retention < 365
	msg := sprintf("%s keeps logs for only %v days (retention_in_days < 365)", [input.resource.address, retention])
}

deny contains msg if {
	not is_number(retention)
	not lib.pending(input.resource, "retention_in_days")
	msg := sprintf("%s does not set retention_in_days", [input.resource.address])
}

unknown contains msg if {
	lib.pending(input.resource, "retention_in_days")
	msg := sprintf("%s: retention_in_days is known only after apply", [input.resource.address])
}
