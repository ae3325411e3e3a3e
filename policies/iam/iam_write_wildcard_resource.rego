package edulibra.rules.iam_write_wildcard_resource

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-IAM-004",
	"title": "IAM policies do not allow write actions on every resource",
	"severity": "medium",
	"category": "iam",
	"remediation": "Scope write actions (Create*, Put*, Update*, Delete*, ...) to the ARNs of the resources the workload owns instead of Resource \"*\".",
	"references": ["CKV_AWS_111", "CKV_AWS_290"],
	"attributes": ["policy", "inline_policy.policy", "inline_policy", "statement", "assume_role_policy"],
	"description": "Write access without resource constraints lets a compromised workload modify or destroy any resource of that service in the account.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# the normalised statements of the resource's identity policies, worked out once per resource (lib.identity)
identity := lib.identity(input.resource)

write_verbs := [
	"create", "delete", "put", "update", "modify", "attach", "detach", "set", "add", "remove", "terminate", "run",
	"start", "stop", "reboot", "invoke", "publish", "send", "write", "upload", "restore", "copy", "import", "enable",
	"disable", "register", "deregister", "associate", "disassociate", "replace", "reset", "revoke", "authorize",
	"cancel", "execute", "rotate", "pass", "tag", "untag", "batchwrite", "batchdelete", "change", "apply", "release",
	"allocate", "purge", "subscribe", "unsubscribe", "increase", "decrease", "promote", "failover", "complete",
]

# Write actions that only accept Resource "*".
resourceless_writes := {"cloudwatch:putmetricdata", "xray:puttracesegments", "xray:puttelemetryrecords", "ec2:createnetworkinterface", "ec2:deletenetworkinterface", "ec2:assignprivateipaddresses", "ec2:unassignprivateipaddresses"}

# the name up to its first wildcard ([*?].*$ removed)
literal_prefix(n) := substring(n, 0, min([i | some i in [indexof(n, "*"), indexof(n, "?")]; i >= 0])) if {
	lib.is_wildcard_pattern(n)
} else := n

covers_write(p) if {
	p == "*"
} else if {
	n := lib.name_of(p)
	lib.is_wildcard_pattern(n)
	prefix := literal_prefix(n)
	some verb in write_verbs
	startswith(verb, prefix)
} else if {
	n := lib.name_of(p)
	lib.is_wildcard_pattern(n)
	prefix := literal_prefix(n)
	some verb in write_verbs
	startswith(prefix, verb)
} else if {
	n := lib.name_of(p)
	not lib.is_wildcard_pattern(n)
	not p in resourceless_writes
	some verb in write_verbs
	startswith(n, verb)
}

deny contains msg if {
	some x in identity.statements
	x.wildcard_resource
	st := x.st
	st.effect == "Allow"
	writes := sort({p | some p in st.actions; covers_write(p)})
	count(writes) > 0
	msg := sprintf("%s %s allows write actions on every resource (%s)", [input.resource.address, x.attr, concat(", ", writes)])
}

deny contains msg if {
	some x in identity.statements
	x.wildcard_resource
	st := x.st
	st.has_not_action
	st.effect == "Allow"
	msg := sprintf("%s %s allows everything but %s on every resource", [input.resource.address, x.attr, lib.action_display(st)])
}

unknown contains msg if {
	some attr in identity.unknown_attrs
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
