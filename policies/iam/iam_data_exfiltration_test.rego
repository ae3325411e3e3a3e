package edulibra.rules.iam_data_exfiltration_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.iam_data_exfiltration as rule

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

test_scoped_reads_pass if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": ["s3:GetObject", "secretsmanager:GetSecretValue"], "Resource": ["arn:aws:s3:::site/*", "arn:aws:secretsmanager:eu-central-1:111122223333:secret:db-abc"]}]))}
}

test_s3_star_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))}
}

test_every_bucket_arn_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(policy([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"}]))}
}

test_all_secrets_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(document([{"actions": ["secretsmanager:GetSecretValue"], "resources": ["*"]}]))}
}
