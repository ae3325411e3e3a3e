package edulibra.rules.iam_credentials_exposure

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-008",
	"title": "IAM policies do not expose credentials on every resource",
	"severity": "high",
	"category": "iam",
	"remediation": "Remove credential-issuing actions (iam:CreateAccessKey, sts:AssumeRole, ec2:GetPasswordData, ...) from workload policies or scope them to specific resource ARNs.",
	"references": ["CKV_AWS_107", "CKV_AWS_287"],
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"description": "Actions that return passwords, keys or session tokens for any resource let the holder obtain the credentials of other identities.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

credentials_exposure_actions := {
	"chime:createapikey", "codepipeline:pollforjobs", "cognito-identity:getopenidtoken",
	"cognito-identity:getopenidtokenfordeveloperidentity", "cognito-identity:getcredentialsforidentity",
	"connect:getfederationtoken", "connect:getfederationtokens", "ec2:getpassworddata", "ecr:getauthorizationtoken",
	"gamelift:requestuploadcredentials", "iam:createaccesskey", "iam:createloginprofile",
	"iam:createservicespecificcredential", "iam:resetservicespecificcredential", "iam:updateaccesskey",
	"lightsail:getinstanceaccessdetails", "lightsail:getrelationaldatabasemasteruserpassword", "rds-db:connect",
	"redshift:getclustercredentials", "sso:getrolecredentials", "mediapackage:rotatechannelcredentials",
	"mediapackage:rotateingestendpointcredentials", "sts:assumerole", "sts:assumerolewithsaml",
	"sts:assumerolewithwebidentity", "sts:getfederationtoken", "sts:getsessiontoken",
}

deny contains msg if {
	some x in identity.statements
	x.wildcard_resource
	granted := sort(lib.granted(x.st, credentials_exposure_actions))
	count(granted) > 0
	msg := sprintf("%s %s allows credentials exposure on every resource (%s)", [input.resource.address, x.attr, concat(", ", granted)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
