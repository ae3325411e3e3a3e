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
	"attributes": ["policy"],
	"compliance": {"aws-fsbp": ["S3.5"], "cis-aws-3.0.0": ["2.1.1"]},
	"description": "S3 still accepts plain HTTP requests unless the bucket policy refuses them, so data can travel unencrypted between clients and the bucket.",
}

resource_types := {"aws_s3_bucket"}

scope := "plan"

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := {"aws_s3_bucket", "aws_s3_bucket_policy", "aws_iam_policy_document"}

plan_resources := [r | some r in input.resources; r.type in plan_types]

buckets := [b | some b in plan_resources; b.type == "aws_s3_bucket"; object.get(b, "mode", "managed") != "data"]

bucket_policies := [p | some p in plan_resources; p.type == "aws_s3_bucket_policy"]

# data.aws_iam_policy_document resources by address (a policy built from one is known only after apply)
documents := lib.policy_documents_by_address(plan_resources)

policy_at := lib.index_by_address(bucket_policies)

policy_by_value := lib.index_by_link_values(bucket_policies, ["bucket"])

# bucket address -> addresses of what references it through bucket (from referenced_by)
bucket_referrers := lib.referrers(buckets, ["bucket"])

undetermined_policies := [p | some p in bucket_policies; lib.link_undetermined(p, "bucket")]

false_value(v) if {
	v == false
} else if {
	lib.lower_str(v) == "false"
}

enforces_tls(st) if {
	st.effect == "Deny"
	some c in st.conditions
	c.variable == "aws:securetransport"
	some v in c.values
	false_value(v)
} else if {
	st.effect == "Deny"
	some c in st.conditions
	c.variable == "s3:tlsversion"
	startswith(lib.lower_str(c.test), "numericlessthan")
}

# Per policy resource (index into bucket_policies): it enforces TLS, or its policy is known only after apply.
enforcing_policies := {i |
	some i, p in bucket_policies
	some st in lib.attr_statements(p, "policy", documents)
	enforces_tls(st)
}

unresolved_policies := {i |
	some i, p in bucket_policies
	lib.attr_policy_unresolved(p, "policy", documents)
}

# [bucket index, policy index] for every policy linked to a bucket, by reference or by the bucket name.
links := {[k, i] |
	count(bucket_policies) > 0
	some k, b in buckets
	some a in bucket_referrers[b.address]
	some i in policy_at[a]
} | {[k, i] |
	count(bucket_policies) > 0
	some k, b in buckets
	some a in ["id", "arn", "name", "bucket"]
	v := b.values[a]
	is_string(v)
	v != ""
	some i in policy_by_value[v]
}

# The bucket's own policy attribute is computed by provider v4+ (it mirrors aws_s3_bucket_policy), so an unknown
# inline policy is not a pending policy: only separate aws_s3_bucket_policy resources and known inline JSON count.
inline_enforced := {k |
	some k, b in buckets
	b.values.policy
	some st in lib.doc_statements(lib.doc_of(b, "policy"))
	enforces_tls(st)
}

enforced := inline_enforced | {k | some [k, i] in links; i in enforcing_policies}

unresolved := {k | some [k, i] in links; i in unresolved_policies}

deny contains {"resource": b.address, "msg": msg} if {
	count(undetermined_policies) == 0
	some k, b in buckets
	not k in enforced
	not k in unresolved
	msg := sprintf("%s has no bucket policy statement denying requests without TLS (aws:SecureTransport = false)", [b.address])
}

unknown contains {"resource": b.address, "msg": msg} if {
	some k, b in buckets
	not k in enforced
	_unresolved(k)
	msg := sprintf("%s: its bucket policy is known only after apply", [b.address])
}

_unresolved(k) if {
	k in unresolved
} else if {
	count(undetermined_policies) > 0
}
