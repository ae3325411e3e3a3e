package edulibra.rules.cloudfront_viewer_https

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-019",
	"title": "CloudFront distributions serve viewers over HTTPS only",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set viewer_protocol_policy = \"redirect-to-https\" or \"https-only\" in default_cache_behavior and every ordered_cache_behavior of the aws_cloudfront_distribution.",
	"references": ["CKV_AWS_34"],
	"attributes": ["default_cache_behavior.viewer_protocol_policy", "ordered_cache_behavior.viewer_protocol_policy", "default_cache_behavior"],
	"compliance": {"aws-fsbp": ["CloudFront.3"]},
	"description": "A behavior with allow-all lets browsers fetch pages, scripts and API responses over plain HTTP, open to interception and tampering.",
}

resource_types := {"aws_cloudfront_distribution"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

behavior_blocks := ["default_cache_behavior", "ordered_cache_behavior"]

deny contains msg if {
	some block in behavior_blocks
	some i, b in lib.blocks(input.resource, block)
	lib.lower_str(b.viewer_protocol_policy) == "allow-all"
	msg := sprintf("%s %s[%d] allows plain HTTP (viewer_protocol_policy = \"allow-all\")", [input.resource.address, block, i])
}

unknown contains msg if {
	some block in behavior_blocks
	count(lib.blocks(input.resource, block)) == 0
	lib.block_unknown(input.resource, block)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, block])
}

unknown contains msg if {
	some block in behavior_blocks
	lib.nested_unknown(input.resource, block, "viewer_protocol_policy")
	msg := sprintf("%s: %s.viewer_protocol_policy is known only after apply", [input.resource.address, block])
}
