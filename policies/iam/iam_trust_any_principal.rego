package edulibra.rules.iam_trust_any_principal

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-011",
	"title": "IAM role trust policies are not open to any principal",
	"severity": "critical",
	"category": "iam",
	"remediation": "Name the trusted service, account role or OIDC provider in Principal of assume_role_policy; if \"*\" is unavoidable add a Condition on sts:ExternalId, aws:PrincipalOrgID or aws:PrincipalArn.",
	"references": ["CKV_AWS_60"],
	"attributes": ["assume_role_policy"],
	"description": "A trust policy with Principal \"*\" (or {\"AWS\": \"*\"}) and no restricting condition lets any AWS account in the world assume the role.",
}

resource_types := {"aws_iam_role"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Only statements that may name any principal are normalised (the others cannot fail the rule): Principal "*",
# a "*" entry of an AWS / "*" principal, or NotPrincipal (lib.any_principal without its effect test).
trust_statements := [lib.norm_json_statement(s) | some s in lib.statements(doc); may_be_open(s)] if {
	doc := lib.doc_of(input.resource, "assume_role_policy")
} else := []

may_be_open(s) if {
	s.Principal == "*"
} else if {
	p := s.Principal
	is_object(p)
	some t, ids in p
	lib.lower_str(t) in {"*", "aws"}
	"*" in lib.as_array(ids)
} else if {
	"NotPrincipal" in object.keys(s)
}

deny contains msg if {
	some st in trust_statements
	st.effect == "Allow"
	lib.any_principal(st)
	not lib.restricting_condition(st)
	msg := sprintf("%s trust policy lets any principal assume the role (Principal \"*\" without a restricting Condition)", [input.resource.address])
}

unknown contains msg if {
	lib.is_unknown(input.resource, "assume_role_policy")
	msg := sprintf("%s: assume_role_policy is known only after apply", [input.resource.address])
}
