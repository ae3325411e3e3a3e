package edulibra.rules.apigw_logging_level_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.apigw_logging_level as rule

subject := {
	"address": "aws_api_gateway_stage.main", "module": "", "mode": "managed", "type": "aws_api_gateway_stage", "name": "main", "action": "create",
	"values": {"stage_name": "v1"}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_api_gateway_method_settings.main", "module": "", "mode": "managed", "type": "aws_api_gateway_method_settings", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"stage_name": true}, {"stage_name": ["aws_api_gateway_stage.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"method_path": "*/*", "settings": [{"logging_level": "INFO", "metrics_enabled": true}]})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject])}
}

test_companion_of_other_resource_fails if {
	other := companion({"method_path": "*/*", "settings": [{"logging_level": "INFO", "metrics_enabled": true}]}, {"stage_name": true}, {"stage_name": ["aws_api_gateway_stage.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, other])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"method_path": "*/*", "settings": [{"logging_level": "INFO", "metrics_enabled": true}]}, {"stage_name": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_non_compliant_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, linked_companion({"method_path": "*/*", "settings": [{"logging_level": "OFF"}]})])}
}
