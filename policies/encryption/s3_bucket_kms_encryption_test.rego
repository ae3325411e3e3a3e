package edulibra.rules.s3_bucket_kms_encryption_test

import rego.v1

import data.edulibra.lib.testing

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
	count(rule.deny) == 0 with input as {"resources": testing.plan([bucket({}), sse(null, "aws:kms", {"bucket": ["aws_s3_bucket.b"]})])}
}

test_separate_kms_config_by_name_passes if {
	count(rule.deny) == 0 with input as {"resources": testing.plan([bucket({"bucket": "data"}), sse("data", "aws:kms", {})])}
}

test_inline_kms_passes if {
	b := bucket({"server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "arn:aws:kms:eu-central-1:111122223333:key/k"}]}]}]})
	count(rule.deny) == 0 with input as {"resources": testing.plan([b])}
	count(rule.unknown) == 0 with input as {"resources": testing.plan([b])}
}

test_aes256_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([bucket({"bucket": "data"}), sse("data", "AES256", {})])}
}

test_no_configuration_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([bucket({"bucket": "data"})])}
}

test_config_of_other_bucket_fails if {
	count(rule.deny) == 1 with input as {"resources": testing.plan([bucket({"bucket": "data"}), sse("other", "aws:kms", {})])}
}

test_undetermined_config_is_unknown if {
	count(rule.deny) == 0 with input as {"resources": testing.plan([bucket({"bucket": "data"}), sse_unknown_bucket])}
	count(rule.unknown) == 1 with input as {"resources": testing.plan([bucket({"bucket": "data"}), sse_unknown_bucket])}
}

# Joins: a configuration is linked to its bucket through bucket.referenced_by (the engine's reverse references),
# or by naming the bucket literally. Inputs written out as the engine produces them.

cfg_at(address, values) := {
	"address": address, "module": "", "mode": "managed", "type": "aws_s3_bucket_server_side_encryption_configuration",
	"name": "c", "action": "create", "values": values, "unknown": {"bucket": true}, "sensitive": {}, "references": {},
	"referenced_by": [], "parsed": {}, "parent": null,
}

kms_rule := [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]

aes_rule := [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]

bucket_referenced_by(entries) := object.union(bucket({"bucket": "data"}), {"referenced_by": entries, "parsed": {}})

test_config_linked_through_referenced_by_passes if {
	b := bucket_referenced_by([{"address": "cfg.kms", "type": "aws_s3_bucket_server_side_encryption_configuration", "path": "bucket"}])
	inp := {"resources": [b, cfg_at("cfg.kms", {"rule": kms_rule})]}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_config_linked_through_referenced_by_reports_its_algorithm if {
	b := bucket_referenced_by([{"address": "cfg.aes", "type": "aws_s3_bucket_server_side_encryption_configuration", "path": "bucket"}])
	rule.deny == {{"resource": "aws_s3_bucket.b", "msg": "aws_s3_bucket.b encrypts objects with AES256, not with a KMS key"}} with input as {"resources": [b, cfg_at("cfg.aes", {"rule": aes_rule})]}
}

test_referenced_by_through_another_attribute_does_not_link if {
	b := bucket_referenced_by([{"address": "cfg.kms", "type": "aws_s3_bucket_server_side_encryption_configuration", "path": "expected_bucket_owner"}])
	# (the configuration names its bucket by expected_bucket_owner only, with a known bucket value elsewhere)
	c := object.union(cfg_at("cfg.kms", {"bucket": "elsewhere", "rule": kms_rule}), {"unknown": {}})
	count(rule.deny) == 1 with input as {"resources": [b, c]}
}

test_referenced_by_a_resource_outside_the_input_does_not_link if {
	# e.g. a configuration being deleted: the engine still lists its reference, but it is not judged
	b := bucket_referenced_by([{"address": "cfg.gone", "type": "aws_s3_bucket_server_side_encryption_configuration", "path": "bucket"}])
	count(rule.deny) == 1 with input as {"resources": [b]}
}

test_configs_linked_by_literal_name_among_many_buckets if {
	other := object.union(bucket({"bucket": "other"}), {"address": "aws_s3_bucket.other", "referenced_by": [], "parsed": {}})
	b := bucket_referenced_by([])
	inp := {"resources": [b, other, cfg_at("cfg.one", {"bucket": "data", "rule": kms_rule}), cfg_at("cfg.two", {"bucket": "other", "rule": aes_rule})]}
	rule.deny == {{"resource": "aws_s3_bucket.other", "msg": "aws_s3_bucket.other encrypts objects with AES256, not with a KMS key"}} with input as inp
}

test_config_linked_both_ways_counts_once if {
	b := bucket_referenced_by([{"address": "cfg.aes", "type": "aws_s3_bucket_server_side_encryption_configuration", "path": "bucket"}])
	rule.deny == {{"resource": "aws_s3_bucket.b", "msg": "aws_s3_bucket.b encrypts objects with AES256, not with a KMS key"}} with input as {"resources": [b, cfg_at("cfg.aes", {"bucket": "data", "rule": aes_rule})]}
}

test_same_address_in_two_plans_does_not_crash if {
	# two plans checked together may share addresses with different values: lookups group them
	b := bucket_referenced_by([{"address": "cfg.x", "type": "aws_s3_bucket_server_side_encryption_configuration", "path": "bucket"}])
	inp := {"resources": [b, cfg_at("cfg.x", {"rule": kms_rule}), cfg_at("cfg.x", {"rule": aes_rule})]}
	count(rule.deny) == 0 with input as inp
}

test_reference_to_all_instances_links_each_instance if {
	b0 := object.union(bucket({}), {"address": "aws_s3_bucket.b[0]"})
	b1 := object.union(bucket({}), {"address": "aws_s3_bucket.b[1]"})
	c := sse(null, "aws:kms", {"bucket": ["aws_s3_bucket.b"]})
	count(rule.deny) == 0 with input as {"resources": testing.plan([b0, b1, c])}
}
