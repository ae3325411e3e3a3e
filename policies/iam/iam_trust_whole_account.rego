package edulibra.rules.iam_trust_whole_account

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-012",
	"title": "IAM role trust policies do not trust a whole account without a condition",
	"severity": "medium",
	"category": "iam",
	"remediation": "Trust a specific role ARN instead of an account id or :root in assume_role_policy, or add a Condition on sts:ExternalId (third parties) or aws:PrincipalArn.",
	"references": ["CKV_AWS_61"],
	"description": "Trusting an account root lets every principal of that account with sts:AssumeRole permission assume the role; for third-party accounts it also opens the confused-deputy problem.",
}

resource_types := {"aws_iam_role"}

r := input.resource

trust_statements := lib.doc_statements(doc) if {
	doc := lib.policy_doc(lib.val(r, "assume_role_policy"))
} else := []

account_principal(id) if regex.match(`^([0-9]{12}|arn:aws[a-z-]*:iam::[0-9]{12}:root)$`, id)

deny contains msg if {
	some st in trust_statements
	st.effect == "Allow"
	lib.allows_action(st, "sts:assumerole")
	some e in st.principals
	lib.lower_str(e.type) == "aws"
	account_principal(e.id)
	not lib.restricting_condition(st)
	msg := sprintf("%s trust policy lets every principal of account %s assume the role without sts:ExternalId or another restricting condition", [r.address, e.id])
}

unknown contains msg if {
	lib.is_unknown(r, "assume_role_policy")
	msg := sprintf("%s: assume_role_policy is known only after apply", [r.address])
}
