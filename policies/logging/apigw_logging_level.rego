package edulibra.rules.apigw_logging_level

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-011",
	"title": "API Gateway stages log execution at ERROR or INFO level",
	"severity": "low",
	"category": "logging",
	"remediation": "Add an aws_api_gateway_method_settings for the stage with method_path = \"*/*\" and settings { logging_level = \"ERROR\" (or \"INFO\"), metrics_enabled = true }.",
	"references": ["CKV2_AWS_4"],
	"description": "Without execution logging, integration errors, authorizer failures and throttling leave no trace in CloudWatch.",
}

resource_types := {"aws_api_gateway_stage"}

scope := "plan"

companion_types := {"aws_api_gateway_method_settings"}

link_paths := ["stage_name"]

applies(_) := true

companion_ok(c) if {
	some s in lib.blocks(c, "settings")
	lib.lower_str(s.logging_level) in {"error", "info"}
}



subjects := [s | some s in input.resources; s.type in resource_types; lib.managed(s); applies(s)]

companions := [c | some c in input.resources; c.type in companion_types]

linked(s) := [c | some c in companions; some p in link_paths; lib.links(c, p, s)]

# companions whose target is known only after apply and references no plan resource
undetermined := [c | some c in companions; some p in link_paths; lib.link_undetermined(c, p)]

good(s) if {
	some c in linked(s)
	companion_ok(c)
}

deny contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) == 0
	msg := sprintf("%s has no aws_api_gateway_method_settings with logging_level ERROR or INFO", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: an aws_api_gateway_method_settings names its stage only after apply", [s.address])
}
