package edulibra.rules.s3_access_logging_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.s3_access_logging as rule

subject := {
	"address": "aws_s3_bucket.main", "module": "", "mode": "managed", "type": "aws_s3_bucket", "name": "main", "action": "create",
	"values": {"bucket": "edu-site"}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_s3_bucket_logging.main", "module": "", "mode": "managed", "type": "aws_s3_bucket_logging", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"bucket": true}, {"bucket": ["aws_s3_bucket.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"target_bucket": "edu-logs", "target_prefix": "site/"})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject])}
}

test_companion_of_other_resource_fails if {
	other := companion({"target_bucket": "edu-logs", "target_prefix": "site/"}, {"bucket": true}, {"bucket": ["aws_s3_bucket.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, other])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"target_bucket": "edu-logs", "target_prefix": "site/"}, {"bucket": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_log_target_bucket_is_exempt if {
	logs := object.union(subject, {"address": "aws_s3_bucket.logs", "name": "logs", "values": {"bucket": "edu-logs"}})
	logging := companion({"target_bucket": "edu-logs"}, {"bucket": true}, {"bucket": ["aws_s3_bucket.main"]})
	count(rule.deny) == 0 with input as {"resources": testing.plan([subject, logs, logging])}
}
