package edulibra.rules.resource_policy_public

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-014",
	"title": "Resource policies do not grant access to any principal",
	"severity": "critical",
	"category": "iam",
	"remediation": "Name the account, role or service in Principal of the bucket, key, topic, queue or secret policy, or add a Condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID to statements with Principal \"*\".",
	"references": ["CKV_AWS_70", "CKV_AWS_33", "CKV_AWS_283", "CKV_AWS_168", "CKV_AWS_169"],
	"attributes": ["policy", "statement"],
	"compliance": {"aws-fsbp": ["S3.2", "S3.3", "KMS.5", "SNS.4", "SQS.3"]},
	"description": "An Allow statement for Principal \"*\" without a restricting condition opens the resource to every AWS account and, for S3, to anonymous internet users.",
}

resource_types := {
	"aws_s3_bucket", "aws_s3_bucket_policy", "aws_kms_key", "aws_sns_topic", "aws_sns_topic_policy", "aws_sqs_queue",
	"aws_sqs_queue_policy", "aws_secretsmanager_secret", "aws_secretsmanager_secret_policy", "aws_iam_policy_document",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Separate policy resources: an unknown policy there is a real pending value. On the resources themselves
# (bucket, key, topic, queue, secret) the policy attribute is computed when unset, so unknown means "default policy".
policy_resources := {"aws_s3_bucket_policy", "aws_sns_topic_policy", "aws_sqs_queue_policy", "aws_secretsmanager_secret_policy"}

statements := [] if {
	# fast path: nothing to read (same result as below)
	not input.resource.values.policy
	input.resource.type != "aws_iam_policy_document"
} else := [st | some d in lib.permission_docs(input.resource); some st in d.statements] if {
	lib.is_policy_document_data(input.resource)
} else := lib.doc_statements(doc) if {
	doc := lib.doc_of(input.resource, "policy")
} else := []

deny contains msg if {
	some st in statements
	st.effect == "Allow"
	lib.any_principal(st)
	not lib.restricting_condition(st)
	msg := sprintf("%s policy allows %s to any principal without a restricting condition", [input.resource.address, lib.action_display(st)])
}

unknown contains msg if {
	input.resource.unknown.policy == true
	input.resource.type in policy_resources
	lib.is_unknown(input.resource, "policy")
	msg := sprintf("%s: policy is known only after apply", [input.resource.address])
}

unknown contains msg if {
	input.resource.type == "aws_iam_policy_document"
	lib.is_policy_document_data(input.resource)
	some attr in lib.unknown_policy_attrs(input.resource)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
