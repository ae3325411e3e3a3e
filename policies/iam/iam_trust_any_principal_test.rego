package edulibra.rules.iam_trust_any_principal_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.iam_trust_any_principal as rule

bare_role(unknown, refs) := {
	"address": "aws_iam_role.r", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "r", "action": "create",
	"values": {"name": "r"}, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

role(statements) := {
	"address": "aws_iam_role.r", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "r", "action": "create",
	"values": {"assume_role_policy": json.marshal({"Version": "2012-10-17", "Statement": statements})},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

test_service_principal_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]))}
}

test_star_with_external_id_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "edu-123"}}}]))}
}

test_star_principal_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]))}
}

test_aws_star_list_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}, "Action": "sts:AssumeRole"}]))}
}

test_referenced_document_counts_as_set if {
	r := bare_role({"assume_role_policy": true}, {"assume_role_policy": ["data.aws_iam_policy_document.trust"]})
	count(rule.deny) == 0 with input as {"resource": testing.resource(r)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(r)}
}

test_unknown_is_unknown if {
	r := bare_role({"assume_role_policy": true}, {})
	count(rule.deny) == 0 with input as {"resource": testing.resource(r)}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(r)}
}
