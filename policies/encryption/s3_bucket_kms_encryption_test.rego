package edulibra.rules.s3_bucket_kms_encryption_test

import rego.v1

import data.edulibra.rules.s3_bucket_kms_encryption as rule

bucket(values) := {
	"address": "aws_s3_bucket.b", "module": "", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
	"action": "create", "values": values, "unknown": {"server_side_encryption_configuration": true},
	"sensitive": {}, "references": {}, "parent": null,
}

sse(bucket_value, alg, refs) := {
	"address": "aws_s3_bucket_server_side_encryption_configuration.b", "module": "", "mode": "managed",
	"type": "aws_s3_bucket_server_side_encryption_configuration", "name": "b", "action": "create",
	"values": {"bucket": bucket_value, "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": alg}]}]},
	"unknown": {}, "sensitive": {}, "references": refs, "parent": null,
}

sse_unknown_bucket := object.union(sse(null, "aws:kms", {}), {"values": {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}, "unknown": {"bucket": true}})

test_separate_kms_config_by_reference_passes if {
	count(rule.deny) == 0 with input as {"resources": [bucket({}), sse(null, "aws:kms", {"bucket": ["aws_s3_bucket.b"]})]}
}

test_separate_kms_config_by_name_passes if {
	count(rule.deny) == 0 with input as {"resources": [bucket({"bucket": "data"}), sse("data", "aws:kms", {})]}
}

test_inline_kms_passes if {
	b := bucket({"server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"}]}]}]})
	count(rule.deny) == 0 with input as {"resources": [b]}
	count(rule.unknown) == 0 with input as {"resources": [b]}
}

test_aes256_fails if {
	count(rule.deny) == 1 with input as {"resources": [bucket({"bucket": "data"}), sse("data", "AES256", {})]}
}

test_no_configuration_fails if {
	count(rule.deny) == 1 with input as {"resources": [bucket({"bucket": "data"})]}
}

test_config_of_other_bucket_fails if {
	count(rule.deny) == 1 with input as {"resources": [bucket({"bucket": "data"}), sse("other", "aws:kms", {})]}
}

test_undetermined_config_is_unknown if {
	count(rule.deny) == 0 with input as {"resources": [bucket({"bucket": "data"}), sse_unknown_bucket]}
	count(rule.unknown) == 1 with input as {"resources": [bucket({"bucket": "data"}), sse_unknown_bucket]}
}
