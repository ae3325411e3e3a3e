package edulibra.rules.apigw_access_logs

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-010",
	"title": "API Gateway stages write access logs",
	"severity": "medium",
	"category": "logging",
	"remediation": "Add access_log_settings { destination_arn = aws_cloudwatch_log_group.<api>.arn, format = ... } to the aws_api_gateway_stage.",
	"references": ["CKV_AWS_76"],
	"description": "Without access logs there is no record of who called the API, from where and with what result.",
}

resource_types := {"aws_api_gateway_stage", "aws_apigatewayv2_stage"}

r := input.resource

configured if {
	some b in lib.blocks(r, "access_log_settings")
	lib.non_empty(object.get(b, "destination_arn", null))
}

configured if lib.referenced(r, "access_log_settings.destination_arn")

pending if {
	count(lib.blocks(r, "access_log_settings")) == 0
	lib.block_unknown(r, "access_log_settings")
}

pending if lib.nested_unknown(r, "access_log_settings", "destination_arn")

deny contains msg if {
	not configured
	not pending
	msg := sprintf("%s does not write access logs (no access_log_settings.destination_arn)", [r.address])
}

unknown contains msg if {
	not configured
	pending
	msg := sprintf("%s: access_log_settings is known only after apply", [r.address])
}
