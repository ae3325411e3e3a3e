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
	"attributes": ["access_log_settings"],
	"compliance": {"aws-fsbp": ["APIGateway.9"]},
	"description": "Without access logs there is no record of who called the API, from where and with what result.",
}

resource_types := {"aws_api_gateway_stage", "aws_apigatewayv2_stage"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

configured if {
	some b in lib.blocks(input.resource, "access_log_settings")
	lib.non_empty(object.get(b, "destination_arn", null))
} else if {
	lib.referenced(input.resource, "access_log_settings.destination_arn")
}

pending if {
	count(lib.blocks(input.resource, "access_log_settings")) == 0
	lib.block_unknown(input.resource, "access_log_settings")
} else if {
	lib.nested_unknown(input.resource, "access_log_settings", "destination_arn")
}

deny contains msg if {
	not configured
	not pending
	msg := sprintf("%s does not write access logs (no access_log_settings.destination_arn)", [input.resource.address])
}

unknown contains msg if {
	not configured
	pending
	msg := sprintf("%s: access_log_settings is known only after apply", [input.resource.address])
}
