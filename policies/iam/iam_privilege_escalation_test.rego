package edulibra.rules.iam_privilege_escalation_test

import rego.v1

import data.edulibra.lib

import data.edulibra.lib.testing

import data.edulibra.rules.iam_privilege_escalation as rule

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

test_pass_named_role_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(policy([
		{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/edu-task"},
		{"Effect": "Allow", "Action": ["ecs:RunTask", "ecs:RegisterTaskDefinition"], "Resource": "*"},
	]))}
}

test_iam_star_fails if {
	count(rule.deny) > 0 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]))}
}

test_create_policy_version_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::111122223333:policy/app"}]))}
}

test_pass_any_role_with_lambda_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(document([
		{"actions": ["iam:Pass*"], "resources": ["arn:aws:iam::111122223333:role/*"]},
		{"actions": ["lambda:CreateFunction", "lambda:InvokeFunction"], "resources": ["arn:aws:lambda:eu-central-1:111122223333:function:x"]},
	]))}
}

test_update_function_code_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role_inline([{"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}]))}
}

test_method_actions_match if {
	rule.unscoped_method_actions == {a | some actions in rule.escalation_methods; some a in actions} - rule.scoped_actions
}

test_method_services_match if {
	rule.method_services == {lib.service_of(a) | some actions in rule.escalation_methods; some a in actions}
}

test_wildcard_services_and_not_action_still_count if {
	# a wildcard in the service part matches iam and ec2 actions
	count(rule.deny) > 0 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": ["i?m:CreateAccessKey"], "Resource": "*"}]))}
	count(rule.deny) > 0 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": ["*:CreateAccessKey"], "Resource": "*"}]))}
	# NotAction grants what it does not list
	count(rule.deny) > 0 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"}]))}
	# only services no method uses, or a Deny: nothing to escalate with
	count(rule.deny) == 0 with input as {"resource": testing.resource(policy([
		{"Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"], "Resource": "*"},
		{"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
	]))}
}
