package edulibra.rules.cloudtrail_multi_region

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-001",
	"title": "CloudTrail trails record every region",
	"severity": "high",
	"category": "logging",
	"remediation": "Set is_multi_region_trail = true (and include_global_service_events = true) on the aws_cloudtrail.",
	"references": ["CKV_AWS_67"],
	"attributes": ["is_multi_region_trail"],
	"compliance": {"aws-fsbp": ["CloudTrail.1"], "cis-aws-3.0.0": ["3.1"]},
	"description": "A single-region trail misses API activity in every other region, where an attacker can create resources unobserved.",
}

resource_types := {"aws_cloudtrail"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

applies := true

deny contains msg if {
	applies
	not lib.pending(input.resource, "is_multi_region_trail")
	lib.val(input.resource, "is_multi_region_trail") != true
	msg := sprintf("%s records only its home region (is_multi_region_trail is not true)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "is_multi_region_trail")
	msg := sprintf("%s: is_multi_region_trail is known only after apply", [input.resource.address])
}
