package edulibra.rules.cloudfront_origin_https_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudfront_origin_https as rule

res(values, unknown) := {
	"address": "aws_cloudfront_distribution.cdn", "module": "", "mode": "managed", "type": "aws_cloudfront_distribution",
	"name": "cdn", "action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

api_origin(policy, protocols) := {"origin_id": "api", "custom_origin_config": [{"origin_protocol_policy": policy, "origin_ssl_protocols": protocols, "http_port": 80, "https_port": 443}], "s3_origin_config": []}

site_origin := {"origin_id": "site", "custom_origin_config": [], "s3_origin_config": [], "origin_access_control_id": "oac"}

test_https_origin_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"origin": [site_origin, api_origin("https-only", ["TLSv1.2"])]}, {}))}
}

test_http_origin_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"origin": [site_origin, api_origin("http-only", ["TLSv1.2"])]}, {}))}
}

test_weak_protocols_fail if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"origin": [api_origin("https-only", ["TLSv1", "TLSv1.2"])]}, {}))}
}

test_unknown_origins_are_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({}, {"origin": true}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({}, {"origin": true}))}
}
