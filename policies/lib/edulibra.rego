# Shared helpers for the EduLibra built-in rules.
#
# Every helper is total and type-guarded: regorus aborts the whole evaluation on a builtin type error
# (strict builtin errors), so nothing here calls a builtin on a value whose type it has not checked.
# Deterministic only: no http, time or random builtins.
package edulibra.lib

import rego.v1

# ---------------------------------------------------------------------------------------------------
# Generic values
# ---------------------------------------------------------------------------------------------------

# as_array(x): arrays as they are, sets as sorted arrays, null/undefined as [], anything else as [x].
as_array(x) := x if is_array(x)

as_array(x) := sort([y | some y in x]) if is_set(x)

as_array(x) := [] if is_null(x)

as_array(x) := [x] if {
	not is_array(x)
	not is_set(x)
	not is_null(x)
}

# obj(x): x when it is an object, {} otherwise (object.get errors on non-objects in regorus).
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# lower_str(x): lower-cased string, "" for anything that is not a string.
lower_str(x) := lower(x) if is_string(x)

lower_str(x) := "" if not is_string(x)

# non_empty(v): a configured value (not null, not "", not [], not {}).
non_empty(v) if {
	not is_null(v)
	v != ""
	v != []
	v != {}
}

values(r) := obj(object.get(obj(r), "values", {}))

unknowns(r) := obj(object.get(obj(r), "unknown", {}))

# has_value(r, attr): the planned value is present and not null.
has_value(r, attr) if {
	v := values(r)[attr]
	not is_null(v)
}

# is_configured(r, attr): present, not null, not empty.
is_configured(r, attr) if non_empty(values(r)[attr])

# refs(r, path): the plan resources the configuration expression at path references (dotted path, no indexes).
refs(r, path) := x if {
	x := obj(object.get(obj(r), "references", {}))[path]
	is_array(x)
} else := []

referenced(r, path) if count(refs(r, path)) > 0

# unknown_flag(r, attr): the top-level attribute is known only after apply.
unknown_flag(r, attr) if unknowns(r)[attr] == true

# val(r, attr): the planned value, null when absent.
val(r, attr) := object.get(values(r), attr, null)

# pending(r, attr): absent from the planned values because it is known only after apply (referenced or not);
# boolean and numeric checks use it, since a reference does not tell which value will come.
pending(r, attr) if {
	unknown_flag(r, attr)
	not has_value(r, attr)
}

# is_unknown(r, attr): known only after apply, absent from values and not a reference to a plan resource.
is_unknown(r, attr) if {
	unknown_flag(r, attr)
	not has_value(r, attr)
	not referenced(r, attr)
}

# set_or_referenced(r, attr): configured to a non-empty value, or references a resource of the plan.
set_or_referenced(r, attr) if is_configured(r, attr)

set_or_referenced(r, attr) if referenced(r, attr)

# first_block(r, name): the first element of a nested block list, {} when the block is missing or empty.
first_block(r, name) := b if {
	l := values(r)[name]
	is_array(l)
	count(l) > 0
	b := obj(l[0])
} else := {}

# blocks(r, name): the elements of a nested block list ([] when missing).
blocks(r, name) := [obj(b) | some b in values(r)[name]] if {
	is_array(values(r)[name])
} else := []

# block_unknown(r, name): the whole block is unknown (computed) or not configured but unknown.
block_unknown(r, name) if unknowns(r)[name] == true

# nested_unknown(r, block, attr): attribute attr of some element of block is known only after apply
# (or the whole block is), and the configuration does not reference a plan resource for it.
nested_unknown(r, block, attr) if {
	block_unknown(r, block)
	not referenced(r, sprintf("%s.%s", [block, attr]))
}

nested_unknown(r, block, attr) if {
	l := unknowns(r)[block]
	is_array(l)
	some e in l
	obj(e)[attr] == true
	not referenced(r, sprintf("%s.%s", [block, attr]))
}

# ---------------------------------------------------------------------------------------------------
# Addresses and references between plan resources
# ---------------------------------------------------------------------------------------------------

