package edulibra.rules.cloudfront_tls_version_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudfront_tls_version as rule

res(values, unknown) := {
	"address": "aws_cloudfront_distribution.cdn", "module": "", "mode": "managed", "type": "aws_cloudfront_distribution",
	"name": "cdn", "action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_tls12_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"viewer_certificate": [{"acm_certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/c", "cloudfront_default_certificate": false, "minimum_protocol_version": "TLSv1.2_2021", "ssl_support_method": "sni-only"}]}, {}))}
}

test_default_certificate_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"viewer_certificate": [{"cloudfront_default_certificate": true, "minimum_protocol_version": "TLSv1"}]}, {}))}
}

test_old_policy_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"viewer_certificate": [{"cloudfront_default_certificate": false, "minimum_protocol_version": "TLSv1.1_2016"}]}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({"viewer_certificate": [{"cloudfront_default_certificate": false}]}, {"viewer_certificate": [{"minimum_protocol_version": true}]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
