# Shared helpers for the EduLibra built-in rules.
#
# Every helper is total and type-guarded: regorus aborts the whole evaluation on a builtin type error
# (strict builtin errors), so nothing here calls a builtin on a value whose type it has not checked.
# Deterministic only: no http, time or random builtins.
#
# Speed: regorus pays several microseconds per user-function call (twice that for functions with several
# definitions, which are all evaluated) and per package-level rule, for every resource and every rule. Helpers
# are therefore single definitions (else-chains stop at the first match), read fields directly and prefer
# builtins; hot rules inline the simple ones. JSON strings are parsed once by the engine (`input.resource.parsed`)
# and plan rules join through `input.resource.referenced_by` plus lookup objects built once per evaluation.
package edulibra.lib

import rego.v1

# ---------------------------------------------------------------------------------------------------
# Generic values
# ---------------------------------------------------------------------------------------------------

# as_array(x): arrays as they are, sets as sorted arrays, null/undefined as [], anything else as [x].
as_array(x) := x if {
	is_array(x)
} else := sort([y | some y in x]) if {
	is_set(x)
} else := [] if {
	is_null(x)
} else := [x]

# obj(x): x when it is an object, {} otherwise (object.get errors on non-objects in regorus).
obj(x) := x if {
	is_object(x)
} else := {}

# lower_str(x): lower-cased string, "" for anything that is not a string.
lower_str(x) := lower(x) if {
	is_string(x)
} else := ""

# non_empty(v): a configured value (not null, not "", not [], not {}).
non_empty(v) if {
	not is_null(v)
	v != ""
	v != []
	v != {}
}

values(r) := v if {
	v := r.values
	is_object(v)
} else := {}

unknowns(r) := u if {
	u := r.unknown
	is_object(u)
} else := {}

# The helpers below read r.values / r.unknown / r.references directly (the engine always gives objects; a missing
# one reads as empty), rather than through values()/unknowns(): fewer calls per resource and rule.

# has_value(r, attr): the planned value is present and not null.
has_value(r, attr) if r.values[attr] != null

# is_configured(r, attr): present, not null, not empty.
is_configured(r, attr) if {
	v := r.values[attr]
	not is_null(v)
	v != ""
	v != []
	v != {}
}

# refs(r, path): the plan resources the configuration expression at path references (dotted path, no indexes).
refs(r, path) := x if {
	x := r.references[path]
	is_array(x)
} else := []

referenced(r, path) if {
	x := r.references[path]
	is_array(x)
	count(x) > 0
}

# unknown_flag(r, attr): the top-level attribute is known only after apply.
unknown_flag(r, attr) if r.unknown[attr] == true

# val(r, attr): the planned value, null when absent.
val(r, attr) := v if {
	v := r.values[attr]
} else := null

# pending(r, attr): absent from the planned values because it is known only after apply (referenced or not);
# boolean and numeric checks use it, since a reference does not tell which value will come.
pending(r, attr) if {
	r.unknown[attr] == true
	not r.values[attr] != null
}

# left_out(r, attr): the plan carries the resource's configuration (input.resource.configured) and it does not write
# attr: AWS or the provider picks the value, and a rule judges the default it records in metadata.assumes instead of
# reporting unknown. Terraform's printed configuration omits `dynamic` blocks, so a block that has planned values but
# is not in the configuration, and anything inside it, is never left out.
left_out(r, attr) if {
	c := r.configured
	is_object(c)
	not c[attr]
	not _dynamic_block(r, c, attr)
}

_dynamic_block(r, c, attr) if {
	first := split(attr, ".")[0]
	not c[first]
	non_empty(object.get(r.values, first, null))
}

# defaulted(r, attr): known only after apply because the configuration left it out (AWS's or the provider's default).
defaulted(r, attr) if {
	pending(r, attr)
	left_out(r, attr)
}

# is_unknown(r, attr): known only after apply, absent from values and not a reference to a plan resource.
is_unknown(r, attr) if {
	r.unknown[attr] == true
	not r.values[attr] != null
	not referenced(r, attr)
}

# set_or_referenced(r, attr): configured to a non-empty value, or references a resource of the plan.
set_or_referenced(r, attr) if {
	is_configured(r, attr)
} else if {
	referenced(r, attr)
}