strip_indexes(a) := regex.replace(a, `\[[^\]]*\]`, "") if is_string(a)

strip_indexes(a) := "" if not is_string(a)

strip_trailing_index(a) := regex.replace(a, `\[[^\]]*\]$`, "") if is_string(a)

strip_trailing_index(a) := "" if not is_string(a)

# ref_matches(ref, addr): a reference (indexes stripped) names the resource at addr.
ref_matches(ref, addr) if ref == addr

ref_matches(ref, addr) if {
	is_string(addr)
	ref == strip_trailing_index(addr)
}

ref_matches(ref, addr) if {
	is_string(addr)
	ref == strip_indexes(addr)
}

# refers_to(r, path, target): the expression at path of r references the plan resource target.
refers_to(r, path, target) if {
	some ref in refs(r, path)
	ref_matches(ref, target.address)
}

# refers_to_any(r, target): some attribute of r references target.
refers_to_any(r, target) if {
	some path, l in obj(object.get(obj(r), "references", {}))
	is_array(l)
	some ref in l
	ref_matches(ref, target.address)
}

# known_string(v): a non-empty string.
known_string(v) if {
	is_string(v)
	v != ""
}

# same_known(a, b): two equal known non-empty strings.
same_known(a, b) if {
	known_string(a)
	a == b
}

# links(child, path, parent_res, parent_attrs): child's attribute path references parent_res, or child's value at
# path equals one of parent_res's known values at parent_attrs (e.g. id, arn, bucket, name).
links(child, path, parent_res) if refers_to(child, path, parent_res)

links(child, path, parent_res) if {
	v := values(child)[path]
	some a in ["id", "arn", "name", "bucket"]
	same_known(v, values(parent_res)[a])
}

links(child, path, parent_res) if {
	some v in as_array(values(child)[path])
	some a in ["id", "arn", "name", "bucket"]
	same_known(v, values(parent_res)[a])
}

# link_undetermined(child, path): the child's attribute is known only after apply and references no plan resource,
# so which resource it points at cannot be told from the plan.
link_undetermined(child, path) if {
	not has_value(child, path)
	not referenced(child, path)
	unknown_flag(child, path)
}

resources_of_type(resources, types) := [r | some r in resources; r.type in types]

managed(r) if object.get(obj(r), "mode", "managed") != "data"

# ---------------------------------------------------------------------------------------------------
# Stages and tags
# ---------------------------------------------------------------------------------------------------

stage_tag_keys := {"stage", "environment", "env", "edulibra:stage"}

prod_stage_values := {"prod", "production"}

tag_objects(r) := [t | some key in ["tags", "tags_all"]; t := values(r)[key]; is_object(t)]

is_prod(r) if {
	some t in tag_objects(r)
	some k, v in t
	lower_str(k) in stage_tag_keys
	lower_str(v) in prod_stage_values
}

# is_prod_in_plan(r, resources): r is tagged prod, or it was unfolded from an edulibra_environment whose stage is prod.
is_prod_in_plan(r, _) if is_prod(r)

is_prod_in_plan(r, resources) if {
	p := object.get(obj(r), "parent", null)
	is_string(p)
	some env in resources
	env.address == p
	lower_str(values(env).stage) in prod_stage_values
}

# ---------------------------------------------------------------------------------------------------
# IAM policy documents
# ---------------------------------------------------------------------------------------------------

# policy_doc(x): a policy document from a JSON string or an object; undefined for invalid JSON (never an error).
policy_doc(x) := doc if {
	is_string(x)
	json.is_valid(x)
	doc := json.unmarshal(x)
	is_object(doc)
}

policy_doc(x) := x if is_object(x)

# statements(doc): the Statement element as an array (it may be a single object).
statements(doc) := [s | some s in doc.Statement; is_object(s)] if is_array(doc.Statement)

statements(doc) := [doc.Statement] if is_object(doc.Statement)

statements(doc) := [] if {
	st := object.get(obj(doc), "Statement", null)
	not is_array(st)
	not is_object(st)
}

