package edulibra.rules.lb_multi_az

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-004",
	"title": "Load balancers span at least two subnets in different availability zones",
	"severity": "high",
	"category": "multi-az",
	"remediation": "Give the aws_lb subnets (or subnet_mapping blocks) in at least two availability zones.",
	"references": [],
	"description": "A load balancer placed in one zone stops serving when that zone fails, even if the targets behind it run in several zones.",
}

resource_types := {"aws_lb", "aws_alb"}

scope := "plan"

lbs := [l | some l in input.resources; l.type in resource_types; lib.managed(l)]

plan_subnets := [s | some s in input.resources; s.type == "aws_subnet"]

subnet_refs(l) := array.concat(lib.refs(l, "subnets"), lib.refs(l, "subnet_mapping.subnet_id"))

subnet_ids(l) := {id | some id in lib.as_array(lib.val(l, "subnets")); lib.known_string(id)} | {id |
	some m in lib.blocks(l, "subnet_mapping")
	id := m.subnet_id
	lib.known_string(id)
}

resolved(l) := [s |
	some s in plan_subnets
	some ref in subnet_refs(l)
	lib.ref_matches(ref, s.address)
]

az(s) := z if {
	z := lib.val(s, "availability_zone")
	lib.known_string(z)
} else := z if {
	z := lib.val(s, "availability_zone_id")
	lib.known_string(z)
}

resolved_azs(l) := {z | some s in resolved(l); z := az(s)}

pending_resolved_az(l) if {
	some s in resolved(l)
	not az(s)
}

# Elastic Load Balancing accepts one subnet per zone, so distinct subnets are distinct zones.
spread(l) if count(subnet_ids(l)) >= 2

spread(l) if count(resolved_azs(l)) >= 2

spread(l) if count({s.address | some s in resolved(l)}) >= 2

pending(l) if {
	count(subnet_ids(l)) < 2
	count(resolved(l)) == 0
	some attr in ["subnets", "subnet_mapping"]
	lib.unknown_flag(l, attr)
	count(lib.refs(l, attr)) == 0
}

pending(l) if {
	count(resolved(l)) > 0
	pending_resolved_az(l)
}

deny contains {"resource": l.address, "msg": msg} if {
	some l in lbs
	not spread(l)
	not pending(l)
	msg := sprintf("%s is placed in fewer than two availability zones", [l.address])
}

unknown contains {"resource": l.address, "msg": msg} if {
	some l in lbs
	not spread(l)
	pending(l)
	msg := sprintf("%s: its subnets or their availability zones are known only after apply", [l.address])
}
