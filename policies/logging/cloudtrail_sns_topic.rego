package edulibra.rules.cloudtrail_sns_topic

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-004",
	"title": "CloudTrail trails notify an SNS topic",
	"severity": "low",
	"category": "logging",
	"remediation": "Set sns_topic_name on the aws_cloudtrail to an aws_sns_topic whose policy allows cloudtrail.amazonaws.com to publish.",
	"references": ["CKV_AWS_252"],
	"attributes": ["sns_topic_name"],
	"description": "Delivery notifications let log pipelines and alerts react to new trail files as they arrive.",
}

resource_types := {"aws_cloudtrail"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "sns_topic_name")
	not lib.is_unknown(input.resource, "sns_topic_name")
	msg := sprintf("%s does not notify an SNS topic (sns_topic_name is not set)", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "sns_topic_name")
	msg := sprintf("%s: sns_topic_name is known only after apply", [input.resource.address])
}
