package edulibra.rules.iam_permissions_management

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-006",
	"title": "IAM policies do not allow permissions management on every resource",
	"severity": "high",
	"category": "iam",
	"remediation": "Scope permission-changing actions (iam:Attach*/Put*Policy, s3:PutBucketPolicy, kms:PutKeyPolicy, kms:CreateGrant, *:AddPermission, ...) to specific resource ARNs or remove them.",
	"references": ["CKV_AWS_109", "CKV_AWS_289"],
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"description": "Actions that change policies, grants or ACLs on any resource let the holder open resources to other principals or to the public without any other permission.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

permissions_management_actions := {
	"iam:attachgrouppolicy", "iam:attachrolepolicy", "iam:attachuserpolicy", "iam:createpolicy",
	"iam:createpolicyversion", "iam:deletegrouppolicy", "iam:deletepolicy", "iam:deletepolicyversion",
	"iam:deleterolepermissionsboundary", "iam:deleterolepolicy", "iam:deleteuserpermissionsboundary",
	"iam:deleteuserpolicy", "iam:detachgrouppolicy", "iam:detachrolepolicy", "iam:detachuserpolicy",
	"iam:putgrouppolicy", "iam:putrolepermissionsboundary", "iam:putrolepolicy", "iam:putuserpermissionsboundary",
	"iam:putuserpolicy", "iam:setdefaultpolicyversion", "iam:updateassumerolepolicy", "iam:createaccesskey",
	"iam:createloginprofile", "iam:updateloginprofile", "iam:addusertogroup",
	"s3:putbucketpolicy", "s3:deletebucketpolicy", "s3:putbucketacl", "s3:putobjectacl", "s3:putobjectversionacl",
	"s3:putbucketpublicaccessblock", "s3:putaccountpublicaccessblock", "s3:putaccesspointpolicy",
	"kms:putkeypolicy", "kms:creategrant", "kms:revokegrant", "kms:retiregrant",
	"lambda:addpermission", "lambda:removepermission", "lambda:addlayerversionpermission",
	"sns:addpermission", "sns:removepermission", "sns:settopicattributes",
	"sqs:addpermission", "sqs:removepermission", "sqs:setqueueattributes",
	"secretsmanager:putresourcepolicy", "secretsmanager:deleteresourcepolicy",
	"ecr:setrepositorypolicy", "ecr:deleterepositorypolicy", "logs:putresourcepolicy", "logs:deleteresourcepolicy",
	"ec2:modifysnapshotattribute", "ec2:modifyimageattribute", "rds:modifydbsnapshotattribute",
	"rds:modifydbclustersnapshotattribute", "backup:putbackupvaultaccesspolicy", "glacier:setvaultaccesspolicy",
	"apigateway:updaterestapipolicy", "dynamodb:putresourcepolicy", "organizations:attachpolicy", "ram:createresourceshare",
}

deny contains msg if {
	some x in identity.statements
	x.wildcard_resource
	granted := sort(lib.granted(x.st, permissions_management_actions))
	count(granted) > 0
	msg := sprintf("%s %s allows permissions management on every resource (%s)", [input.resource.address, x.attr, concat(", ", granted)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
