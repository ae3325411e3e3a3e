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
	"attributes": ["access_logs.enabled", "access_logs"],
	"compliance": {"aws-fsbp": ["ELB.5"]},
	"description": "Access logs are the only record of client IPs, request paths and response codes at the load balancer, needed for incident response.",
}

resource_types := {"aws_lb", "aws_alb", "aws_elb"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

logs := lib.first_block(input.resource, "access_logs")

enabled if {
	object.get(logs, "enabled", input.resource.type == "aws_elb") == true
	lib.non_empty(object.get(logs, "bucket", null))
} else if {
	object.get(logs, "enabled", input.resource.type == "aws_elb") == true
	lib.referenced(input.resource, "access_logs.bucket")
}

pending if {
	count(lib.blocks(input.resource, "access_logs")) == 0
	lib.block_unknown(input.resource, "access_logs")
} else if {
	lib.nested_unknown(input.resource, "access_logs", "enabled")
}

deny contains msg if {
	not enabled
	not pending
	msg := sprintf("%s does not write access logs (access_logs.enabled is not true)", [input.resource.address])
}

unknown contains msg if {
	not enabled
	pending
	msg := sprintf("%s: access_logs is known only after apply", [input.resource.address])
}
