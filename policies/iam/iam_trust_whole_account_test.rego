package edulibra.rules.iam_trust_whole_account_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.iam_trust_whole_account as rule

bare_role(unknown, refs) := {
	"address": "aws_iam_role.r", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "r", "action": "create",
	"values": {"name": "r"}, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

role(statements) := {
	"address": "aws_iam_role.r", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "r", "action": "create",
	"values": {"assume_role_policy": json.marshal({"Version": "2012-10-17", "Statement": statements})},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

test_specific_role_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/deployer"}, "Action": "sts:AssumeRole"}]))}
}

test_account_with_external_id_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]))}
}

test_account_root_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]))}
}

test_referenced_document_counts_as_set if {
	r := bare_role({"assume_role_policy": true}, {"assume_role_policy": ["data.aws_iam_policy_document.trust"]})
	count(rule.deny) == 0 with input as {"resource": testing.resource(r)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(r)}
}

test_unknown_is_unknown if {
	r := bare_role({"assume_role_policy": true}, {})
	count(rule.unknown) == 1 with input as {"resource": testing.resource(r)}
}