# first_block(r, name): the first element of a nested block list, {} when the block is missing or empty.
first_block(r, name) := b if {
	l := r.values[name]
	is_array(l)
	b := l[0]
	is_object(b)
} else := {}

# blocks(r, name): the elements of a nested block list ([] when missing; non-object elements as {}).
blocks(r, name) := l if {
	l := r.values[name]
	is_array(l)
	every b in l {
		is_object(b)
	}
} else := [obj(b) | some b in l] if {
	l := r.values[name]
	is_array(l)
} else := []

# block_unknown(r, name): the whole block is unknown (computed) or not configured but unknown.
block_unknown(r, name) if r.unknown[name] == true

# nested_unknown(r, block, attr): attribute attr of some element of block is known only after apply
# (or the whole block is), and the configuration does not reference a plan resource for it.
nested_unknown(r, block, attr) if {
	_nested_flag(r.unknown[block], attr)
	not referenced(r, concat(".", [block, attr]))
}

_nested_flag(u, attr) if {
	u == true
} else if {
	is_array(u)
	some e in u
	e[attr] == true
}

# ---------------------------------------------------------------------------------------------------
# Addresses and references between plan resources
# ---------------------------------------------------------------------------------------------------

strip_indexes(a) := regex.replace(a, `\[[^\]]*\]`, "") if {
	is_string(a)
} else := ""

strip_trailing_index(a) := regex.replace(a, `\[[^\]]*\]$`, "") if {
	is_string(a)
} else := ""

# address_keys(a): every form a reference may name the resource at a by: the address, without its last instance key,
# without any instance key (regex only when there is an index: regex.match/replace compile on every call).
address_keys(a) := {a, strip_trailing_index(a), strip_indexes(a)} if {
	contains(a, "[")
} else := {a}

# ref_matches(ref, addr): a reference (indexes stripped) names the resource at addr.
ref_matches(ref, addr) if {
	ref == addr
} else if {
	is_string(addr)
	ref == strip_trailing_index(addr)
} else if {
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
	is_string(a)
	a != ""
	a == b
}

# The attributes of a parent resource that a child may name it by (value links, e.g. bucket = "my-bucket").
link_value_attrs := ["id", "arn", "name", "bucket"]

# links(child, path, parent_res): child's attribute path references parent_res, or child's value at path equals one of
# parent_res's known values at id, arn, name or bucket. Pairwise: plan rules use the indexes below instead.
links(child, path, parent_res) if {
	refers_to(child, path, parent_res)
} else if {
	some v in as_array(values(child)[path])
	some a in ["id", "arn", "name", "bucket"]
	same_known(v, values(parent_res)[a])
}

# link_undetermined(child, path): the child's attribute is known only after apply and references no plan resource,
# so which resource it points at cannot be told from the plan.
link_undetermined(child, path) if {
	child.unknown[path] == true
	not child.values[path] != null
	not referenced(child, path)
}

resources_of_type(resources, types) := [r | some r in resources; r.type in types]

managed(r) if object.get(r, "mode", "managed") != "data"

# ---------------------------------------------------------------------------------------------------
# Joins in plan rules (linear in the plan size)
# ---------------------------------------------------------------------------------------------------

# group_pairs(pairs): [[key, value], ...] -> {key: [value, ...]} (values in sorted order). Keys may repeat (several
# plans checked together can share addresses, several children can name one parent), which an object comprehension
# keyed directly would turn into a conflict error.
group_pairs(pairs) := {p[0]: [p[1]] | some p in pairs} if {
	count({p[0] | some p in pairs}) == count(pairs)
} else := {s[k][0]: [s[m][1] | some m in numbers.range(k, ends[j] - 1)] | some j, k in starts} if {
	s := sort(pairs)
	starts := array.concat([0 | count(s) > 0], [k | some k, p in s; k > 0; s[k - 1][0] != p[0]])
	ends := array.concat(array.slice(starts, 1, count(starts)), [count(s)])
}

# index_by_address(rs): address -> [index into rs].
index_by_address(rs) := group_pairs([[r.address, i] | some i, r in rs])

