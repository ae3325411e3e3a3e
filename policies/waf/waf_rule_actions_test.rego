package edulibra.rules.waf_rule_actions_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.waf_rule_actions as rule

acl(rules, unknown) := {
	"address": "aws_wafv2_web_acl.edu", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "edu",
	"action": "create", "values": {"name": "edu", "rule": rules}, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_rules_with_actions_pass if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(acl([
		{"name": "rate", "action": [{"block": [{}], "count": []}], "override_action": []},
		{"name": "common", "action": [], "override_action": [{"none": [{}], "count": []}]},
	], {}))}
}

test_rule_without_action_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(acl([{"name": "rate", "action": [], "override_action": []}], {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(acl([{"name": "rate", "override_action": []}], {"rule": [{"action": true}]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
