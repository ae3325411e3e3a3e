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
	"description": "Edge access logs record every viewer request, the evidence needed to trace abuse, scraping and attacks.",
}

resource_types := {"aws_cloudfront_distribution"}

r := input.resource

configured if {
	some b in lib.blocks(r, "logging_config")
	lib.non_empty(object.get(b, "bucket", null))
}

configured if lib.referenced(r, "logging_config.bucket")

pending if {
	count(lib.blocks(r, "logging_config")) == 0
	lib.block_unknown(r, "logging_config")
}

deny contains msg if {
	not configured
	not pending
	msg := sprintf("%s does not write access logs (no logging_config)", [r.address])
}

pending if lib.nested_unknown(r, "logging_config", "bucket")

unknown contains msg if {
	not configured
	pending
	msg := sprintf("%s: logging_config is known only after apply", [r.address])
}
