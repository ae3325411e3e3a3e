package edulibra.rules.iam_managed_admin_policy

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-010",
	"title": "The AWS AdministratorAccess and IAMFullAccess managed policies are not used",
	"severity": "critical",
	"category": "iam",
	"remediation": "Do not attach arn:aws:iam::aws:policy/AdministratorAccess or IAMFullAccess (policy_arn, managed_policy_arns); attach a customer-managed policy with the needed actions instead.",
	"references": ["CKV_AWS_274", "CKV_AWS_275", "CKV2_AWS_56"],
	"attributes": ["policy_arn", "managed_policy_arns"],
	"description": "These AWS-managed policies grant every action (or every IAM action) on every resource, so the role, user or group becomes an account administrator.",
}

resource_types := {
	"aws_iam_role", "aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment",
	"aws_iam_group_policy_attachment", "aws_iam_policy_attachment", "aws_iam_policy",
	"aws_ssoadmin_managed_policy_attachment",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

admin_policy(arn) if {
	# cheap necessary condition first: regex.match compiles its pattern on every call
	some suffix in [":iam::aws:policy/AdministratorAccess", ":iam::aws:policy/IAMFullAccess"]
	endswith(arn, suffix)
	regex.match(`^arn:aws[a-z-]*:iam::aws:policy/(AdministratorAccess|IAMFullAccess)$`, arn)
}

admin_reference(v) if {
	admin_policy(v)
} else if {
	v in {"AdministratorAccess", "IAMFullAccess"}
}

arn_attrs := {
	"aws_iam_role_policy_attachment": "policy_arn",
	"aws_iam_user_policy_attachment": "policy_arn",
	"aws_iam_group_policy_attachment": "policy_arn",
	"aws_iam_policy_attachment": "policy_arn",
	"aws_ssoadmin_managed_policy_attachment": "managed_policy_arn",
}

deny contains msg if {
	attr := arn_attrs[input.resource.type]
	arn := lib.val(input.resource, attr)
	is_string(arn)
	admin_policy(arn)
	msg := sprintf("%s attaches the AWS managed policy %s", [input.resource.address, arn])
}

deny contains msg if {
	input.resource.type == "aws_iam_role"
	some arn in lib.as_array(lib.val(input.resource, "managed_policy_arns"))
	is_string(arn)
	admin_policy(arn)
	msg := sprintf("%s attaches the AWS managed policy %s", [input.resource.address, arn])
}

# data "aws_iam_policy" looking up the AdministratorAccess/IAMFullAccess policy for later attachment
deny contains msg if {
	input.resource.type == "aws_iam_policy"
	input.resource.mode == "data"
	some attr in ["arn", "name"]
	v := lib.val(input.resource, attr)
	is_string(v)
	admin_reference(v)
	msg := sprintf("%s reads the AWS managed policy %s for attachment", [input.resource.address, v])
}

unknown contains msg if {
	attr := arn_attrs[input.resource.type]
	lib.is_unknown(input.resource, attr)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