lower_strings(x) := [lower(s) | some s in as_array(x); is_string(s)]

strings_of(x) := [s | some s in as_array(x); is_string(s)]

# action_list(s) / not_action_list(s) / resource_list(s) / not_resource_list(s): normalised to arrays (actions lower-cased).
action_list(s) := lower_strings(object.get(obj(s), "Action", []))

not_action_list(s) := lower_strings(object.get(obj(s), "NotAction", []))

resource_list(s) := strings_of(object.get(obj(s), "Resource", []))

not_resource_list(s) := strings_of(object.get(obj(s), "NotResource", []))

effect_of(e) := "Deny" if lower_str(e) == "deny"

effect_of(e) := "Allow" if lower_str(e) != "deny"

# Principal entries as {"type", "id"} pairs: "*" -> {"type": "*", "id": "*"}.
json_principal_entries(p) := [{"type": "*", "id": "*"}] if p == "*"

json_principal_entries(p) := [{"type": t, "id": id} |
	some t, ids in p
	some id in as_array(ids)
	is_string(id)
] if is_object(p)

json_principal_entries(p) := [] if {
	p != "*"
	not is_object(p)
}

json_conditions(c) := [{"test": op, "variable": lower(k), "values": as_array(v)} |
	some op, m in c
	is_object(m)
	some k, v in m
	is_string(k)
] if is_object(c)

json_conditions(c) := [] if not is_object(c)

# norm_json_statement(s): the common statement shape used by every IAM rule.
norm_json_statement(s) := {
	"sid": object.get(s, "Sid", ""),
	"effect": effect_of(object.get(s, "Effect", "Allow")),
	"actions": action_list(s),
	"not_actions": not_action_list(s),
	"has_not_action": "NotAction" in object.keys(s),
	"resources": resource_list(s),
	"not_resources": not_resource_list(s),
	"has_not_resource": "NotResource" in object.keys(s),
	"principals": json_principal_entries(object.get(s, "Principal", null)),
	"not_principals": json_principal_entries(object.get(s, "NotPrincipal", null)),
	"has_not_principal": "NotPrincipal" in object.keys(s),
	"conditions": json_conditions(object.get(s, "Condition", null)),
}

# Statement blocks of data.aws_iam_policy_document (values.statement).
block_principal_entries(l) := [{"type": t, "id": id} |
	some p in as_array(l)
	is_object(p)
	t := object.get(p, "type", "")
	is_string(t)
	some id in as_array(object.get(p, "identifiers", []))
	is_string(id)
]

block_conditions(l) := [{"test": object.get(c, "test", ""), "variable": lower_str(object.get(c, "variable", "")), "values": as_array(object.get(c, "values", []))} |
	some c in as_array(l)
	is_object(c)
]

norm_block_statement(s) := {
	"sid": object.get(s, "sid", ""),
	"effect": effect_of(object.get(s, "effect", "Allow")),
	"actions": lower_strings(object.get(s, "actions", [])),
	"not_actions": lower_strings(object.get(s, "not_actions", [])),
	"has_not_action": count(as_array(object.get(s, "not_actions", []))) > 0,
	"resources": strings_of(object.get(s, "resources", [])),
	"not_resources": strings_of(object.get(s, "not_resources", [])),
	"has_not_resource": count(as_array(object.get(s, "not_resources", []))) > 0,
	"principals": block_principal_entries(object.get(s, "principals", [])),
	"not_principals": block_principal_entries(object.get(s, "not_principals", [])),
	"has_not_principal": count(as_array(object.get(s, "not_principals", []))) > 0,
	"conditions": block_conditions(object.get(s, "condition", [])),
}

doc_statements(doc) := [norm_json_statement(s) | some s in statements(doc)]

# Identity (permission) policy documents carried by a resource: [{"attr": path, "statements": [...]}].
permission_policy_types := {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}

# Every resource type whose identity policies the IAM least-privilege rules read.
iam_policy_subject_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy",
	"aws_iam_role", "aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

is_policy_document_data(r) if {
	r.type == "aws_iam_policy_document"
	object.get(r, "mode", "data") == "data"
}

