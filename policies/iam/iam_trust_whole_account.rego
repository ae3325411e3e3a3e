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
	"attributes": ["assume_role_policy"],
	"description": "Trusting an account root lets every principal of that account with sts:AssumeRole permission assume the role; for third-party accounts it also opens the confused-deputy problem.",
}

resource_types := {"aws_iam_role"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Only statements with an AWS principal are normalised (the others cannot fail the rule).
trust_statements := [lib.norm_json_statement(s) | some s in lib.statements(doc); has_aws_principal(s)] if {
	doc := lib.doc_of(input.resource, "assume_role_policy")
} else := []

has_aws_principal(s) if {
	p := s.Principal
	is_object(p)
	some t, _ in p
	lib.lower_str(t) == "aws"
}

account_principal(id) if {
	# cheap necessary condition first: regex.match compiles its pattern on every call
	_account_shaped(id)
	regex.match(`^([0-9]{12}|arn:aws[a-z-]*:iam::[0-9]{12}:root)$`, id)
}

_account_shaped(id) if {
	count(id) == 12
} else if {
	endswith(id, ":root")
}

deny contains msg if {
	some st in trust_statements
	st.effect == "Allow"
	lib.allows_action(st, "sts:assumerole")
	some e in st.principals
	lib.lower_str(e.type) == "aws"
	account_principal(e.id)
	not lib.restricting_condition(st)
	msg := sprintf("%s trust policy lets every principal of account %s assume the role without sts:ExternalId or another restricting condition", [input.resource.address, e.id])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "assume_role_policy")
	msg := sprintf("%s: assume_role_policy is known only after apply", [input.resource.address])
}
