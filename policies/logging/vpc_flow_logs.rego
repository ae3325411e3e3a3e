package edulibra.rules.vpc_flow_logs

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-006",
	"title": "Every VPC has flow logs",
	"severity": "medium",
	"category": "logging",
	"remediation": "Add an aws_flow_log with vpc_id = aws_vpc.<vpc>.id, traffic_type = \"ALL\" and a CloudWatch Logs or S3 destination.",
	"references": ["CKV2_AWS_11"],
	"description": "Flow logs are the only record of which addresses talked to which ports inside the VPC, needed to investigate intrusions and exfiltration.",
}

resource_types := {"aws_vpc"}

scope := "plan"

companion_types := {"aws_flow_log"}

link_paths := ["vpc_id"]

applies(_) := true

companion_ok(_) := true



subjects := [s | some s in input.resources; s.type in resource_types; lib.managed(s); applies(s)]

companions := [c | some c in input.resources; c.type in companion_types]

linked(s) := [c | some c in companions; some p in link_paths; lib.links(c, p, s)]

# companions whose target is known only after apply and references no plan resource
undetermined := [c | some c in companions; some p in link_paths; lib.link_undetermined(c, p)]

good(s) if {
	some c in linked(s)
	companion_ok(c)
}

deny contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) == 0
	msg := sprintf("%s has no aws_flow_log", [s.address])
}

unknown contains {"resource": s.address, "msg": msg} if {
	some s in subjects
	not good(s)
	count(undetermined) > 0
	msg := sprintf("%s: an aws_flow_log names its VPC only after apply", [s.address])
}