permission_docs(r) := array.concat(
	array.concat(_policy_attr_docs(r), _role_inline_docs(r)),
	array.concat(_sso_docs(r), _data_docs(r)),
)

_policy_attr_docs(r) := [{"attr": "policy", "statements": doc_statements(doc)} |
	r.type in permission_policy_types
	managed(r)
	doc := policy_doc(values(r).policy)
]

_sso_docs(r) := [{"attr": "inline_policy", "statements": doc_statements(doc)} |
	r.type == "aws_ssoadmin_permission_set_inline_policy"
	doc := policy_doc(values(r).inline_policy)
]

_role_inline_docs(r) := [{"attr": sprintf("inline_policy[%d]", [i]), "statements": doc_statements(doc)} |
	r.type == "aws_iam_role"
	is_array(values(r).inline_policy)
	some i, b in values(r).inline_policy
	doc := policy_doc(obj(b).policy)
]

# data.aws_iam_policy_document: the rendered json when known, else the statement blocks.
_data_docs(r) := [{"attr": "json", "statements": doc_statements(doc)}] if {
	is_policy_document_data(r)
	doc := policy_doc(values(r).json)
} else := [{"attr": "statement", "statements": [norm_block_statement(obj(s)) | some s in values(r).statement]}] if {
	is_policy_document_data(r)
	is_array(values(r).statement)
} else := []

# unknown_policy_attrs(r): policy attributes known only after apply that reference no plan resource.
unknown_policy_attrs(r) := ((_unknown_policy_attr(r) | _unknown_sso_attr(r)) | _unknown_role_inline(r)) | _unknown_data_doc(r)

_unknown_policy_attr(r) := {"policy" |
	r.type in permission_policy_types
	managed(r)
	is_unknown(r, "policy")
}

_unknown_sso_attr(r) := {"inline_policy" |
	r.type == "aws_ssoadmin_permission_set_inline_policy"
	is_unknown(r, "inline_policy")
}

_unknown_role_inline(r) := {sprintf("inline_policy[%d].policy", [i]) |
	r.type == "aws_iam_role"
	is_array(unknowns(r).inline_policy)
	some i, u in unknowns(r).inline_policy
	obj(u).policy == true
	not referenced(r, "inline_policy.policy")
}

_unknown_data_doc(r) := {"statement" |
	is_policy_document_data(r)
	not policy_doc(val(r, "json"))
	not is_array(val(r, "statement"))
	unknowns(r).statement == true
}

# permission_statements(r): every normalised statement of every identity policy the resource carries.
permission_statements(r) := [st | some d in permission_docs(r); some st in d.statements]

allow_statements(r) := [st | some st in permission_statements(r); st.effect == "Allow"]

# ---------------------------------------------------------------------------------------------------
# Action matching (case-insensitive IAM wildcards)
# ---------------------------------------------------------------------------------------------------

# Only plain IAM action patterns go to glob.match; anything else is compared literally (never an error).
safe_action_pattern(p) if regex.match(`^[a-z0-9:*?_.\-]+$`, p)

is_wildcard_pattern(p) if contains(p, "*")

is_wildcard_pattern(p) if contains(p, "?")

# action_matches(pattern, action): IAM semantics, both lower-cased; "*" matches every action.
action_matches(pattern, action) if {
	is_string(pattern)
	is_string(action)
	lower(pattern) == lower(action)
}

action_matches(pattern, action) if {
	is_string(pattern)
	is_string(action)
	p := lower(pattern)
	is_wildcard_pattern(p)
	safe_action_pattern(p)
	glob.match(p, [], lower(action))
}

# allows_action(st, a): an Allow statement grants the concrete action a (through Action or NotAction).
allows_action(st, a) if {
	st.effect == "Allow"
	some p in st.actions
	action_matches(p, a)
}

allows_action(st, a) if {
	st.effect == "Allow"
	st.has_not_action
	every p in st.not_actions {
		not action_matches(p, a)
	}
}

