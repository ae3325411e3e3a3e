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
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"compliance": {"aws-fsbp": ["IAM.1"]},
	"description": "A statement that allows every action on every resource makes the holder an account administrator, able to disable logging, read every secret and create new credentials.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

deny contains msg if {
	some x in identity.statements
	x.all_actions
	x.wildcard_resource
	msg := sprintf("%s %s allows every action on every resource (%s on *)", [input.resource.address, x.attr, lib.action_display(x.st)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
