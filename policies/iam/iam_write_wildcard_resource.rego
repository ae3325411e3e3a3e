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
	"description": "Write access without resource constraints lets a compromised workload modify or destroy any resource of that service in the account.",
}

resource_types := {
	"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role",
	"aws_iam_policy_document", "aws_ssoadmin_permission_set_inline_policy",
}

r := input.resource

write_verbs := [
	"create", "delete", "put", "update", "modify", "attach", "detach", "set", "add", "remove", "terminate", "run",
	"start", "stop", "reboot", "invoke", "publish", "send", "write", "upload", "restore", "copy", "import", "enable",
	"disable", "register", "deregister", "associate", "disassociate", "replace", "reset", "revoke", "authorize",
	"cancel", "execute", "rotate", "pass", "tag", "untag", "batchwrite", "batchdelete", "change", "apply", "release",
	"allocate", "purge", "subscribe", "unsubscribe", "increase", "decrease", "promote", "failover", "complete",
]

# Write actions that only accept Resource "*".
resourceless_writes := {"cloudwatch:putmetricdata", "xray:puttracesegments", "xray:puttelemetryrecords", "ec2:createnetworkinterface", "ec2:deletenetworkinterface", "ec2:assignprivateipaddresses", "ec2:unassignprivateipaddresses"}

literal_prefix(n) := regex.replace(n, `[*?].*$`, "")

covers_write(p) if p == "*"

covers_write(p) if {
	n := lib.name_of(p)
	lib.is_wildcard_pattern(n)
	prefix := literal_prefix(n)
	some verb in write_verbs
	startswith(verb, prefix)
}

covers_write(p) if {
	n := lib.name_of(p)
	lib.is_wildcard_pattern(n)
	prefix := literal_prefix(n)
	some verb in write_verbs
	startswith(prefix, verb)
}

covers_write(p) if {
	n := lib.name_of(p)
	not lib.is_wildcard_pattern(n)
	not p in resourceless_writes
	some verb in write_verbs
	startswith(n, verb)
}

deny contains msg if {
	some d in lib.permission_docs(r)
	some st in d.statements
	st.effect == "Allow"
	lib.wildcard_resource(st)
	writes := sort({p | some p in st.actions; covers_write(p)})
	count(writes) > 0
	msg := sprintf("%s %s allows write actions on every resource (%s)", [r.address, d.attr, concat(", ", writes)])
}

deny contains msg if {
	some d in lib.permission_docs(r)
	some st in d.statements
	st.effect == "Allow"
	lib.wildcard_resource(st)
	st.has_not_action
	msg := sprintf("%s %s allows everything but %s on every resource", [r.address, d.attr, lib.action_display(st)])
}

unknown contains msg if {
	some attr in lib.unknown_policy_attrs(r)
	msg := sprintf("%s: %s is known only after apply", [r.address, attr])
}
