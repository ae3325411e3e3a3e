package edulibra.rules.resource_policy_public_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.resource_policy_public as rule

bucket_policy(statements) := {
	"address": "aws_s3_bucket_policy.site", "module": "", "mode": "managed", "type": "aws_s3_bucket_policy", "name": "site",
	"action": "create", "values": {"bucket": "site", "policy": json.marshal({"Version": "2012-10-17", "Statement": statements})},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

pending_policy(refs) := {
	"address": "aws_s3_bucket_policy.site", "module": "", "mode": "managed", "type": "aws_s3_bucket_policy", "name": "site",
	"action": "create", "values": {"bucket": "site"}, "unknown": {"policy": true}, "sensitive": {}, "references": refs, "parent": null,
}

test_cloudfront_oac_policy_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(bucket_policy([{
		"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
		"Resource": "arn:aws:s3:::site/*",
		"Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}},
	}]))}
}

test_deny_with_star_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(bucket_policy([{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::site/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]))}
}

test_public_read_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(bucket_policy([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}]))}
}

test_kms_key_policy_star_fails if {
	k := {"address": "aws_kms_key.k", "module": "", "mode": "managed", "type": "aws_kms_key", "name": "k", "action": "create",
		"values": {"policy": json.marshal({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]})},
		"unknown": {}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.deny) == 1 with input as {"resource": testing.resource(k)}
}

test_data_document_star_fails if {
	d := {"address": "data.aws_iam_policy_document.p", "module": "", "mode": "data", "type": "aws_iam_policy_document", "name": "p", "action": "read",
		"values": {"statement": [{"effect": "Allow", "actions": ["sqs:SendMessage"], "resources": ["*"], "principals": [{"type": "*", "identifiers": ["*"]}]}]},
		"unknown": {"json": true}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.deny) == 1 with input as {"resource": testing.resource(d)}
}

test_computed_key_policy_is_not_unknown if {
	k := {"address": "aws_kms_key.k", "module": "", "mode": "managed", "type": "aws_kms_key", "name": "k", "action": "create",
		"values": {}, "unknown": {"policy": true}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.deny) == 0 with input as {"resource": testing.resource(k)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(k)}
}

test_referenced_document_counts_as_set if {
	p := pending_policy({"policy": ["data.aws_iam_policy_document.site"]})
	count(rule.deny) == 0 with input as {"resource": testing.resource(p)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(p)}
}

test_unknown_policy_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(pending_policy({}))}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(pending_policy({}))}
}
