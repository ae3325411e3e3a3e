package edulibra.rules.iam_privilege_escalation

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-007",
	"title": "IAM policies do not allow privilege escalation",
	"severity": "critical",
	"category": "iam",
	"remediation": "Remove the escalation path: do not combine iam:PassRole on wildcard roles with compute-creating actions, and do not grant policy-editing actions (iam:CreatePolicyVersion, iam:Put*Policy, iam:Attach*Policy, iam:UpdateAssumeRolePolicy, ...) to workloads.",
	"references": ["CKV_AWS_110", "CKV_AWS_286"],
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"description": "These action combinations let a principal give itself or a role it can assume more permissions than it was granted, up to full administrator access.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Known escalation methods (after Rhino Security Labs / cloudsplaining): every action of a method must be allowed.
escalation_methods := {
	"CreateNewPolicyVersion": ["iam:createpolicyversion"],
	"SetExistingDefaultPolicyVersion": ["iam:setdefaultpolicyversion"],
	"CreateAccessKey": ["iam:createaccesskey"],
	"CreateLoginProfile": ["iam:createloginprofile"],
	"UpdateLoginProfile": ["iam:updateloginprofile"],
	"AttachUserPolicy": ["iam:attachuserpolicy"],
	"AttachGroupPolicy": ["iam:attachgrouppolicy"],
	"AttachRolePolicy": ["iam:attachrolepolicy", "sts:assumerole"],
	"PutUserPolicy": ["iam:putuserpolicy"],
	"PutGroupPolicy": ["iam:putgrouppolicy"],
	"PutRolePolicy": ["iam:putrolepolicy", "sts:assumerole"],
	"AddUserToGroup": ["iam:addusertogroup"],
	"UpdateRolePolicyToAssumeIt": ["iam:updateassumerolepolicy", "sts:assumerole"],
	"PassRoleToEC2": ["iam:passrole", "ec2:runinstances"],
	"PassRoleToNewLambdaThenInvoke": ["iam:passrole", "lambda:createfunction", "lambda:invokefunction"],
	"PassRoleToNewLambdaWithEventSource": ["iam:passrole", "lambda:createfunction", "lambda:createeventsourcemapping"],
	"EditExistingLambdaFunctionWithRole": ["lambda:updatefunctioncode"],
	"PassRoleToGlueDevEndpoint": ["iam:passrole", "glue:createdevendpoint"],
	"UpdateExistingGlueDevEndpoint": ["glue:updatedevendpoint"],
	"PassRoleToCloudFormation": ["iam:passrole", "cloudformation:createstack"],
	"PassRoleToDataPipeline": ["iam:passrole", "datapipeline:createpipeline"],
	"PassRoleToECSTask": ["iam:passrole", "ecs:registertaskdefinition", "ecs:runtask"],
	"PassRoleToCodeBuild": ["iam:passrole", "codebuild:createproject", "codebuild:startbuild"],
	"PassRoleToSageMakerNotebook": ["iam:passrole", "sagemaker:createnotebookinstance"],
}

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

# The statements that may grant a method action: an Allow with NotAction (everything it does not list), or with an
# action of a method's service or a wildcard in the service part ("*", "iam*", "i?m:passrole"); lib.granted finds
# nothing in the others, so they are left out before it runs.
statements := [x.st | some x in identity.statements; x.st.effect == "Allow"; may_grant(x)]

may_grant(x) if x.st.has_not_action

may_grant(x) if {
	some svc in x.services
	svc in method_services
}

may_grant(x) if {
	some svc in x.services
	lib.is_wildcard_pattern(svc)
}

# {lib.service_of(a) | some actions in escalation_methods; some a in actions}, written out; test_method_services_match
# checks it.
method_services := {"cloudformation", "codebuild", "datapipeline", "ec2", "ecs", "glue", "iam", "lambda", "sagemaker", "sts"}

# iam:PassRole counts only on wildcard role resources (passing one named role is the intended pattern);
# sts:AssumeRole counts only on wildcard resources; every other action counts on any resource.
scoped_actions := {"iam:passrole", "sts:assumerole"}

# {a | some actions in escalation_methods; some a in actions} - scoped_actions, written out (a constant computed
# from escalation_methods would be recomputed for every resource); test_method_actions_match checks it.
unscoped_method_actions := {
	"cloudformation:createstack", "codebuild:createproject", "codebuild:startbuild",
	"datapipeline:createpipeline", "ec2:runinstances", "ecs:registertaskdefinition", "ecs:runtask",
	"glue:createdevendpoint", "glue:updatedevendpoint", "iam:addusertogroup", "iam:attachgrouppolicy",
	"iam:attachrolepolicy", "iam:attachuserpolicy", "iam:createaccesskey", "iam:createloginprofile",
	"iam:createpolicyversion", "iam:putgrouppolicy", "iam:putrolepolicy", "iam:putuserpolicy",
	"iam:setdefaultpolicyversion", "iam:updateassumerolepolicy", "iam:updateloginprofile",
	"lambda:createeventsourcemapping", "lambda:createfunction", "lambda:invokefunction",
	"lambda:updatefunctioncode", "sagemaker:createnotebookinstance",
}

# Every action of the methods that some statement allows (scoped ones only on broad resources).
allowed := {a |
	some st in statements
	some a in lib.granted(st, unscoped_method_actions)
} | {a |
	some st in statements
	lib.broad_resource(st)
	some a in lib.granted(st, scoped_actions)
}

deny contains msg if {
	count(allowed) > 0
	some method, actions in escalation_methods
	every a in actions {
		a in allowed
	}
	msg := sprintf("%s allows privilege escalation via %s (%s)", [input.resource.address, method, concat(" + ", actions)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
