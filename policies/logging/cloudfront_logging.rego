package edulibra.rules.cloudfront_logging

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-009",
	"title": "CloudFront distributions write access logs",
	"severity": "medium",
	"category": "logging",
	"remediation": "Add logging_config { bucket = \"<log bucket>.s3.amazonaws.com\", include_cookies = false } to the aws_cloudfront_distribution.",
	"references": ["CKV_AWS_86"],
	"attributes": ["logging_config"],
	"compliance": {"aws-fsbp": ["CloudFront.5"]},
	"description": "Edge access logs record every viewer request, the evidence needed to trace abuse, scraping and attacks.",
}

resource_types := {"aws_cloudfront_distribution"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

configured if {
	some b in lib.blocks(input.resource, "logging_config")
	lib.non_empty(object.get(b, "bucket", null))
} else if {
	lib.referenced(input.resource, "logging_config.bucket")
}

pending if {
	count(lib.blocks(input.resource, "logging_config")) == 0
	lib.block_unknown(input.resource, "logging_config")
} else if {
	lib.nested_unknown(input.resource, "logging_config", "bucket")
}

deny contains msg if {
	not configured
	not pending
	msg := sprintf("%s does not write access logs (no logging_config)", [input.resource.address])
}

unknown contains msg if {
	not configured
	pending
	msg := sprintf("%s: logging_config is known only after apply", [input.resource.address])
}
