package edulibra.rules.ecs_container_insights

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-015",
	"title": "ECS clusters enable Container Insights",
	"severity": "low",
	"category": "logging",
	"remediation": "Add setting { name = \"containerInsights\", value = \"enabled\" } (or \"enhanced\") to the aws_ecs_cluster.",
	"references": ["CKV_AWS_65"],
	"attributes": ["setting"],
	"compliance": {"aws-fsbp": ["ECS.12"]},
	"description": "Container Insights collects per-task metrics and events; without it failing or compromised tasks leave little trace.",
}

resource_types := {"aws_ecs_cluster"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

enabled if {
	some s in lib.blocks(input.resource, "setting")
	s.name == "containerInsights"
	lib.lower_str(s.value) in {"enabled", "enhanced"}
}

pending if {
	count(lib.blocks(input.resource, "setting")) == 0
	lib.block_unknown(input.resource, "setting")
} else if {
	lib.nested_unknown(input.resource, "setting", "value")
}

deny contains msg if {
	not enabled
	not pending
	msg := sprintf("%s does not enable Container Insights", [input.resource.address])
}

unknown contains msg if {
	not enabled
	pending
	msg := sprintf("%s: setting is known only after apply", [input.resource.address])
}
