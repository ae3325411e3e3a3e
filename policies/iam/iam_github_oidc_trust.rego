package edulibra.rules.iam_github_oidc_trust

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-013",
	"title": "GitHub Actions OIDC trust policies pin the repository",
	"severity": "high",
	"category": "iam",
	"remediation": "Add a Condition StringEquals/StringLike on token.actions.githubusercontent.com:sub with values such as \"repo:<org>/<repo>:ref:refs/heads/main\" (no wildcard in the organisation) to the assume-role statement.",
	"references": ["CKV_AWS_358", "CKV_AWS_393"],
	"attributes": ["assume_role_policy", "statement"],
	"description": "Without a sub claim condition, a workflow in any GitHub repository of any organisation can obtain credentials for the role through the shared GitHub OIDC provider.",
}

resource_types := {"aws_iam_role", "aws_iam_policy_document"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Of a role's trust policy, only statements that may be GitHub ones are normalised (the others cannot fail the rule):
# a Federated principal, or conditions (github_statement's two ways).
statements := [lib.norm_json_statement(s) | some s in lib.statements(doc); may_be_github(s)] if {
	input.resource.type == "aws_iam_role"
	doc := lib.doc_of(input.resource, "assume_role_policy")
} else := [st | some d in lib.permission_docs(input.resource); some st in d.statements]

may_be_github(s) if {
	p := s.Principal
	is_object(p)
	some t, _ in p
	lib.lower_str(t) == "federated"
} else if {
	is_object(s.Condition)
}

github_host := "token.actions.githubusercontent.com"

github_statement(st) if {
	some e in st.principals
	lib.lower_str(e.type) == "federated"
	contains(lib.lower_str(e.id), github_host)
} else if {
	lib.allows_action(st, "sts:assumerolewithwebidentity")
	some c in st.conditions
	startswith(c.variable, concat("", [github_host, ":"]))
}

sub_values(st) := [v | some c in st.conditions; c.variable == concat("", [github_host, ":sub"]); some v in c.values]

# repo:<org>/<repo>... with a literal organisation (wildcards only after the slash)
safe_sub(v) if {
	is_string(v)
	regex.match(`^repo:[^/*?]+/[^/]+`, v)
}

deny contains msg if {
	some st in statements
	st.effect == "Allow"
	github_statement(st)
	count(sub_values(st)) == 0
	msg := sprintf("%s trusts GitHub Actions OIDC without a token.actions.githubusercontent.com:sub condition", [input.resource.address])
}

deny contains msg if {
	some st in statements
	st.effect == "Allow"
	github_statement(st)
	some v in sub_values(st)
	not safe_sub(v)
	msg := sprintf("%s trusts GitHub Actions OIDC for sub %v, which does not pin an organisation and repository", [input.resource.address, v])
}

unknown contains msg if {
	input.resource.type == "aws_iam_role"
	lib.is_unknown(input.resource, "assume_role_policy")
	msg := sprintf("%s: assume_role_policy is known only after apply", [input.resource.address])
}
