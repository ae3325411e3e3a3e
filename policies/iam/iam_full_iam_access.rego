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
	"description": "iam:* on every resource lets the holder create users, keys and policies, which is equivalent to administrator access.",
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
	lib.raw_allow(x[1])
	lib.raw_wildcard_resource(x[1])
	st := lib.lite_statement(x[1])
	"iam:*" in lib.granted(st, {"iam:*"}) # lib.allows_action(st, "iam:*"), without a glob.match per pattern
	lib.wildcard_resource(st)
	msg := sprintf("%s %s allows all IAM actions on every resource (%s)", [input.resource.address, x[0], lib.action_display(st)])
}

unknown contains msg if {
	# cheap necessary condition first: some policy attribute is flagged unknown
	some k in ["policy", "inline_policy", "statement"]
	input.resource.unknown[k]
	some attr in lib.unknown_policy_attrs(input.resource)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
