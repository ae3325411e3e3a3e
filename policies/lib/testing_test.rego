# Test support: builds rule inputs the way the engine does (validator/src/plan.rs), so tests can be written with
# plain resources: `parsed` (JSON documents found in string values, by dotted path without block indexes) and
# `referenced_by` (the reverse of every resource's `references`). A _test file, so `check` never loads it; no rule
# uses it.
package edulibra.lib.testing

import rego.v1

import data.edulibra.lib

# resource(r): r with `parsed` (and an empty `referenced_by`) as the engine adds them; keys r already has win.
resource(r) := object.union({"parsed": parsed(object.get(r, "values", {})), "referenced_by": []}, r)

# plan(rs): every resource of rs with `parsed` and `referenced_by` computed over rs.
plan(rs) := [object.union({"parsed": parsed(object.get(r, "values", {})), "referenced_by": referenced_by(r, rs)}, r) | some r in rs]

parsed(values) := {p: [json.unmarshal(x[1]) | some x in leaves; x[0] == p] | some p in {x[0] | some x in leaves}} if {
	leaves := [x | some x in _leaves(values); _json_text(x[1])]
}

# String leaves [dotted path, string] of values, three object levels deep (regorus has no walk), arrays flattened.
_leaves(values) := array.concat(array.concat(
	[[k, a] | some k, v in values; some a in _flat(v); is_string(a)],
	[[concat(".", [k, k2]), b] | some k, v in values; some a in _flat(v); is_object(a); some k2, v2 in a; some b in _flat(v2); is_string(b)],
), [[concat(".", [k, k2, k3]), c] |
	some k, v in values
	some a in _flat(v)
	is_object(a)
	some k2, v2 in a
	some b in _flat(v2)
	is_object(b)
	some k3, v3 in b
	some c in _flat(v3)
	is_string(c)
])

_flat(x) := [e | some y in x; some e in _flat1(y)] if {
	is_array(x)
} else := [x]

_flat1(y) := y if {
	is_array(y)
} else := [y]

_json_text(v) if {
	is_string(v)
	regex.match(`^[ \t\r\n]*[\[{]`, v)
	json.is_valid(v)
}

# The engine links a reference to a resource by its address, or by its address without the last instance key.
referenced_by(r, rs) := sort({{"address": c.address, "type": c.type, "path": p} |
	some c in rs
	some p, targets in object.get(c, "references", {})
	is_array(targets)
	some t in targets
	t in {r.address, lib.strip_trailing_index(r.address)}
})
