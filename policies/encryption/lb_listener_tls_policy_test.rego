package edulibra.rules.lb_listener_tls_policy_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.lb_listener_tls_policy as rule

res(values, unknown) := {
	"address": "aws_lb_listener.https", "module": "", "mode": "managed", "type": "aws_lb_listener", "name": "https",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": {}, "parent": null,
}

test_tls13_policy_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}, {}))}
}

test_http_listener_is_not_judged if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTP", "ssl_policy": null}, {}))}
}

test_old_policy_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(res({"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"}, {}))}
}

test_unknown_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(res({"protocol": "HTTPS"}, {"ssl_policy": true}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(res({"protocol": "HTTPS"}, {"ssl_policy": true}))}
}

# The configuration in the plan does not write it: AWS's default decides (metadata.assumes), not "unknown".
test_left_out_judges_the_aws_default if {
	inp := {"resource": testing.resource(object.union(res({"protocol": "HTTPS"}, {"ssl_policy": true}), {"configured": {"protocol": true, "certificate_arn": true}}))}
	count(rule.deny) == 1 with input as inp
	count(rule.unknown) == 0 with input as inp
}

# Written, but known only after apply (from a value outside the plan): still unknown.
test_written_but_pending_stays_unknown if {
	inp := {"resource": testing.resource(object.union(res({"protocol": "HTTPS"}, {"ssl_policy": true}), {"configured": {"protocol": true, "ssl_policy": true}}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

# A plan without configuration cannot tell left out from pending: unknown.
test_without_configuration_stays_unknown if {
	inp := {"resource": testing.resource(res({"protocol": "HTTPS"}, {"ssl_policy": true}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
