package edulibra.rules.s3_bucket_secure_transport

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-002",
	"title": "S3 bucket policies deny requests that do not use TLS",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Attach an aws_s3_bucket_policy with a Deny statement for all principals and s3:* when the condition Bool aws:SecureTransport is \"false\".",
	"references": ["CKV_AWS_379"],
	"description": "S3 still accepts plain HTTP requests unless the bucket policy refuses them, so data can travel unencrypted between clients and the bucket.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

buckets := [b | some b in input.resources; b.type == "aws_s3_bucket"; lib.managed(b)]

bucket_policies := [p | some p in input.resources; p.type == "aws_s3_bucket_policy"]

linked_policies(b) := [p | some p in bucket_policies; lib.links(p, "bucket", b)]

undetermined_policies := [p | some p in bucket_policies; lib.link_undetermined(p, "bucket")]

# every statement of every policy that applies to the bucket (separate resources and the inline v3 attribute)
statements(b) := array.concat(
	[st | some p in linked_policies(b); some st in lib.attr_statements(p, "policy", input.resources)],
	inline_statements(b),
)

false_value(v) if v == false

false_value(v) if lib.lower_str(v) == "false"

inline_statements(b) := lib.doc_statements(doc) if {
	doc := lib.policy_doc(lib.val(b, "policy"))
} else := []

enforces_tls(st) if {
	st.effect == "Deny"
	some c in st.conditions
	c.variable == "aws:securetransport"
	some v in c.values
	false_value(v)
}

enforces_tls(st) if {
	st.effect == "Deny"
	some c in st.conditions
	c.variable == "s3:tlsversion"
	startswith(lib.lower_str(c.test), "numericlessthan")
}

unresolved(b) if {
	some p in linked_policies(b)
	lib.attr_policy_unresolved(p, "policy", input.resources)
}

unresolved(b) if count(undetermined_policies) > 0

# The bucket's own policy attribute is computed by provider v4+ (it mirrors aws_s3_bucket_policy), so an unknown
# inline policy is not a pending policy: only separate aws_s3_bucket_policy resources and known inline JSON count.

enforced(b) if {
	some st in statements(b)
	enforces_tls(st)
}

deny contains {"resource": b.address, "msg": msg} if {
	some b in buckets
	not enforced(b)
	not unresolved(b)
	msg := sprintf("%s has no bucket policy statement denying requests without TLS (aws:SecureTransport = false)", [b.address])
}

unknown contains {"resource": b.address, "msg": msg} if {
	some b in buckets
	not enforced(b)
	unresolved(b)
	msg := sprintf("%s: its bucket policy is known only after apply", [b.address])
}