# index_by_link_values(rs, paths): known string value at one of paths (or an element of it) -> [index into rs]:
# the children that may name a parent by value (bucket = "my-bucket").
index_by_link_values(rs, paths) := group_pairs([[v, i] |
	some i, r in rs
	some p in paths
	vv := r.values[p]
	some v in object.get({"array": vv}, type_name(vv), [vv])
	is_string(v)
	v != ""
])

# referrers(parents, paths): parent address -> [address of every resource that references a parent at that address
# through one of paths (from parent.referenced_by)]. Keyed by address, as the pairwise links() matched addresses: with
# several plans checked together, a parent is linked to what references its address in any of them.
referrers(parents, paths) := {p.address: [x.address | some x in p.referenced_by; x.path in paths] | some p in parents} if {
	# one parent per address (the usual case): no grouping needed
	count({p.address | some p in parents}) == count(parents)
} else := group_pairs([[p.address, x.address] |
	some p in parents
	some x in p.referenced_by
	x.path in paths
])

# linked_indexes(parent, children, by_address, by_value, referrers): indexes (into children) of the children that link
# parent: by reference (referrers, from referenced_by) or by value (a child's value at a link path equals the parent's
# id, arn, name or bucket). Same verdicts as links(child, path, parent) over every pair.
linked_indexes(parent, children, by_address, by_value, referrers) := {i |
	some a in referrers[parent.address]
	some i in by_address[a]
} | {i |
	some a in ["id", "arn", "name", "bucket"]
	v := parent.values[a]
	is_string(v)
	v != ""
	some i in by_value[v]
}

# ---------------------------------------------------------------------------------------------------
# Stages and tags
# ---------------------------------------------------------------------------------------------------

stage_tag_keys := {"stage", "environment", "env", "edulibra:stage"}

prod_stage_values := {"prod", "production"}

tag_objects(r) := [t | some key in ["tags", "tags_all"]; t := values(r)[key]; is_object(t)]

is_prod(r) if {
	some key in ["tags", "tags_all"]
	t := values(r)[key]
	is_object(t)
	some k, v in t
	lower_str(k) in {"stage", "environment", "env", "edulibra:stage"}
	lower_str(v) in {"prod", "production"}
}

# is_prod_in_plan(r, resources): r is tagged prod, or it was unfolded from an edulibra_environment whose stage is prod.
is_prod_in_plan(r, resources) if {
	is_prod(r)
} else if {
	p := object.get(obj(r), "parent", null)
	is_string(p)
	some env in resources
	env.address == p
	lower_str(values(env).stage) in {"prod", "production"}
}

# ---------------------------------------------------------------------------------------------------
# IAM policy documents
# ---------------------------------------------------------------------------------------------------

# policy_doc(x): x when it is already a policy document object; undefined otherwise. JSON strings are parsed by the
# engine into input.resource.parsed: use doc_of(r, attr).
policy_doc(x) := x if is_object(x)

# doc_of(r, attr): the policy document at values[attr]: the value itself when it is an object, else the document the
# engine parsed from the JSON string (undefined for invalid JSON or a non-object document).
doc_of(r, attr) := d if {
	is_string(r.values[attr])
	d := r.parsed[attr][0]
	is_object(d)
} else := d if {
	d := r.values[attr]
	is_object(d)
}

# statements(doc): the Statement element as an array (it may be a single object).
statements(doc) := [s | some s in st; is_object(s)] if {
	st := doc.Statement
	is_array(st)
} else := [st] if {
	st := doc.Statement
	is_object(st)
} else := []

lower_strings(x) := [lower(s) | some s in as_array(x); is_string(s)]

strings_of(x) := [s | some s in as_array(x); is_string(s)]

# action_list(s) / not_action_list(s) / resource_list(s) / not_resource_list(s): normalised to arrays (actions lower-cased).
action_list(s) := lower_strings(object.get(obj(s), "Action", []))

not_action_list(s) := lower_strings(object.get(obj(s), "NotAction", []))

resource_list(s) := strings_of(object.get(obj(s), "Resource", []))

not_resource_list(s) := strings_of(object.get(obj(s), "NotResource", []))

effect_of(e) := "Deny" if {
	lower_str(e) == "deny"
} else := "Allow"

