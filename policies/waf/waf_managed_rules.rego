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
	"description": "A web ACL without enforced managed rule groups only applies its default action, so common exploits (XSS, LFI, bad bots) are not filtered.",
}

resource_types := {"aws_wafv2_web_acl"}

r := input.resource

managed_statement(rule) := m if {
	some st in lib.as_array(rule.statement)
	some m in lib.as_array(lib.obj(st).managed_rule_group_statement)
	is_object(m)
}

# override_action { count {} } turns a managed group into monitoring only.
counting(rule) if {
	some o in lib.as_array(rule.override_action)
	count(lib.as_array(lib.obj(o).count)) > 0
}

enforced_groups := {m.name |
	some rule in lib.blocks(r, "rule")
	m := managed_statement(rule)
	not counting(rule)
}

pending if {
	count(lib.blocks(r, "rule")) == 0
	lib.block_unknown(r, "rule")
}

deny contains msg if {
	not pending
	count(lib.blocks(r, "rule")) == 0
	msg := sprintf("%s has no rules (only its default action applies)", [r.address])
}

deny contains msg if {
	count(lib.blocks(r, "rule")) > 0
	count(enforced_groups) == 0
	msg := sprintf("%s enforces no managed rule group (none, or all in count mode)", [r.address])
}

unknown contains msg if {
	pending
	msg := sprintf("%s: rule is known only after apply", [r.address])
}
