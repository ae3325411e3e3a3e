package edulibra.rules.vpc_flow_logs_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.vpc_flow_logs as rule

subject := {
	"address": "aws_vpc.main", "module": "", "mode": "managed", "type": "aws_vpc", "name": "main", "action": "create",
	"values": {"cidr_block": "10.0.0.0/16"}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_flow_log.main", "module": "", "mode": "managed", "type": "aws_flow_log", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"vpc_id": true}, {"vpc_id": ["aws_vpc.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject])}
}

test_companion_of_other_resource_fails if {
	other := companion({"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"}, {"vpc_id": true}, {"vpc_id": ["aws_vpc.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, other])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"}, {"vpc_id": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
