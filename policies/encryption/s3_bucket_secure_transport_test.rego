package edulibra.rules.s3_bucket_secure_transport_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.s3_bucket_secure_transport as rule

bucket := {
	"address": "aws_s3_bucket.b", "module": "", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
	"action": "create", "values": {"bucket": "data"}, "unknown": {"policy": true},
	"sensitive": {}, "references": {}, "parent": null,
}

tls_policy := json.marshal({"Version": "2012-10-17", "Statement": [{
	"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
	"Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
	"Condition": {"Bool": {"aws:SecureTransport": "false"}},
}]})

read_policy := json.marshal({"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]})

policy(values, unknown, refs) := {
	"address": "aws_s3_bucket_policy.b", "module": "", "mode": "managed", "type": "aws_s3_bucket_policy", "name": "b",
	"action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

doc := {
	"address": "data.aws_iam_policy_document.tls", "module": "", "mode": "data", "type": "aws_iam_policy_document",
	"name": "tls", "action": "read",
	"values": {"statement": [{
		"effect": "Deny", "actions": ["s3:*"], "resources": [null],
		"principals": [{"type": "*", "identifiers": ["*"]}],
		"condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
	}]},
	"unknown": {"json": true}, "sensitive": {}, "references": {"statement.resources": ["aws_s3_bucket.b"]}, "parent": null,
}

test_deny_insecure_transport_passes if {
	inp := {"resources": testing.plan([bucket, policy({"bucket": "data", "policy": tls_policy}, {}, {})])}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_policy_from_data_document_passes if {
	p := policy({}, {"bucket": true, "policy": true}, {"bucket": ["aws_s3_bucket.b"], "policy": ["data.aws_iam_policy_document.tls"]})
	count(rule.deny) == 0 with input as {"resources": testing.plan([bucket, p, doc])}
	count(rule.unknown) == 0 with input as {"resources": testing.plan([bucket, p, doc])}
}

test_policy_without_tls_statement_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([bucket, policy({"bucket": "data", "policy": read_policy}, {}, {})])}
}

test_no_policy_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([bucket])}
}

test_unknown_policy_is_unknown if {
	p := policy({"bucket": "data"}, {"policy": true}, {})
	count(rule.deny) == 0 with input as {"resources": testing.plan([bucket, p])}
	count(rule.unknown) == 1 with input as {"resources": testing.plan([bucket, p])}
}
