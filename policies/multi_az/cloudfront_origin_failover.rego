package edulibra.rules.cloudfront_origin_failover

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-008",
	"title": "CloudFront distributions configure origin failover",
	"severity": "low",
	"category": "multi-az",
	"remediation": "Add an origin_group { failover_criteria { status_codes = [500, 502, 503, 504] } member {...} member {...} } with a secondary origin and point the behaviors at it.",
	"references": ["CKV_AWS_310"],
	"attributes": ["origin_group", "origin"],
	"compliance": {"aws-fsbp": ["CloudFront.4"]},
	"description": "With a single origin per behavior an origin outage makes the site or API unavailable at the edge; an origin group retries a secondary origin.",
}

resource_types := {"aws_cloudfront_distribution"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

pending if {
	count(lib.blocks(input.resource, "origin_group")) == 0
	lib.block_unknown(input.resource, "origin_group")
}

deny contains msg if {
	count(lib.blocks(input.resource, "origin_group")) == 0
	not pending
	msg := sprintf("%s has no origin_group for origin failover", [input.resource.address])
}

unknown contains msg if {
	pending
	msg := sprintf("%s: origin_group is known only after apply", [input.resource.address])
}
