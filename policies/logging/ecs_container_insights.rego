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
	"description": "Container Insights collects per-task metrics and events; without it failing or compromised tasks leave little trace.",
}

resource_types := {"aws_ecs_cluster"}

r := input.resource

enabled if {
	some s in lib.blocks(r, "setting")
	s.name == "containerInsights"
	lib.lower_str(s.value) in {"enabled", "enhanced"}
}

pending if {
	count(lib.blocks(r, "setting")) == 0
	lib.block_unknown(r, "setting")
}

pending if lib.nested_unknown(r, "setting", "value")

deny contains msg if {
	not enabled
	not pending
	msg := sprintf("%s does not enable Container Insights", [r.address])
}

unknown contains msg if {
	not enabled
	pending
	msg := sprintf("%s: setting is known only after apply", [r.address])
}
