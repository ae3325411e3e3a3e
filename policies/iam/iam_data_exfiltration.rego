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
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"description": "Read access to every object, parameter or secret in the account lets one compromised workload copy all stored data and credentials.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

data_exfiltration_actions := {
	"s3:getobject", "s3:getobjectversion", "ssm:getparameter", "ssm:getparameters", "ssm:getparametersbypath",
	"secretsmanager:getsecretvalue",
}

# "arn:aws:s3:::*" and "arn:aws:s3:::*/*" are every bucket too.
# every_resource(x), on a statement of lib.identity: Resource "*" / NotResource, or "arn:aws:s3:::*" and
# "arn:aws:s3:::*/*" (every bucket), every SSM parameter or every secret.
every_resource(x) if {
	x.wildcard_resource
} else if {
	some res in x.st.resources
	# cheap necessary condition first: regex.match compiles its pattern on every call
	some part in ["s3:::*", ":parameter", ":secret:*"]
	contains(res, part)
	regex.match(`^arn:aws[a-z-]*:(s3:::\*|ssm:[^:]*:[^:]*:parameter/?\*|secretsmanager:[^:]*:[^:]*:secret:\*)`, res)
}

deny contains msg if {
	some x in identity.statements
	every_resource(x)
	granted := sort(lib.granted(x.st, data_exfiltration_actions))
	count(granted) > 0
	msg := sprintf("%s %s allows data exfiltration from every resource (%s)", [input.resource.address, x.attr, concat(", ", granted)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
