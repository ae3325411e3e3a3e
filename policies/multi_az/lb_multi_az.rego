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
	"attributes": ["subnets", "subnet_mapping"],
	"compliance": {"aws-fsbp": ["ELB.13"]},
	"description": "A load balancer placed in one zone stops serving when that zone fails, even if the targets behind it run in several zones.",
}

resource_types := {"aws_lb", "aws_alb"}

scope := "plan"

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := {"aws_lb", "aws_alb", "aws_subnet"}

plan_resources := [r | some r in input.resources; r.type in plan_types]

lbs := [l | some l in plan_resources; l.type in resource_types; object.get(l, "mode", "managed") != "data"]

plan_subnets := [s | some s in plan_resources; s.type == "aws_subnet"]

# Subnets by every address a reference may use (with and without instance keys) -> [index into plan_subnets].
subnet_at := lib.group_pairs([[k, i] |
	some i, s in plan_subnets
	some k in lib.address_keys(s.address)
])

# Per load balancer (aligned with lbs): its known subnet ids and the plan subnets its configuration references.
lb_info := [{"ids": ids, "resolved": resolved} |
	some l in lbs
	sv := object.get(l, ["values", "subnets"], null)
	ids := {id | some id in object.get({"array": sv}, type_name(sv), [sv]); lib.known_string(id)} | {id |
		sm := l.values.subnet_mapping
		is_array(sm)
		some m in sm
		id := m.subnet_id
		lib.known_string(id)
	}
	resolved := [plan_subnets[i] |
		count(plan_subnets) > 0
		some ref in array.concat(lib.refs(l, "subnets"), lib.refs(l, "subnet_mapping.subnet_id"))
		some i in subnet_at[ref]
	]
]

az(s) := z if {
	z := lib.val(s, "availability_zone")
	lib.known_string(z)
} else := z if {
	z := lib.val(s, "availability_zone_id")
	lib.known_string(z)
}

# Elastic Load Balancing accepts one subnet per zone, so distinct subnets are distinct zones.
spread(info) if {
	count(info.ids) >= 2
} else if {
	count({z | some s in info.resolved; z := az(s)}) >= 2
} else if {
	count({s.address | some s in info.resolved}) >= 2
}

pending(l, info) if {
	count(info.ids) < 2
	count(info.resolved) == 0
	some attr in ["subnets", "subnet_mapping"]
	l.unknown[attr] == true
	not lib.referenced(l, attr)
} else if {
	count(info.resolved) > 0
	some s in info.resolved
	not az(s)
}

deny contains {"resource": l.address, "msg": msg} if {
	some k, l in lbs
	info := lb_info[k]
	not spread(info)
	not pending(l, info)
	msg := sprintf("%s is placed in fewer than two availability zones", [l.address])
}

unknown contains {"resource": l.address, "msg": msg} if {
	some k, l in lbs
	info := lb_info[k]
	not spread(info)
	pending(l, info)
	msg := sprintf("%s: its subnets or their availability zones are known only after apply", [l.address])
}
