package edulibra.lib_test

import rego.v1

import data.edulibra.lib

res(values, unknown, refs) := {
	"address": "aws_x.y", "module": "", "mode": "managed", "type": "aws_x", "name": "y", "action": "create",
	"values": values, "unknown": unknown, "sensitive": {}, "references": refs, "parent": null,
}

test_as_array if {
	lib.as_array("a") == ["a"]
	lib.as_array(["a", "b"]) == ["a", "b"]
	lib.as_array(null) == []
}

test_has_value_and_unknown if {
	r := res({"a": 1, "b": null}, {"c": true, "d": true}, {"d": ["aws_kms_key.k"]})
	lib.has_value(r, "a")
	not lib.has_value(r, "b")
	lib.is_unknown(r, "c")
	not lib.is_unknown(r, "d")
	lib.set_or_referenced(r, "d")
	not lib.set_or_referenced(r, "b")
	lib.pending(r, "d")
}

test_policy_doc_object_only if {
	lib.policy_doc({"Statement": []}) == {"Statement": []}
	not lib.policy_doc("{\"Statement\": []}")
	not lib.policy_doc(42)
}

# JSON strings are parsed by the engine into input.resource.parsed; doc_of reads them (or an object value).
test_doc_of_parsed_object_and_invalid if {
	r := {"values": {"policy": "{\"Statement\": []}", "bad": "{oops", "obj": {"Statement": []}, "arr": "[1]"},
		"parsed": {"policy": [{"Statement": []}], "arr": [[1]]}}
	lib.doc_of(r, "policy") == {"Statement": []}
	lib.doc_of(r, "obj") == {"Statement": []}
	not lib.doc_of(r, "bad")
	not lib.doc_of(r, "arr")
	not lib.doc_of(r, "missing")
}

test_group_pairs_repeated_keys if {
	lib.group_pairs([["b", 2], ["a", 1], ["b", 0]]) == {"a": [1], "b": [0, 2]}
	lib.group_pairs([]) == {}
}

test_linked_indexes_by_reference_and_by_value if {
	children := [
		{"address": "aws_x.c1", "type": "aws_x", "values": {}},
		{"address": "aws_x.c2", "type": "aws_x", "values": {"bucket": "data"}},
		{"address": "aws_x.c3", "type": "aws_x", "values": {"bucket": "other"}},
	]
	parent := {"address": "aws_s3_bucket.b", "values": {"bucket": "data"}, "referenced_by": [{"address": "aws_x.c1", "type": "aws_x", "path": "bucket"}]}
	referrers := lib.referrers([parent], ["bucket"])
	lib.linked_indexes(parent, children, lib.index_by_address(children), lib.index_by_link_values(children, ["bucket"]), referrers) == {0, 1}
}

test_role_inline_documents_keep_block_indexes if {
	r := {"type": "aws_iam_role", "mode": "managed", "values": {"inline_policy": [{"name": "a", "policy": "{oops"}, {"name": "b", "policy": "{\"Statement\": []}"}]},
		"parsed": {"inline_policy.policy": [{"Statement": []}]}}
	[x.attr | some x in lib.raw_permission_docs(r)] == ["inline_policy[1]"]
	r2 := {"type": "aws_iam_role", "mode": "managed", "values": {"inline_policy": [{"name": "a", "policy": "{}"}, {"name": "b", "policy": "{\"Statement\": []}"}]},
		"parsed": {"inline_policy.policy": [{}, {"Statement": []}]}}
	[x.attr | some x in lib.raw_permission_docs(r2)] == ["inline_policy[0]", "inline_policy[1]"]
}

