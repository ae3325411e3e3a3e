package edulibra.rules.waf_managed_rules

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-004",
	"title": "WAF web ACLs enforce AWS managed rule groups",
	"severity": "high",
	"category": "waf",
	"remediation": "Add rules with statement { managed_rule_group_statement { vendor_name = \"AWS\", name = \"AWSManagedRulesCommonRuleSet\" } } and override_action { none {} } to the aws_wafv2_web_acl.",
	"references": ["CKV_AWS_175"],
	"attributes": ["rule"],
	"compliance": {"aws-fsbp": ["WAF.10"]},
	"description": "A web ACL without enforced managed rule groups only applies its default action, so common exploits (XSS, LFI, bad bots) are not filtered.",
}

resource_types := {"aws_wafv2_web_acl"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Lists are read with object.get({"array": x, "null": []}, type_name(x), [x]), which is lib.as_array(x) for JSON values,
# inline (regorus pays a call per element otherwise).
managed_statement(rule) := m if {
	sv := rule.statement
	some st in object.get({"array": sv, "null": []}, type_name(sv), [sv])
	mv := st.managed_rule_group_statement
	some m in object.get({"array": mv, "null": []}, type_name(mv), [mv])
	is_object(m)
}

# override_action { count {} } turns a managed group into monitoring only.
counting(rule) if {
	oa := rule.override_action
	some o in object.get({"array": oa, "null": []}, type_name(oa), [oa])
	c := o.count
	count(object.get({"array": c, "null": []}, type_name(c), [c])) > 0
}

rules := l if {
	l := input.resource.values.rule
	is_array(l)
} else := []

enforced_groups := {m.name |
	some rule in rules
	m := managed_statement(rule)
	not counting(rule)
}

# count(lib.blocks(r, "rule")) == 0 and lib.block_unknown(r, "rule")
pending if {
	count(rules) == 0
	input.resource.unknown.rule == true
}

deny contains msg if {
	not pending
	count(rules) == 0
	msg := sprintf("%s has no rules (only its default action applies)", [input.resource.address])
}

deny contains msg if {
	count(rules) > 0
	count(enforced_groups) == 0
	msg := sprintf("%s enforces no managed rule group (none, or all in count mode)", [input.resource.address])
}

unknown contains msg if {
	pending
	msg := sprintf("%s: rule is known only after apply", [input.resource.address])
}
