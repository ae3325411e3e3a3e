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
	"attributes": ["rule"],
	"description": "The known-bad-inputs group blocks request patterns of widely exploited vulnerabilities such as Log4Shell (CVE-2021-44228) before they reach the application.",
}

resource_types := {"aws_wafv2_web_acl"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

group_name := "AWSManagedRulesKnownBadInputsRuleSet"

# Lists are read with object.get({"array": x, "null": []}, type_name(x), [x]), which is lib.as_array(x) for JSON values,
# inline (regorus pays a call per element otherwise); a field of a non-object is undefined, as of lib.obj(x).
log4j_rule(name) if {
	is_string(name)
	startswith(lower(name), "log4jrce")
}

counting(rule) if {
	oa := rule.override_action
	some o in object.get({"array": oa, "null": []}, type_name(oa), [oa])
	c := o.count
	count(object.get({"array": c, "null": []}, type_name(c), [c])) > 0
}

# a Log4JRCE rule excluded or overridden to count
weakened(m) if {
	ex := m.excluded_rule
	some e in object.get({"array": ex, "null": []}, type_name(ex), [ex])
	log4j_rule(e.name)
} else if {
	ov := m.rule_action_override
	some o in object.get({"array": ov, "null": []}, type_name(ov), [ov])
	log4j_rule(o.name)
	au := o.action_to_use
	some x in object.get({"array": au, "null": []}, type_name(au), [au])
	c := x.count
	count(object.get({"array": c, "null": []}, type_name(c), [c])) > 0
}

protected if {
	l := input.resource.values.rule
	is_array(l)
	some rule in l
	not counting(rule)
	sv := rule.statement
	some st in object.get({"array": sv, "null": []}, type_name(sv), [sv])
	mv := st.managed_rule_group_statement
	some m in object.get({"array": mv, "null": []}, type_name(mv), [mv])
	m.name == group_name
	not weakened(m)
}

has_rules if {
	l := input.resource.values.rule
	is_array(l)
	count(l) > 0
}

# count(lib.blocks(r, "rule")) == 0 and lib.block_unknown(r, "rule")
pending if {
	input.resource.unknown.rule == true
	not has_rules
}

deny contains msg if {
	not protected
	not pending
	msg := sprintf("%s does not enforce %s (Log4j / known bad inputs)", [input.resource.address, group_name])
}

unknown contains msg if {
	pending
	msg := sprintf("%s: rule is known only after apply", [input.resource.address])
}
