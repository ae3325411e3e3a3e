package edulibra.rules.target_group_health_check

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-007",
	"title": "HTTP and HTTPS target groups define a health check",
	"severity": "medium",
	"category": "multi-az",
	"remediation": "Add health_check { enabled = true, path = \"/health\", matcher = \"200\" } to the aws_lb_target_group.",
	"references": ["CKV_AWS_261"],
	"attributes": ["health_check"],
	"description": "Without an application health check the load balancer keeps sending traffic to failed tasks and cannot shift it to healthy zones.",
	"assumes": [
		"health_check left out: for instance, ip and alb targets ELB still checks health, on the path '/' every 30 seconds by default ('health checks are always enabled and cannot be disabled'; 'The default is /', CfnTargetGroupProps / CreateTargetGroup, https://docs.aws.amazon.com/cdk/api/v1/python/aws_cdk.aws_elasticloadbalancingv2/CfnTargetGroupProps.html; checked 2026-12-07). That probe says nothing of the application's own health, so the rule fails a left-out health_check as it fails a missing one, with checkov's CKV_AWS_261.",
	],
}

resource_types := {"aws_lb_target_group", "aws_alb_target_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

applies if lib.lower_str(lib.val(input.resource, "protocol")) in {"http", "https"}

check := lib.first_block(input.resource, "health_check")

pending if {
	count(lib.blocks(input.resource, "health_check")) == 0
	lib.block_unknown(input.resource, "health_check")
	not lib.left_out(input.resource, "health_check")
}

deny contains msg if {
	applies
	not pending
	count(lib.blocks(input.resource, "health_check")) == 0
	msg := sprintf("%s defines no health_check", [input.resource.address])
}

deny contains msg if {
	applies
	object.get(check, "enabled", true) == false
	msg := sprintf("%s disables its health check (health_check.enabled = false)", [input.resource.address])
}

unknown contains msg if {
	applies
	pending
	msg := sprintf("%s: health_check is known only after apply", [input.resource.address])
}