# all_actions(st): an Allow statement that grants every action ("*" or NotAction).
all_actions(st) if {
	st.effect == "Allow"
	"*" in st.actions
}

all_actions(st) if {
	st.effect == "Allow"
	st.has_not_action
}

# service_of(action) / name_of(action): "s3:getobject" -> "s3" / "getobject".
service_of(a) := split(a, ":")[0] if contains(a, ":")

service_of(a) := "*" if not contains(a, ":")

name_of(a) := concat(":", array.slice(parts, 1, count(parts))) if {
	contains(a, ":")
	parts := split(a, ":")
}

name_of(a) := a if not contains(a, ":")

# action_display(st): the statement's actions for messages.
action_display(st) := concat(", ", st.actions) if count(st.actions) > 0

action_display(st) := sprintf("NotAction [%s]", [concat(", ", st.not_actions)]) if {
	count(st.actions) == 0
	st.has_not_action
}

action_display(st) := "(none)" if {
	count(st.actions) == 0
	not st.has_not_action
}

# ---------------------------------------------------------------------------------------------------
# Resources and principals
# ---------------------------------------------------------------------------------------------------

# wildcard_resource(st): the statement applies to every resource ("*" or NotResource).
wildcard_resource(st) if "*" in st.resources

wildcard_resource(st) if st.has_not_resource

# broad_resource(st): wildcard, or a resource pattern ending in "*" (e.g. arn:aws:iam::123456789012:role/*).
broad_resource(st) if wildcard_resource(st)

broad_resource(st) if {
	some res in st.resources
	endswith(res, "*")
}

# any_principal(st): "*", {"AWS": "*"} or an Allow with NotPrincipal.
any_principal(st) if {
	some e in st.principals
	e.id == "*"
	lower_str(e.type) in {"*", "aws"}
}

any_principal(st) if {
	st.effect == "Allow"
	st.has_not_principal
}

# condition_keys(st): the lower-cased condition keys of the statement.
condition_keys(st) := {c.variable | some c in st.conditions}

# Condition keys that pin who may use an otherwise open grant.
restricting_condition_keys := {
	"sts:externalid", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
	"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip",
	"aws:sourceorgid", "aws:sourceorgpaths", "aws:userid", "aws:username", "aws:calledvia",
	"kms:calleraccount", "kms:viaservice", "s3:dataaccesspointaccount",
	"token.actions.githubusercontent.com:sub", "cognito-identity.amazonaws.com:aud",
}

# restricting_condition(st): a condition pins the caller (ExternalId, organisation, account, source, OIDC subject).
restricting_condition(st) if {
	some c in st.conditions
	c.variable in restricting_condition_keys
	not wildcard_only_values(c)
}

restricting_condition(st) if {
	some c in st.conditions
	endswith(c.variable, ":sub")
	not wildcard_only_values(c)
}

wildcard_only_values(c) if {
	count(c.values) > 0
	every v in c.values {
		v == "*"
	}
}

# ---------------------------------------------------------------------------------------------------
# Policies held by plan resources (resource policies, policies built from data.aws_iam_policy_document)
# ---------------------------------------------------------------------------------------------------

# attr_statements(r, attr, resources): normalised statements of the policy JSON at r.values[attr]; when that value is
# known only after apply but references a data.aws_iam_policy_document of the plan, the statements of that document.
attr_statements(r, attr, resources) := doc_statements(doc) if {
	doc := policy_doc(values(r)[attr])
} else := [st |
	some ref in refs(r, attr)
	some d in resources
	is_policy_document_data(d)
	ref_matches(ref, d.address)
	some st in permission_statements(d)
]

# attr_policy_unresolved(r, attr, resources): the policy at attr is known only after apply and is not a plan document.
attr_policy_unresolved(r, attr, resources) if {
	not policy_doc(val(r, attr))
	unknown_flag(r, attr)
	not has_value(r, attr)
	not _refs_policy_document(r, attr, resources)
}

_refs_policy_document(r, attr, resources) if {
	some ref in refs(r, attr)
	some d in resources
	is_policy_document_data(d)
	ref_matches(ref, d.address)
}
