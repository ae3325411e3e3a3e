package edulibra.rules.waf_known_bad_inputs_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.waf_known_bad_inputs as rule

acl(rules) := {
	"address": "aws_wafv2_web_acl.edu", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "edu",
	"action": "create", "values": {"name": "edu", "rule": rules}, "unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

bad_inputs(overrides) := {
	"name": "known-bad-inputs", "priority": 2, "override_action": [{"none": [{}], "count": []}],
	"statement": [{"managed_rule_group_statement": [{"name": "AWSManagedRulesKnownBadInputsRuleSet", "vendor_name": "AWS", "rule_action_override": overrides}]}],
}

test_group_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(acl([bad_inputs([])]))}
}

test_log4j_overridden_to_count_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(acl([bad_inputs([{"name": "Log4JRCE_HEADER", "action_to_use": [{"count": [{}]}]}])]))}
}

test_missing_group_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(acl([]))}
}

test_unknown_is_unknown if {
	a := {"address": "aws_wafv2_web_acl.edu", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "edu",
		"action": "create", "values": {"name": "edu"}, "unknown": {"rule": true}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(a)}
	count(rule.deny) == 0 with input as {"resource": testing.resource(a)}
}
