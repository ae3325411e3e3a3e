package edulibra.rules.waf_managed_rules_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.waf_managed_rules as rule

acl(rules, unknown) := {
	"address": "aws_wafv2_web_acl.edu", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "edu",
	"action": "create", "values": {"name": "edu", "scope": "REGIONAL", "rule": rules}, "unknown": unknown,
	"sensitive": {}, "references": {}, "parent": null,
}

managed(name, override) := {
	"name": name, "priority": 1, "override_action": [override],
	"statement": [{"managed_rule_group_statement": [{"name": name, "vendor_name": "AWS", "rule_action_override": []}]}],
}

test_enforced_group_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(acl([managed("AWSManagedRulesCommonRuleSet", {"none": [{}], "count": []})], {}))}
}

test_count_mode_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(acl([managed("AWSManagedRulesCommonRuleSet", {"none": [], "count": [{}]})], {}))}
}

test_no_rules_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(acl([], {}))}
}

test_unknown_is_unknown if {
	a := {"address": "aws_wafv2_web_acl.edu", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "edu",
		"action": "create", "values": {"name": "edu"}, "unknown": {"rule": true}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.deny) == 0 with input as {"resource": testing.resource(a)}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(a)}
}
