package edulibra.rules.cloudtrail_enabled

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-003",
	"title": "CloudTrail trails are logging",
	"severity": "high",
	"category": "logging",
	"remediation": "Remove enable_logging = false (the default is true) from the aws_cloudtrail.",
	"references": ["CKV_AWS_251"],
	"attributes": ["enable_logging"],
	"compliance": {"aws-securityhub": ["CloudTrail.3"]},
	"description": "A trail with logging stopped records nothing while still looking configured.",
}

resource_types := {"aws_cloudtrail"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

applies := true

deny contains msg if {
	applies
	not lib.pending(input.resource, "enable_logging")
	lib.val(input.resource, "enable_logging") == false
	msg := sprintf("%s has logging turned off (enable_logging = false)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "enable_logging")
	msg := sprintf("%s: enable_logging is known only after apply", [input.resource.address])
}