# Principal entries as {"type", "id"} pairs: "*" -> {"type": "*", "id": "*"}.
json_principal_entries(p) := [{"type": "*", "id": "*"}] if {
	p == "*"
} else := [{"type": t, "id": id} |
	some t, ids in p
	some id in as_array(ids)
	is_string(id)
] if {
	is_object(p)
} else := []

json_conditions(c) := [{"test": op, "variable": lower(k), "values": as_array(v)} |
	some op, m in c
	is_object(m)
	some k, v in m
	is_string(k)
] if {
	is_object(c)
} else := []

# Builtin-only normalisation of one JSON value to an array (as as_array for JSON values, without a call).
# object.get({"array": x}, type_name(x), [x]) is [x] for a string, x for an array; null gives [null], which every
# user filters out with is_string.

# norm_json_statement(s): the common statement shape used by every IAM rule.
norm_json_statement(s) := {
	"sid": object.get(s, "Sid", ""),
	"effect": object.get({"deny": "Deny"}, lower(object.get({"string": e}, type_name(e), "")), "Allow"),
	"actions": [lower(x) | some x in object.get({"array": a}, type_name(a), [a]); is_string(x)],
	"not_actions": [lower(x) | some x in object.get({"array": na}, type_name(na), [na]); is_string(x)],
	"has_not_action": "NotAction" in ks,
	"resources": [x | some x in object.get({"array": rs}, type_name(rs), [rs]); is_string(x)],
	"not_resources": [x | some x in object.get({"array": nr}, type_name(nr), [nr]); is_string(x)],
	"has_not_resource": "NotResource" in ks,
	"principals": json_principal_entries(object.get(s, "Principal", null)),
	"not_principals": json_principal_entries(object.get(s, "NotPrincipal", null)),
	"has_not_principal": "NotPrincipal" in ks,
	"conditions": json_conditions(object.get(s, "Condition", null)),
} if {
	ks := object.keys(s)
	e := object.get(s, "Effect", "Allow")
	a := object.get(s, "Action", [])
	na := object.get(s, "NotAction", [])
	rs := object.get(s, "Resource", [])
	nr := object.get(s, "NotResource", [])
}

