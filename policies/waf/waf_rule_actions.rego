package edulibra.rules.waf_rule_actions

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-006",
	"title": "Every WAF rule has an action",
	"severity": "low",
	"category": "waf",
	"remediation": "Give each rule of the aws_wafv2_web_acl an action { block {} } (own statements) or override_action { none {} } (rule groups).",
	"references": ["CKV_AWS_342"],
	"description": "A rule without an action or override action is rejected or does nothing, so the protection it was meant to add is missing.",
}

resource_types := {"aws_wafv2_web_acl"}

r := input.resource

has_action(rule) if {
	some key in ["action", "override_action"]
	some a in lib.as_array(rule[key])
	is_object(a)
	some _, v in a
	count(lib.as_array(v)) > 0
}

deny contains msg if {
	some i, rule in lib.blocks(r, "rule")
	not has_action(rule)
	not pending_action(i)
	msg := sprintf("%s rule[%d] (%v) has no action or override_action", [r.address, i, object.get(rule, "name", "")])
}

pending_action(i) if {
	u := lib.unknowns(r).rule
	is_array(u)
	some key in ["action", "override_action"]
	lib.obj(u[i])[key] == true
}

unknown contains msg if {
	some i, rule in lib.blocks(r, "rule")
	not has_action(rule)
	pending_action(i)
	msg := sprintf("%s: rule[%d] action is known only after apply", [r.address, i])
}
