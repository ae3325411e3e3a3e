package edulibra.rules.waf_known_bad_inputs

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-005",
	"title": "WAF web ACLs block Log4j and other known bad inputs",
	"severity": "high",
	"category": "waf",
	"remediation": "Add the AWS managed rule group AWSManagedRulesKnownBadInputsRuleSet (override_action { none {} }) to the aws_wafv2_web_acl and do not override its Log4JRCE rules to count.",
	"references": ["CKV_AWS_192", "CKV2_AWS_47", "CKV2_AWS_76", "CKV2_AWS_77", "CKV2_AWS_78"],
	"description": "The known-bad-inputs group blocks request patterns of widely exploited vulnerabilities such as Log4Shell (CVE-2021-44228) before they reach the application.",
}

resource_types := {"aws_wafv2_web_acl"}

r := input.resource

group_name := "AWSManagedRulesKnownBadInputsRuleSet"

log4j_rule(name) if startswith(lib.lower_str(name), "log4jrce")

counting(rule) if {
	some o in lib.as_array(rule.override_action)
	count(lib.as_array(lib.obj(o).count)) > 0
}

# a Log4JRCE rule excluded or overridden to count
weakened(m) if {
	some e in lib.as_array(m.excluded_rule)
	log4j_rule(lib.obj(e).name)
}

weakened(m) if {
	some o in lib.as_array(m.rule_action_override)
	log4j_rule(lib.obj(o).name)
	some a in lib.as_array(lib.obj(o).action_to_use)
	count(lib.as_array(lib.obj(a).count)) > 0
}

protected if {
	some rule in lib.blocks(r, "rule")
	not counting(rule)
	some st in lib.as_array(rule.statement)
	some m in lib.as_array(lib.obj(st).managed_rule_group_statement)
	lib.obj(m).name == group_name
	not weakened(m)
}

pending if {
	count(lib.blocks(r, "rule")) == 0
	lib.block_unknown(r, "rule")
}

deny contains msg if {
	not protected
	not pending
	msg := sprintf("%s does not enforce %s (Log4j / known bad inputs)", [r.address, group_name])
}

unknown contains msg if {
	pending
	msg := sprintf("%s: rule is known only after apply", [r.address])
}
