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
	"attributes": ["rule.action", "rule.override_action", "rule"],
	"description": "A rule without an action or override action is rejected or does nothing, so the protection it was meant to add is missing.",
}

resource_types := {"aws_wafv2_web_acl"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Lists are read with object.get({"array": x, "null": []}, type_name(x), [x]), which is lib.as_array(x) for JSON values,
# inline (regorus pays a call per element otherwise).
has_action(rule) if {
	some key in ["action", "override_action"]
	av := rule[key]
	some a in object.get({"array": av, "null": []}, type_name(av), [av])
	is_object(a)
	some _, v in a
	count(object.get({"array": v, "null": []}, type_name(v), [v])) > 0
}

deny contains msg if {
	l := input.resource.values.rule
	is_array(l)
	some i, rule in l
	not has_action(rule)
	not pending_action(i)
	msg := sprintf("%s rule[%d] (%v) has no action or override_action", [input.resource.address, i, object.get(lib.obj(rule), "name", "")])
}

pending_action(i) if {
	u := input.resource.unknown.rule
	is_array(u)
	some key in ["action", "override_action"]
	u[i][key] == true
}

unknown contains msg if {
	l := input.resource.values.rule
	is_array(l)
	some i, rule in l
	not has_action(rule)
	pending_action(i)
	msg := sprintf("%s: rule[%d] action is known only after apply", [input.resource.address, i])
}
