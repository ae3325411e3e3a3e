package edulibra.rules.iam_admin_policy

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-001",
	"title": "IAM policies do not grant full administrative access",
	"severity": "critical",
	"category": "iam",
	"remediation": "Replace Action \"*\" on Resource \"*\" with the specific actions and resource ARNs the principal needs; use permission boundaries for delegated administration.",
	"references": ["CKV_AWS_1", "CKV_AWS_62"],
	"description": "A statement that allows every action on every resource makes the holder an account administrator, able to disable logging, read every secret and create new credentials.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# [[attr, JSON statement]]: once per evaluation; each deny body tests cheap conditions on the raw statement first
raw_statements := lib.identity_raw_statements(input.resource)

deny contains msg if {
	some x in raw_statements
	lib.raw_all_actions(x[1])
	lib.raw_wildcard_resource(x[1])
	st := lib.lite_statement(x[1])
	lib.all_actions(st)
	lib.wildcard_resource(st)
	msg := sprintf("%s %s allows every action on every resource (%s on *)", [input.resource.address, x[0], lib.action_display(st)])
}

unknown contains msg if {
	# cheap necessary condition first: some policy attribute is flagged unknown
	some k in ["policy", "inline_policy", "statement"]
	input.resource.unknown[k]
	some attr in lib.unknown_policy_attrs(input.resource)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
