package edulibra.rules.cloudtrail_log_validation

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-002",
	"title": "CloudTrail log file validation is enabled",
	"severity": "medium",
	"category": "logging",
	"remediation": "Set enable_log_file_validation = true on the aws_cloudtrail.",
	"references": ["CKV_AWS_36"],
	"attributes": ["enable_log_file_validation"],
	"compliance": {"aws-fsbp": ["CloudTrail.4"], "cis-aws-3.0.0": ["3.2"]},
	"description": "Digest files let investigators prove that trail logs were not modified or deleted after delivery.",
}

resource_types := {"aws_cloudtrail"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

applies := true

deny contains msg if {
	applies
	not lib.pending(input.resource, "enable_log_file_validation")
	lib.val(input.resource, "enable_log_file_validation") != true
	msg := sprintf("%s does not validate log files (enable_log_file_validation is not true)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "enable_log_file_validation")
	msg := sprintf("%s: enable_log_file_validation is known only after apply", [input.resource.address])
}
