package edulibra.rules.cloudfront_waf_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudfront_waf as rule

res(values, unknown, refs) := {
	"address": "aws_cloudfront_distribution.main", "module": "", "mode": "managed", "type": "aws_cloudfront_distribution", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_compliant_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"web_acl_id": "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edu/1"}, {}, {}))}
}

test_non_compliant_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"web_acl_id": null}, {}, {}))}
}

test_referenced_counts_as_set if {
	inp := {"resource": testing.resource(res({}, {"web_acl_id": true}, {"web_acl_id": ["aws_x.y"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"web_acl_id": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
