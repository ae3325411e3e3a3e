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
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"compliance": {"aws-fsbp": ["IAM.1", "IAM.21"]},
	"description": "Allowing \"*\" (or everything but a NotAction list) grants every current and future AWS action on the statement's resources, far beyond what an application needs.",
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
	msg := sprintf("%s %s allows every action (%s)", [input.resource.address, x.attr, lib.action_display(x.st)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
