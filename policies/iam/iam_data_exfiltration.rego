package edulibra.rules.iam_data_exfiltration

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-009",
	"title": "IAM policies do not allow reading every object, parameter or secret",
	"severity": "high",
	"category": "iam",
	"remediation": "Scope s3:GetObject, ssm:GetParameter* and secretsmanager:GetSecretValue to the bucket prefixes, parameter paths and secret ARNs the workload needs.",
	"references": ["CKV_AWS_108", "CKV_AWS_288"],
	"description": "Read access to every object, parameter or secret in the account lets one compromised workload copy all stored data and credentials.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

r := input.resource

data_exfiltration_actions := [
	"s3:getobject", "s3:getobjectversion", "ssm:getparameter", "ssm:getparameters", "ssm:getparametersbypath",
	"secretsmanager:getsecretvalue",
]

# "arn:aws:s3:::*" and "arn:aws:s3:::*/*" are every bucket too.
every_resource(st) if lib.wildcard_resource(st)

every_resource(st) if {
	some res in st.resources
	regex.match(`^arn:aws[a-z-]*:(s3:::\*|ssm:[^:]*:[^:]*:parameter/?\*|secretsmanager:[^:]*:[^:]*:secret:\*)`, res)
}

deny contains msg if {
	some d in lib.permission_docs(r)
	some st in d.statements
	every_resource(st)
	granted := sort({a | some a in data_exfiltration_actions; lib.allows_action(st, a)})
	count(granted) > 0
	msg := sprintf("%s %s allows data exfiltration from every resource (%s)", [r.address, d.attr, concat(", ", granted)])
}

unknown contains msg if {
	some attr in lib.unknown_policy_attrs(r)
	msg := sprintf("%s: %s is known only after apply", [r.address, attr])
}
