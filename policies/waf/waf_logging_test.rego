package edulibra.rules.waf_logging_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.waf_logging as rule

subject := {
	"address": "aws_wafv2_web_acl.main", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "main", "action": "create",
	"values": {"name": "edu", "scope": "REGIONAL"}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_wafv2_web_acl_logging_configuration.main", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl_logging_configuration", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"resource_arn": true}, {"resource_arn": ["aws_wafv2_web_acl.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"log_destination_configs": ["arn:aws:logs:eu-central-1:111122223333:log-group:aws-waf-logs-edu"]})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject])}
}

test_companion_of_other_resource_fails if {
	other := companion({"log_destination_configs": ["arn:aws:logs:eu-central-1:111122223333:log-group:aws-waf-logs-edu"]}, {"resource_arn": true}, {"resource_arn": ["aws_wafv2_web_acl.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, other])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"log_destination_configs": ["arn:aws:logs:eu-central-1:111122223333:log-group:aws-waf-logs-edu"]}, {"resource_arn": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
