package edulibra.rules.iam_star_action

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-002",
	"title": "IAM policies do not allow every action",
	"severity": "high",
	"category": "iam",
	"remediation": "List the actions the principal needs instead of Action \"*\" or an Allow with NotAction.",
	"references": ["CKV_AWS_49", "CKV_AWS_63"],
	"description": "Allowing \"*\" (or everything but a NotAction list) grants every current and future AWS action on the statement's resources, far beyond what an application needs.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

r := input.resource

deny contains msg if {
	some d in lib.permission_docs(r)
	some st in d.statements
	lib.all_actions(st)
	msg := sprintf("%s %s allows every action (%s)", [r.address, d.attr, lib.action_display(st)])
}

unknown contains msg if {
	some attr in lib.unknown_policy_attrs(r)
	msg := sprintf("%s: %s is known only after apply", [r.address, attr])
}
