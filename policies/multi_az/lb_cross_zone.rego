package edulibra.rules.lb_cross_zone

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-006",
	"title": "Network and gateway load balancers balance across zones",
	"severity": "low",
	"category": "multi-az",
	"remediation": "Set enable_cross_zone_load_balancing = true on network and gateway aws_lb resources.",
	"references": ["CKV_AWS_152"],
	"attributes": ["enable_cross_zone_load_balancing", "load_balancer_type"],
	"description": "Without cross-zone balancing each zone only serves its own targets, so losing targets in one zone overloads or drops that zone's traffic.",
}

resource_types := {"aws_lb", "aws_alb"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Application load balancers always balance across zones.
applies if lib.lower_str(lib.val(input.resource, "load_balancer_type")) in {"network", "gateway"}

deny contains msg if {
	applies
	not lib.pending(input.resource, "enable_cross_zone_load_balancing")
	lib.val(input.resource, "enable_cross_zone_load_balancing") != true
	msg := sprintf("%s does not balance across zones (enable_cross_zone_load_balancing is not true)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "enable_cross_zone_load_balancing")
	msg := sprintf("%s: enable_cross_zone_load_balancing is known only after apply", [input.resource.address])
}
