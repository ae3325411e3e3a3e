package edulibra.rules.cloudtrail_cloudwatch_logs

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-005",
	"title": "CloudTrail trails deliver to CloudWatch Logs",
	"severity": "medium",
	"category": "logging",
	"remediation": "Set cloud_watch_logs_group_arn (\"${aws_cloudwatch_log_group.trail.arn}:*\") and cloud_watch_logs_role_arn on the aws_cloudtrail.",
	"references": ["CKV2_AWS_10"],
	"attributes": ["cloud_watch_logs_group_arn", "cloud_watch_logs_role_arn"],
	"compliance": {"aws-fsbp": ["CloudTrail.5"]},
	"description": "Without CloudWatch Logs delivery, metric filters and alarms on sensitive API calls (root logins, policy changes) cannot fire.",
}

resource_types := {"aws_cloudtrail"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "cloud_watch_logs_group_arn")
	not lib.is_unknown(input.resource, "cloud_watch_logs_group_arn")
	msg := sprintf("%s does not deliver to CloudWatch Logs (cloud_watch_logs_group_arn is not set)", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "cloud_watch_logs_group_arn")
	msg := sprintf("%s: cloud_watch_logs_group_arn is known only after apply", [input.resource.address])
}
