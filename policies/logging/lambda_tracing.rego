package edulibra.rules.lambda_tracing

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-014",
	"title": "Lambda functions trace requests with X-Ray",
	"severity": "low",
	"category": "logging",
	"remediation": "Add tracing_config { mode = \"Active\" } to the aws_lambda_function and allow xray:PutTraceSegments in its role.",
	"references": ["CKV_AWS_50"],
	"attributes": ["tracing_config.mode", "tracing_config"],
	"compliance": {"aws-securityhub": ["Lambda.7"]},
	"description": "Active tracing records the path of each invocation through downstream services, needed to investigate failures and abuse.",
	"assumes": [
		"tracing_config left out: the function traces in PassThrough mode, Lambda's default (TracingConfig, AWS Lambda API Reference, https://docs.aws.amazon.com/lambda/latest/api/API_TracingConfig.html; checked 2026-12-07), which this rule accepts as checkov's CKV_AWS_50 does.",
	],
}

resource_types := {"aws_lambda_function"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Left out, a function traces in PassThrough mode (metadata.assumes).
mode := "PassThrough" if {
	count(lib.blocks(input.resource, "tracing_config")) == 0
	lib.left_out(input.resource, "tracing_config")
} else := object.get(lib.first_block(input.resource, "tracing_config"), "mode", null)

# PassThrough traces requests that arrive already sampled (API Gateway, ALB), as in checkov.
tracing_modes := {"Active", "PassThrough"}

pending if {
	count(lib.blocks(input.resource, "tracing_config")) == 0
	lib.block_unknown(input.resource, "tracing_config")
} else if {
	lib.nested_unknown(input.resource, "tracing_config", "mode")
}

deny contains msg if {
	not mode in tracing_modes
	not pending
	msg := sprintf("%s does not trace invocations (no tracing_config with mode Active or PassThrough)", [input.resource.address])
}

unknown contains msg if {
	not mode in tracing_modes
	pending
	msg := sprintf("%s: tracing_config is known only after apply", [input.resource.address])
}
