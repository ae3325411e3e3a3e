package edulibra.rules.s3_public_access_block_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.s3_public_access_block as rule

subject := {
	"address": "aws_s3_bucket.main", "module": "", "mode": "managed", "type": "aws_s3_bucket", "name": "main", "action": "create",
	"values": {"bucket": "edu-site"}, "unknown": {"id": true, "arn": true}, "sensitive": {}, "references": {}, "parent": null,
}

companion(values, unknown, refs) := {
	"address": "aws_s3_bucket_public_access_block.main", "module": "", "mode": "managed", "type": "aws_s3_bucket_public_access_block", "name": "main", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

linked_companion(values) := companion(values, {"bucket": true}, {"bucket": ["aws_s3_bucket.main"]})

test_linked_companion_passes if {
	inp := {"resources": testing.plan([subject, linked_companion({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

existing := object.union(subject, {"action": "update"})

test_missing_companion_of_an_existing_bucket_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([existing])}
}

test_companion_of_other_resource_fails if {
	other := companion({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}, {"bucket": true}, {"bucket": ["aws_s3_bucket.other"]})
	count(rule.deny) == 1 with input as {"resources": testing.plan([existing, other])}
}

# AWS's default for a bucket created since April 2023 (metadata.assumes).
test_new_bucket_without_a_block_passes_on_the_default if {
	inp := {"resources": testing.plan([subject])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
	replaced := object.union(subject, {"action": "replace"})
	count(rule.deny) == 0 with input as {"resources": testing.plan([replaced])}
}

test_new_bucket_with_a_weakened_block_fails if {
	weak := linked_companion({"block_public_acls": false, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true})
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, weak])}
}

test_undetermined_companion_is_unknown if {
	inp := {"resources": testing.plan([subject, companion({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}, {"bucket": true}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}

test_non_compliant_companion_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([subject, linked_companion({"block_public_acls": true, "block_public_policy": false, "ignore_public_acls": true, "restrict_public_buckets": true})])}
}

# Joins through subject.referenced_by and by literal bucket name.

pab(address, values, refs) := {
	"address": address, "module": "", "mode": "managed", "type": "aws_s3_bucket_public_access_block", "name": "p",
	"action": "create", "values": values, "unknown": {"bucket": true}, "sensitive": {}, "references": refs,
	"referenced_by": [], "parsed": {}, "parent": null,
}

all_true := {"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}

test_block_linked_through_referenced_by_passes if {
	s := object.union(subject, {"referenced_by": [{"address": "pab.x", "type": "aws_s3_bucket_public_access_block", "path": "bucket"}], "parsed": {}})
	count(rule.deny) == 0 with input as {"resources": [s, pab("pab.x", all_true, {})]}
}

test_block_linked_by_literal_name_passes if {
	s := object.union(subject, {"values": {"bucket": "edu-site"}, "referenced_by": [], "parsed": {}})
	count(rule.deny) == 0 with input as {"resources": [s, pab("pab.x", object.union(all_true, {"bucket": "edu-site"}), {})]}
}

test_incomplete_block_linked_by_name_fails if {
	s := object.union(subject, {"values": {"bucket": "edu-site"}, "referenced_by": [], "parsed": {}})
	count(rule.deny) == 1 with input as {"resources": [s, pab("pab.x", object.union(all_true, {"bucket": "edu-site", "ignore_public_acls": false}), {})]}
}
