package edulibra.rules.iam_github_oidc_trust_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.iam_github_oidc_trust as rule

provider_arn := "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"

role(statements) := {
	"address": "aws_iam_role.deploy", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "deploy", "action": "create",
	"values": {"assume_role_policy": json.marshal({"Version": "2012-10-17", "Statement": statements})},
	"unknown": {}, "sensitive": {}, "references": {}, "parent": null,
}

bare_role(unknown, refs) := {
	"address": "aws_iam_role.deploy", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "deploy", "action": "create",
	"values": {"name": "deploy"}, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

stmt(condition) := {
	"Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
	"Condition": condition,
}

test_pinned_repository_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(role([stmt({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:edulibra/infra:ref:refs/heads/main"}})]))}
}

test_non_github_federation_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(role([{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]))}
}

test_missing_sub_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role([stmt({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})]))}
}

test_wildcard_org_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(role([stmt({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}})]))}
}

test_data_document_with_unknown_provider_fails if {
	d := {"address": "data.aws_iam_policy_document.gh", "module": "", "mode": "data", "type": "aws_iam_policy_document", "name": "gh", "action": "read",
		"values": {"statement": [{"effect": "Allow", "actions": ["sts:AssumeRoleWithWebIdentity"], "principals": [{"type": "Federated", "identifiers": [null]}],
			"condition": [{"test": "StringEquals", "variable": "token.actions.githubusercontent.com:aud", "values": ["sts.amazonaws.com"]}]}]},
		"unknown": {"json": true}, "sensitive": {}, "references": {"statement.principals.identifiers": ["aws_iam_openid_connect_provider.gh"]}, "parent": null}
	count(rule.deny) == 1 with input as {"resource": testing.resource(d)}
}

test_referenced_document_counts_as_set if {
	r := bare_role({"assume_role_policy": true}, {"assume_role_policy": ["data.aws_iam_policy_document.gh"]})
	count(rule.deny) == 0 with input as {"resource": testing.resource(r)}
	count(rule.unknown) == 0 with input as {"resource": testing.resource(r)}
}

test_unknown_is_unknown if {
	count(rule.unknown) == 1 with input as {"resource": testing.resource(bare_role({"assume_role_policy": true}, {}))}
}
