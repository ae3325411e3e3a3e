package edulibra.rules.lb_access_logs

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-LOG-008",
	"title": "Load balancers write access logs",
	"severity": "medium",
	"category": "logging",
	"remediation": "Add access_logs { bucket = <log bucket>, enabled = true } to the aws_lb (the bucket policy must allow the regional ELB log delivery).",
	"references": ["CKV_AWS_91", "CKV_AWS_92"],
	"description": "Access logs are the only record of client IPs, request paths and response codes at the load balancer, needed for incident response.",
}

resource_types := {"aws_lb", "aws_alb", "aws_elb"}

r := input.resource

logs := lib.first_block(r, "access_logs")

enabled if {
	object.get(logs, "enabled", r.type == "aws_elb") == true
	lib.non_empty(object.get(logs, "bucket", null))
}

enabled if {
	object.get(logs, "enabled", r.type == "aws_elb") == true
	lib.referenced(r, "access_logs.bucket")
}

pending if {
	count(lib.blocks(r, "access_logs")) == 0
	lib.block_unknown(r, "access_logs")
}

pending if lib.nested_unknown(r, "access_logs", "enabled")

deny contains msg if {
	not enabled
	not pending
	msg := sprintf("%s does not write access logs (access_logs.enabled is not true)", [r.address])
}

unknown contains msg if {
	not enabled
	pending
	msg := sprintf("%s: access_logs is known only after apply", [r.address])
}
