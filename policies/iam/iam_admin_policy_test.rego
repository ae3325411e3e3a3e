package edulibra.rules.iam_admin_policy_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.iam_admin_policy as rule

policy(statements) := {
	"address": "aws_iam_policy.p", "module": "", "mode": "managed", "type": "aws_iam_policy", "name": "p",
	"action": "create", "values": {"policy": json.marshal({"Version": "2012-10-17", "Statement": statements})},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

document(statements) := {
	"address": "data.aws_iam_policy_document.d", "module": "", "mode": "data", "type": "aws_iam_policy_document",
	"name": "d", "action": "read", "values": {"statement": statements}, "unknown": {"json": true},
	"sensitive": {}, "references": {}, "parent": null,
}

role_inline(statements) := {
	"address": "aws_iam_role.r", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "r",
	"action": "create",
	"values": {"assume_role_policy": "{}", "inline_policy": [{"name": "app", "policy": json.marshal({"Statement": statements})}]},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

unknown_policy := {
	"address": "aws_iam_role_policy.p", "module": "", "mode": "managed", "type": "aws_iam_role_policy", "name": "p",
	"action": "create", "values": {"name": "p"}, "unknown": {"policy": true}, "sensitive": {}, "references": {}, "parent": null,
}

referenced_policy := object.union(unknown_policy, {"references": {"policy": ["data.aws_iam_policy_document.d"]}})

test_policy_known_after_apply_is_unknown if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(unknown_policy)}
	count(rule.unknown) == 1 with input as {"resource": testing.resource(unknown_policy)}
}

test_policy_from_plan_document_counts_as_set if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(referenced_policy)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(referenced_policy)}
}

test_invalid_json_does_not_crash if {
	bad := object.union(unknown_policy, {"values": {"policy": "{not json"}, "unknown": {}})
	count(rule.deny) == 0 with input as {"resource": testing.resource(bad)}
}

test_scoped_policy_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:eu-central-1:111122223333:table/exercises"}]))}
}

test_deny_statement_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(policy([{"Effect": "Deny", "Action": "*", "Resource": "*"}]))}
}

test_star_star_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]))}
}

test_not_action_on_star_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]))}
}

test_single_statement_object_fails if {
	p := object.union(unknown_policy, {"unknown": {}, "values": {"policy": json.marshal({"Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*"]}})}})
	count(rule.deny) == 1 with input as {"resource": testing.resource(p)}
}

test_data_document_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(document([{"effect": null, "actions": ["*"], "resources": ["*"], "not_actions": null, "not_resources": null, "principals": [], "condition": []}]))}
}

test_role_inline_policy_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role_inline([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))}
}
