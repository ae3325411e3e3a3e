package edulibra.rules.iam_restrictable_wildcard_resource

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-005",
	"title": "IAM policies do not use Resource \"*\" for actions that support resource ARNs",
	"severity": "low",
	"category": "iam",
	"remediation": "Replace Resource \"*\" with the ARNs of the resources concerned; keep \"*\" only for actions that accept nothing else (Describe*, List*, a few global calls).",
	"references": ["CKV_AWS_355", "CKV_AWS_356"],
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"description": "Resource \"*\" on actions that accept resource ARNs grants them on every current and future resource of the account instead of the ones the workload uses.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

# Actions that accept only Resource "*" (no resource-level permissions).
unrestrictable_actions := {
	"cloudwatch:putmetricdata", "cloudwatch:getmetricdata", "cloudwatch:getmetricstatistics", "cloudwatch:listmetrics",
	"xray:puttracesegments", "xray:puttelemetryrecords", "xray:getsamplingrules", "xray:getsamplingtargets",
	"xray:getsamplingstatisticsummaries", "ecr:getauthorizationtoken", "sts:getcalleridentity", "tag:getresources",
	"ec2:createnetworkinterface", "ec2:deletenetworkinterface", "ec2:assignprivateipaddresses",
	"ec2:unassignprivateipaddresses", "kms:listaliases", "kms:listkeys", "s3:listallmybuckets",
	"secretsmanager:getrandompassword", "logs:describeloggroups",
}

# Describe* / List* calls rarely support resource-level permissions (S3 listing does, so it is not exempt).
unrestrictable(p) if {
	p in unrestrictable_actions
} else if {
	lib.service_of(p) != "s3"
	n := lib.name_of(p)
	# ^(describe|list)
	some prefix in ["describe", "list"]
	startswith(n, prefix)
}

deny contains msg if {
	some x in identity.statements
	x.wildcard_resource
	st := x.st
	st.effect == "Allow"
	restrictable := sort({p | some p in st.actions; not unrestrictable(p)})
	count(restrictable) > 0
	msg := sprintf("%s %s uses Resource \"*\" for actions that accept resource ARNs (%s)", [input.resource.address, x.attr, concat(", ", restrictable)])
}

deny contains msg if {
	some x in identity.statements
	x.wildcard_resource
	st := x.st
	st.has_not_action
	st.effect == "Allow"
	msg := sprintf("%s %s uses Resource \"*\" with %s", [input.resource.address, x.attr, lib.action_display(st)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
