package edulibra.rules.s3_replication_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.s3_replication as rule

subject := {
	"address": "aws_s3_bucket.main", "module": "", "mode": "managed", "type": "aws_s3_bucket", "name": "main", "action": "create",
	"values": {"bucket": "edu-site"}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_s3_bucket_replication_configuration.main", "module": "", "mode": "managed", "type": "aws_s3_bucket_replication_configuration", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"bucket": true}, {"bucket": ["aws_s3_bucket.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"role": "arn:aws:iam::111122223333:role/replication", "rule": [{"status": "Enabled"}]})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_missing_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject])}
}

test_companion_of_other_resource_fails if {
	other := companion({"role": "arn:aws:iam::111122223333:role/replication", "rule": [{"status": "Enabled"}]}, {"bucket": true}, {"bucket": ["aws_s3_bucket.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, other])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"role": "arn:aws:iam::111122223333:role/replication", "rule": [{"status": "Enabled"}]}, {"bucket": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
