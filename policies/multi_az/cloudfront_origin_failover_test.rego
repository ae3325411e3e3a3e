package edulibra.rules.cloudfront_origin_failover_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudfront_origin_failover as rule

res(values, unknown) := {
	"address": "aws_cloudfront_distribution.cdn", "module": "", "mode": "managed", "type": "aws_cloudfront_distribution",
	"name": "cdn", "action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_origin_group_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"origin_group": [{"origin_id": "site-group", "failover_criteria": [{"status_codes": [500, 502, 503, 504]}]}]}, {}))}
}

test_no_origin_group_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"origin_group": []}, {}))}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"origin_group": true}))}
}
