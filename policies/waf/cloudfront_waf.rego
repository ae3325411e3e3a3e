package edulibra.rules.cloudfront_waf

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-001",
	"title": "CloudFront distributions are protected by a WAF web ACL",
	"severity": "high",
	"category": "waf",
	"remediation": "Set web_acl_id on the aws_cloudfront_distribution to the ARN of an aws_wafv2_web_acl with scope = \"CLOUDFRONT\".",
	"references": ["CKV_AWS_68"],
	"attributes": ["web_acl_id"],
	"compliance": {"aws-fsbp": ["CloudFront.6"]},
	"description": "Without a web ACL every request reaches the origins unfiltered: no managed rule groups, no rate limiting, no protection against known exploits.",
}

resource_types := {"aws_cloudfront_distribution"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	not lib.set_or_referenced(input.resource, "web_acl_id")
	not lib.is_unknown(input.resource, "web_acl_id")
	msg := sprintf("%s has no WAF web ACL (web_acl_id is not set)", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "web_acl_id")
	msg := sprintf("%s: web_acl_id is known only after apply", [input.resource.address])
}
