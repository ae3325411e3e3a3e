package edulibra.rules.cloudfront_viewer_https_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.cloudfront_viewer_https as rule

res(values, unknown) := {
	"address": "aws_cloudfront_distribution.cdn", "module": "", "mode": "managed", "type": "aws_cloudfront_distribution",
	"name": "cdn", "action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_redirect_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"default_cache_behavior": [{"viewer_protocol_policy": "redirect-to-https"}], "ordered_cache_behavior": [{"path_pattern": "/api/*", "viewer_protocol_policy": "https-only"}]}, {}))}
}

test_allow_all_fails if {
	count(rule.deny) == 2 with input as {"resource": testing.resource(res({"default_cache_behavior": [{"viewer_protocol_policy": "allow-all"}], "ordered_cache_behavior": [{"path_pattern": "/api/*", "viewer_protocol_policy": "allow-all"}]}, {}))}
}

test_unknown_is_unknown if {
	inp := {"resource": testing.resource(res({"default_cache_behavior": [{"target_origin_id": "site"}], "ordered_cache_behavior": []}, {"default_cache_behavior": [{"viewer_protocol_policy": true}]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
