package edulibra.rules.waf_logging

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-WAF-007",
	"title": "WAF web ACLs have a logging configuration",
	"severity": "medium",
	"category": "waf",
	"remediation": "Add an aws_wafv2_web_acl_logging_configuration with resource_arn = aws_wafv2_web_acl.<acl>.arn and log_destination_configs = [<aws-waf-logs-* log group, bucket or stream ARN>].",
	"references": ["CKV2_AWS_31"],
	"description": "Without WAF logs there is no record of which requests were blocked or allowed and why, so attacks and false positives cannot be analysed.",
}

resource_types := {"aws_wafv2_web_acl"}

scope := "plan"

companion_types := {"aws_wafv2_web_acl_logging_configuration"}

link_paths := ["resource_arn"]

applies(_) := true

companion_ok(_) := true



subjects := [s | some s in input.resources; s.type in resource_types; lib.managed(s); applies(s)]

companions := [c | some c in input.resources; c.type in companion_types]

linked(s) := [c | some c in companions; some p in link_paths; lib.links(c, p, s)]

# companions whose target is known only after apply and references no plan resource
undetermined := [c | some c in companions; some p in link_paths; lib.link_undetermined(c, p)]

good(s) if {
	some c in linked(s)
	companion_ok(c)
}

deny contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) == 0
	msg := sprintf("%s has no aws_wafv2_web_acl_logging_configuration", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: a WAF logging configuration names its web ACL only after apply", [s.address])
}
