package edulibra.rules.alb_waf_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.alb_waf as rule

subject := {
	"address": "aws_lb.main", "module": "", "mode": "managed", "type": "aws_lb", "name": "main", "action": "create",
	"values": {"name": "edu-alb", "load_balancer_type": "application", "internal": false}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_wafv2_web_acl_association.main", "module": "", "mode": "managed", "type": "aws_wafv2_web_acl_association", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"resource_arn": true}, {"resource_arn": ["aws_lb.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"web_acl_arn": "arn:aws:wafv2:eu-central-1:111122223333:regional/webacl/edu/1"})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject])}
}

test_companion_of_other_resource_fails if {
	other := companion({"web_acl_arn": "arn:aws:wafv2:eu-central-1:111122223333:regional/webacl/edu/1"}, {"resource_arn": true}, {"resource_arn": ["aws_lb.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, other])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"web_acl_arn": "arn:aws:wafv2:eu-central-1:111122223333:regional/webacl/edu/1"}, {"resource_arn": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_internal_alb_is_not_judged if {
	internal := object.union(subject, {"values": {"internal": true}})
	count(rule.deny) == 0 with input as {"resources": testing.plan([internal])}
}
