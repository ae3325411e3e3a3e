package edulibra.rules.lb_listener_https_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.lb_listener_https as rule

res(values, unknown) := {
	"address": "aws_lb_listener.http", "module": "", "mode": "managed", "type": "aws_lb_listener", "name": "http",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_https_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTPS", "port": 443, "default_action": [{"type": "forward"}]}, {}))}
}

test_http_redirect_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTP", "port": 80, "default_action": [{"type": "redirect", "redirect": [{"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}]}]}, {}))}
}

test_http_forward_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"protocol": "HTTP", "port": 80, "default_action": [{"type": "forward", "redirect": []}]}, {}))}
}

test_unknown_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"port": 443}, {"protocol": true}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({"port": 443}, {"protocol": true}))}
}
