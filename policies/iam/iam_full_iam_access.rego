package edulibra.rules.iam_full_iam_access

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-003",
	"title": "IAM policies do not grant full IAM privileges",
	"severity": "high",
	"category": "iam",
	"remediation": "Grant only the specific iam: actions needed (for example iam:PassRole on one role ARN) instead of iam:* on Resource \"*\".",
	"references": ["CKV2_AWS_40"],
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"compliance": {"aws-fsbp": ["IAM.21"]},
	"description": "iam:* on every resource lets the holder create users, keys and policies, which is equivalent to administrator access.",
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
	x.wildcard_resource
	x.st.effect == "Allow"
	"iam:*" in lib.granted(x.st, {"iam:*"}) # lib.allows_action(st, "iam:*"), without a glob.match per pattern
	msg := sprintf("%s %s allows all IAM actions on every resource (%s)", [input.resource.address, x.attr, lib.action_display(x.st)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
