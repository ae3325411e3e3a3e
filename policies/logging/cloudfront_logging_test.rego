package edulibra.rules.cloudfront_logging_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudfront_logging as rule

res(values, unknown, refs) := {
	"address": "aws_cloudfront_distribution.main", "module": "", "mode": "managed", "type": "aws_cloudfront_distribution", "name": "main",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_logging_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"logging_config": [{"bucket": "edu-logs.s3.amazonaws.com", "include_cookies": false}]}, {}, {}))}
}

test_referenced_bucket_counts_as_set if {
	inp := {"resource": testing.resource(res({"logging_config": [{"include_cookies": false}]}, {"logging_config": [{"bucket": true}]}, {"logging_config.bucket": ["aws_s3_bucket.logs"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"logging_config": []}, {}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({}, {"logging_config": [{"bucket": true}]}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
