package edulibra.rules.iam_managed_admin_policy_test

import rego.v1

import data.edulibra.lib.testing

import data.edulibra.rules.iam_managed_admin_policy as rule

attachment(values, unknown, refs) := {
	"address": "aws_iam_role_policy_attachment.a", "module": "", "mode": "managed", "type": "aws_iam_role_policy_attachment",
	"name": "a", "action": "create", "values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_basic_execution_role_passes if {
	count(rule.deny) == 0 with input as {"resource": testing.resource(attachment({"role": "edu-lambda", "policy_arn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, {}, {}))}
}

test_admin_attachment_fails if {
	count(rule.deny) == 1 with input as {"resource": testing.resource(attachment({"role": "edu-lambda", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}, {}, {}))}
}

test_role_managed_policy_arns_fails if {
	role := {"address": "aws_iam_role.r", "module": "", "mode": "managed", "type": "aws_iam_role", "name": "r", "action": "create",
		"values": {"managed_policy_arns": ["arn:aws:iam::aws:policy/IAMFullAccess"]}, "unknown": {}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.deny) == 1 with input as {"resource": testing.resource(role)}
}

test_data_policy_lookup_fails if {
	d := {"address": "data.aws_iam_policy.admin", "module": "", "mode": "data", "type": "aws_iam_policy", "name": "admin", "action": "read",
		"values": {"name": "AdministratorAccess"}, "unknown": {"arn": true}, "sensitive": {}, "references": {}, "parent": null}
	count(rule.deny) == 1 with input as {"resource": testing.resource(d)}
}

test_referenced_policy_counts_as_set if {
	inp := {"resource": testing.resource(attachment({"role": "edu-lambda"}, {"policy_arn": true}, {"policy_arn": ["aws_iam_policy.app"]}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 0 with input as inp
}

test_unknown_arn_is_unknown if {
	inp := {"resource": testing.resource(attachment({"role": "edu-lambda"}, {"policy_arn": true}, {}))}
	count(rule.deny) == 0 with input as inp
	count(rule.unknown) == 1 with input as inp
}