test_statements_object_or_array if {
	count(lib.statements({"Statement": {"Effect": "Allow"}})) == 1
	count(lib.statements({"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]})) == 2
	count(lib.statements({})) == 0
}

test_action_matching if {
	lib.action_matches("*", "iam:passrole")
	lib.action_matches("IAM:Pass*", "iam:PassRole")
	lib.action_matches("iam:*", "iam:createpolicyversion")
	not lib.action_matches("iam:Get*", "iam:passrole")
	not lib.action_matches("s3:*", "iam:passrole")
	lib.action_matches("s3:[", "s3:[")
	not lib.action_matches("s3:[*", "s3:[x")
}

test_not_action_allows if {
	st := lib.norm_json_statement({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})
	lib.allows_action(st, "s3:getobject")
	not lib.allows_action(st, "iam:passrole")
	lib.all_actions(st)
	lib.wildcard_resource(st)
}

test_any_principal_and_conditions if {
	open := lib.norm_json_statement({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sts:AssumeRole"})
	lib.any_principal(open)
	not lib.restricting_condition(open)
	pinned := lib.norm_json_statement({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}})
	lib.any_principal(pinned)
	lib.restricting_condition(pinned)
}

test_data_document_statements if {
	d := {"address": "data.aws_iam_policy_document.d", "type": "aws_iam_policy_document", "mode": "data",
		"values": {"statement": [{"effect": null, "actions": ["S3:GetObject"], "resources": ["*"], "principals": [{"type": "AWS", "identifiers": ["*"]}]}]},
		"unknown": {"json": true}, "references": {}}
	sts := lib.permission_statements(d)
	count(sts) == 1
	sts[0].effect == "Allow"
	sts[0].actions == ["s3:getobject"]
	lib.any_principal(sts[0])
}

test_references_match_instances if {
	lib.ref_matches("module.vpc.aws_subnet.public", "module.vpc.aws_subnet.public[1]")
	lib.ref_matches("module.m.aws_s3_bucket.b", "module.m[\"k\"].aws_s3_bucket.b")
	not lib.ref_matches("aws_subnet.public", "aws_subnet.private[0]")
}

test_is_prod if {
	lib.is_prod(res({"tags": {"Stage": "Production"}}, {}, {}))
	lib.is_prod(res({"tags_all": {"edulibra:stage": "prod"}}, {}, {}))
	not lib.is_prod(res({"tags": {"Stage": "dev"}}, {}, {}))
	not lib.is_prod(res({"tags": null}, {}, {}))
}

test_identity_facts_of_a_policy if {
	doc := `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "NotAction": "s3:*", "Resource": "arn:aws:s3:::b"}]}`
	r := object.union(res({"policy": doc}, {}, {}), {"type": "aws_iam_policy", "parsed": {"policy": [json.unmarshal(doc)]}})
	f := lib.identity(r)
	[x.attr | some x in f.statements] == ["policy", "policy"]
	[x.all_actions | some x in f.statements] == [true, false]
	[x.wildcard_resource | some x in f.statements] == [true, false]
	f.statements[1].st.has_not_action
	f.statements[1].st.not_actions == ["s3:*"]
	f.unknown_attrs == set()
}

test_identity_reads_the_engine_facts_when_present if {
	facts := {"statements": [], "unknown_attrs": {"policy"}}
	doc := `{"Statement": {"Action": "*"}}`
	r := object.union(res({"policy": doc}, {}, {}), {"type": "aws_iam_policy", "parsed": {"policy": [json.unmarshal(doc)]}, "identity": facts})
	lib.identity(r) == facts
	# without them, the same resource's facts are worked out
	count(lib.identity(object.remove(r, ["identity"])).statements) == 1
}

test_left_out_needs_the_configuration_and_allows_for_dynamic_blocks if {
	written := {"values": {"setting": [{"name": "x"}]}, "unknown": {}, "configured": {"name": true}}
	lib.left_out(written, "kms_key_id")
	not lib.left_out(written, "name")
	# `setting` has planned values but no configuration: a dynamic block, never left out.
	not lib.left_out(written, "setting")
	not lib.left_out(written, "setting.value")
	# No configuration in the plan: nothing can be called left out.
	not lib.left_out({"values": {}, "unknown": {}, "configured": null}, "kms_key_id")
	not lib.left_out({"values": {}, "unknown": {}}, "kms_key_id")
	lib.defaulted({"values": {}, "unknown": {"kms_key_id": true}, "configured": {}}, "kms_key_id")
	not lib.defaulted({"values": {}, "unknown": {"kms_key_id": true}, "configured": {"kms_key_id": true}}, "kms_key_id")
}