# lite_statement(s): the fields identity-policy rules read (no principals or conditions), for a JSON statement.
lite_statement(s) := {
	"effect": object.get({"deny": "Deny"}, lower(object.get({"string": e}, type_name(e), "")), "Allow"),
	"actions": [lower(x) | some x in object.get({"array": a}, type_name(a), [a]); is_string(x)],
	"not_actions": [lower(x) | some x in object.get({"array": na}, type_name(na), [na]); is_string(x)],
	"has_not_action": "NotAction" in ks,
	"resources": [x | some x in object.get({"array": rs}, type_name(rs), [rs]); is_string(x)],
	"has_not_resource": "NotResource" in ks,
} if {
	ks := object.keys(s)
	e := object.get(s, "Effect", "Allow")
	a := object.get(s, "Action", [])
	na := object.get(s, "NotAction", [])
	rs := object.get(s, "Resource", [])
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

# raw_permission_docs(r): [{"attr", "doc"}] with the identity policy documents of r as JSON documents, or
# [{"attr", "blocks"}] for a data.aws_iam_policy_document whose json is not known (statement blocks).
# The resource types are disjoint, so the first matching branch is the only one.
raw_permission_docs(r) := [{"attr": "policy", "doc": d} | d := doc_of(r, "policy")] if {
	r.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
	object.get(r, "mode", "managed") != "data"
} else := [{"attr": "inline_policy", "doc": d} | d := doc_of(r, "inline_policy")] if {
	r.type == "aws_ssoadmin_permission_set_inline_policy"
} else := _role_inline_docs(r) if {
	r.type == "aws_iam_role"
} else := [{"attr": "json", "doc": d}] if {
	is_policy_document_data(r)
	d := doc_of(r, "json")
} else := [{"attr": "statement", "blocks": l}] if {
	is_policy_document_data(r)
	l := r.values.statement
	is_array(l)
} else := []

# Inline policies of a role: parsed["inline_policy.policy"] holds the documents of the blocks whose policy string is
# valid JSON, in block order; when every string policy parsed, the k-th document belongs to the k-th such block.
_role_inline_docs(r) := [] if {
	not is_array(values(r).inline_policy)
} else := [{"attr": concat("", ["inline_policy[", format_int(i, 10), "]"]), "doc": d} |
	some i, b in values(r).inline_policy
	is_object(b.policy)
	d := b.policy
] if {
	count([1 | some b in values(r).inline_policy; is_string(b.policy)]) == 0
} else := [{"attr": concat("", ["inline_policy[", format_int(i, 10), "]"]), "doc": d} |
	some k, i in idx
	d := docs[k]
	is_object(d)
] if {
	idx := [i | some i, b in values(r).inline_policy; is_string(b.policy)]
	docs := object.get(r, ["parsed", "inline_policy.policy"], [])
	count(docs) == count(idx)
	count([1 | some b in values(r).inline_policy; is_object(b.policy)]) == 0
} else := [{"attr": concat("", ["inline_policy[", format_int(i, 10), "]"]), "doc": d} |
	# Some policy string did not parse (or documents and objects mix): find each block's own document. Terraform
	# rejects invalid policy JSON at plan time, so this path is only for hand-written plans.
	some i, b in values(r).inline_policy
	d := _inline_block_doc(b.policy)
]

_inline_block_doc(p) := p if {
	is_object(p)
} else := d if {
	is_string(p)
	json.is_valid(p)
	d := json.unmarshal(p)
	is_object(d)
}

permission_docs(r) := [_norm_doc(x) | some x in raw_permission_docs(r)]

_norm_doc(x) := {"attr": x.attr, "statements": doc_statements(x.doc)} if {
	x.doc
} else := {"attr": x.attr, "statements": [norm_block_statement(obj(s)) | some s in x.blocks]}

# identity_raw_statements(r): [[attr, statement], ...] for every statement of every identity policy of r, each as its
# JSON object (statement blocks of a data.aws_iam_policy_document converted to that form); identity_facts normalises
# them with lite_statement.
identity_raw_statements(r) := [] if {
	# fast paths first (same results as the general form at the end): a role without inline policies, a
	# permission policy whose JSON string the engine parsed
	r.type == "aws_iam_role"
	not is_array(r.values.inline_policy)
} else := [["policy", st] | some st in sts; is_object(st)] if {
	is_string(r.values.policy)
	r.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
	d := r.parsed.policy[0]
	s := d.Statement
	sts := object.get({"array": s}, type_name(s), [s])
	object.get(r, "mode", "managed") != "data"
} else := [["policy", st] | some st in statements(d)] if {
	r.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
	object.get(r, "mode", "managed") != "data"
	d := doc_of(r, "policy")
} else := [] if {
	r.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
} else := [[x.attr, st] | some x in raw_permission_docs(r); some st in _raw_statements(x)]

_raw_statements(x) := statements(x.doc) if {
	x.doc
} else := [_block_as_json(b.effect, b.actions, b.not_actions, b.resources, b.not_resources) |
	some s in x.blocks
	b := object.union({"effect": "Allow", "actions": [], "not_actions": [], "resources": [], "not_resources": []}, obj(s))
]

# A statement block in JSON statement form, with the lite_statement fields of norm_block_statement: NotAction /
# NotResource present only when the block lists some (as has_not_action / has_not_resource there).
_block_as_json(effect, actions, not_actions, resources, not_resources) := object.union(
	{"Effect": effect_of(effect), "Action": lower_strings(actions), "Resource": strings_of(resources)},
	object.union(
		{"NotAction": lower_strings(not_actions) | count(as_array(not_actions)) > 0},
		{"NotResource": strings_of(not_resources) | count(as_array(not_resources)) > 0},
	),
)

# identity(r): what the IAM least-privilege rules read of r's identity policies, worked out once per resource:
#   statements: [{"attr": path, "st": lite_statement, "all_actions": bool, "wildcard_resource": bool,
#     "services": {service_of(a) | a in st.actions}}, ...], one per statement of identity_raw_statements(r), in its order;
#   unknown_attrs: unknown_policy_attrs(r).
# Ten rules read the same statements of the same 1,600 resources in a 10,000-resource plan, and normalising them was
# most of each rule's time. The engine stores identity_facts(r) as input.resource.identity for every resource of
# iam_policy_subject_types before the compiled rules run (validator/src/identity.rs); without it (the interpreter,
# the rules' own tests) it is computed here, by the same function.
identity(r) := f if {
	f := object.get(r, "identity", null)
	is_object(f)
} else := identity_facts(r)

identity_facts(r) := {
	"statements": [{
		"attr": x[0], "st": st, "all_actions": count([1 | all_actions(st)]) > 0,
		"wildcard_resource": count([1 | wildcard_resource(st)]) > 0, "services": {service_of(a) | some a in st.actions},
	} |
		some x in identity_raw_statements(r)
		st := lite_statement(x[1])
	],
	"unknown_attrs": unknown_policy_attrs(r),
}

# The engine's entry point for input.resource.identity.
engine_identity := identity_facts(input.resource)

# unknown_policy_attrs(r): policy attributes known only after apply that reference no plan resource.
unknown_policy_attrs(r) := set() if {
	r.type == "aws_iam_role"
	not is_array(r.unknown.inline_policy)
} else := {"policy" |
	r.unknown.policy == true
	not r.values.policy != null
	not referenced(r, "policy")
} if {
	r.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
	object.get(r, "mode", "managed") != "data"
} else := {"inline_policy" |
	r.unknown.inline_policy == true
	not r.values.inline_policy != null
	not referenced(r, "inline_policy")
} if {
	r.type == "aws_ssoadmin_permission_set_inline_policy"
} else := {concat("", ["inline_policy[", format_int(i, 10), "].policy"]) |
	some i, u in r.unknown.inline_policy
	u.policy == true
	not referenced(r, "inline_policy.policy")
} if {
	r.type == "aws_iam_role"
	is_array(r.unknown.inline_policy)
} else := set() if {
	r.type == "aws_iam_role"
} else := {"statement" |
	not doc_of(r, "json")
	not is_array(val(r, "statement"))
	r.unknown.statement == true
} if {
	is_policy_document_data(r)
} else := set()

# permission_statements(r): every normalised statement of every identity policy the resource carries.
permission_statements(r) := [st | some d in permission_docs(r); some st in d.statements]

allow_statements(r) := [st | some st in permission_statements(r); st.effect == "Allow"]

# ---------------------------------------------------------------------------------------------------
# Action matching (case-insensitive IAM wildcards)
# ---------------------------------------------------------------------------------------------------

# Only plain IAM action patterns go to glob.match; anything else is compared literally (never an error).
# (regex.match compiles its pattern on every call in regorus, about 0.1 ms: the checks below use string builtins and
# give the same answers as the patterns ^[a-z0-9:*?_.\-]+$ and [*?].)
safe_action_pattern(p) if {
	p != ""
	trim(p, "abcdefghijklmnopqrstuvwxyz0123456789:*?_.-") == ""
}

is_wildcard_pattern(p) if {
	contains(p, "*")
} else if {
	contains(p, "?")
}

# action_matches(pattern, action): IAM semantics, both lower-cased; "*" matches every action.
action_matches(pattern, action) if {
	is_string(pattern)
	is_string(action)
	lower(pattern) == lower(action)
} else if {
	is_string(pattern)
	is_string(action)
	p := lower(pattern)
	is_wildcard_pattern(p)
	safe_action_pattern(p)
	glob.match(p, [], lower(action))
}

# granted(st, candidates): the candidate actions (a set of lower-case action names without dots, like the rules'
# fixed lists) that an Allow statement grants, through Action or NotAction: {a in candidates | allows_action(st, a)},
# computed with set operations.
granted(st, candidates) := _granted_by_actions(st.actions, candidates) | _granted_by_not_actions(st, candidates) if {
	st.effect == "Allow"
} else := set()

# glob.match with no delimiters uses ".": "*" matches any run of characters without a dot. So "*" grants every
# candidate without a dot (and no other pattern can add one: candidates have no dots), "svc:prefix*" (no other
# wildcard) every candidate starting with "svc:prefix" whose rest has no dot; other wildcard patterns go to
# glob.match. Same results as action_matches over every pair, without a call per pair.
_granted_by_actions(patterns, candidates) := (candidates & {p | some p in patterns}) | {a |
	some a in candidates
	not contains(a, ".")
} if {
	"*" in patterns
} else := (candidates & {p | some p in patterns}) | _granted_by_wildcards(wild, candidates) if {
	wild := [p | some p in patterns; true in {contains(p, "*"), contains(p, "?")}]
	count(wild) > 0
} else := candidates & {p | some p in patterns}

_granted_by_wildcards(wild, candidates) := {a |
	some p in wild
	endswith(p, "*")
	prefix := trim_suffix(p, "*")
	not is_wildcard_pattern(prefix)
	safe_action_pattern(p)
	some a in candidates
	startswith(a, prefix)
	not contains(trim_prefix(a, prefix), ".")
} | {a |
	some p in wild
	is_wildcard_pattern(trim_suffix(p, "*"))
	safe_action_pattern(p)
	some a in candidates
	glob.match(p, [], a)
}

_granted_by_not_actions(st, candidates) := {a |
	some a in candidates
	not a in st.not_actions
	not _glob_any(st.not_actions, a)
} if {
	st.has_not_action
} else := set()

_glob_any(patterns, a) if {
	some p in patterns
	is_wildcard_pattern(p)
	safe_action_pattern(p)
	glob.match(p, [], a)
}

# allows_action(st, a): an Allow statement grants the concrete action a (through Action or NotAction).
allows_action(st, a) if {
	st.effect == "Allow"
	some p in st.actions
	action_matches(p, a)
} else if {
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
} else if {
	st.effect == "Allow"
	st.has_not_action
}

# service_of(action) / name_of(action): "s3:getobject" -> "s3" / "getobject".
service_of(a) := split(a, ":")[0] if {
	contains(a, ":")
} else := "*"

name_of(a) := concat(":", array.slice(parts, 1, count(parts))) if {
	contains(a, ":")
	parts := split(a, ":")
} else := a

# action_display(st): the statement's actions for messages.
action_display(st) := concat(", ", st.actions) if {
	count(st.actions) > 0
} else := sprintf("NotAction [%s]", [concat(", ", st.not_actions)]) if {
	st.has_not_action
} else := "(none)"

# ---------------------------------------------------------------------------------------------------
# Resources and principals
# ---------------------------------------------------------------------------------------------------

# wildcard_resource(st): the statement applies to every resource ("*" or NotResource).
wildcard_resource(st) if {
	"*" in st.resources
} else if {
	st.has_not_resource
}

# broad_resource(st): wildcard, or a resource pattern ending in "*" (e.g. arn:aws:iam::123456789012:role/*).
broad_resource(st) if {
	wildcard_resource(st)
} else if {
	some res in st.resources
	endswith(res, "*")
}

# any_principal(st): "*", {"AWS": "*"} or an Allow with NotPrincipal.
any_principal(st) if {
	some e in st.principals
	e.id == "*"
	lower_str(e.type) in {"*", "aws"}
} else if {
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
} else if {
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

# attr_statements(r, attr, documents): normalised statements of the policy JSON at r.values[attr]; when that value is
# known only after apply but references a data.aws_iam_policy_document of the plan, the statements of that document.
# documents: address -> [data.aws_iam_policy_document resources] (policy_documents_by_address).
attr_statements(r, attr, documents) := doc_statements(doc) if {
	doc := doc_of(r, attr)
} else := [st |
	some ref in refs(r, attr)
	some d in _documents_named(ref, documents)
	some st in permission_statements(d)
]

# policy_documents_by_address(resources): the data.aws_iam_policy_document resources of the plan, by address and by
# address without indexes (a reference names every instance), each -> [resource].
policy_documents_by_address(resources) := {k: [docs[i] | some i in l] | some k, l in group_pairs(keys)} if {
	docs := [d | some d in resources; d.type == "aws_iam_policy_document"; object.get(d, "mode", "data") == "data"]
	keys := [[k, i] |
		some i, d in docs
		some k in address_keys(d.address)
	]
}

_documents_named(ref, documents) := documents[ref] if {
	documents[ref]
} else := []

# attr_policy_unresolved(r, attr, documents): the policy at attr is known only after apply and is not a plan document.
attr_policy_unresolved(r, attr, documents) if {
	not doc_of(r, attr)
	unknowns(r)[attr] == true
	not values(r)[attr] != null
	not _refs_policy_document(r, attr, documents)
}

_refs_policy_document(r, attr, documents) if {
	some ref in refs(r, attr)
	count(_documents_named(ref, documents)) > 0
}
