package edulibra.rules.nat_gateway_per_az

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-005",
	"title": "Production VPCs have a NAT gateway in every availability zone",
	"severity": "medium",
	"category": "multi-az",
	"remediation": "In prod use one aws_nat_gateway per availability zone (network.nat_gateways = \"per_az\") and route each private subnet to the NAT gateway of its own zone.",
	"references": [],
	"description": "With a single NAT gateway, private subnets of every zone lose outbound access when that gateway's zone fails, and cross-zone traffic adds cost.",
}

resource_types := {"aws_vpc"}

scope := "plan"

plan_resources := [r | some r in input.resources; r.type in {"aws_vpc", "aws_subnet", "aws_nat_gateway"}]

prod_vpcs := [v |
	some v in plan_resources
	v.type == "aws_vpc"
	object.get(v, "mode", "managed") != "data"
	prod(v)
]

# tagged prod, or unfolded from an edulibra_environment whose stage is prod
prod(v) if {
	lib.is_prod(v)
} else if {
	v.parent in prod_parents
}

prod_parents := {r.address |
	some r in input.resources
	stage := r.values.stage
	is_string(stage)
	lower(stage) in lib.prod_stage_values
}

subnets := [s | some s in plan_resources; s.type == "aws_subnet"]

subnet_at := lib.index_by_address(subnets)

subnet_by_value := lib.index_by_link_values(subnets, ["vpc_id"])

vpc_referrers := lib.referrers(prod_vpcs, ["vpc_id"])

subnets_of(v) := [subnets[i] | some i in lib.linked_indexes(v, subnets, subnet_at, subnet_by_value, vpc_referrers)]

az(s) := z if {
	z := lib.val(s, "availability_zone")
	lib.known_string(z)
} else := z if {
	z := lib.val(s, "availability_zone_id")
	lib.known_string(z)
}

vpc_azs(v) := {z | some s in subnets_of(v); z := az(s)}

public_nat(n) if lib.lower_str(object.get(lib.values(n), "connectivity_type", "public")) in {"public", ""}

nats := [n | some n in plan_resources; n.type == "aws_nat_gateway"; object.get(n, "mode", "managed") != "data"; public_nat(n)]

nat_at := lib.index_by_address(nats)

nat_by_value := lib.index_by_link_values(nats, ["subnet_id"])

subnet_referrers := lib.referrers(subnets, ["subnet_id"])

# NAT gateway index -> the subnets of v it is placed in (through subnet.referenced_by or by value).
nat_subnet_pairs(v) := [[i, s] |
	some s in subnets_of(v)
	some i in lib.linked_indexes(s, nats, nat_at, nat_by_value, subnet_referrers)
]

nat_subnets(n, v) := [s | some [i, s] in nat_subnet_pairs(v); nats[i] == n]

nats_of(v) := [nats[i] | some i in {p[0] | some p in nat_subnet_pairs(v)}]

# The zone of a NAT gateway, when its subnet is one resource (or the same count index as the NAT gateway).
nat_az(n, v) := az(s) if {
	ss := nat_subnets(n, v)
	count(ss) == 1
	s := ss[0]
} else := az(s) if {
	suffix := regex.find_n(`\[[^\]]*\]$`, n.address, 1)
	count(suffix) == 1
	some s in nat_subnets(n, v)
	endswith(s.address, suffix[0])
}

resolved_nat_azs(v) := {z | some n in nats_of(v); z := nat_az(n, v)}

all_resolved(v) if {
	every n in nats_of(v) {
		nat_az(n, v)
	}
}

deny contains {"resource": v.address, "msg": msg} if {
	some v in prod_vpcs
	count(nats_of(v)) > 0
	count(nats_of(v)) < count(vpc_azs(v))
	msg := sprintf("%s is prod but has %d NAT gateway(s) for %d availability zones", [v.address, count(nats_of(v)), count(vpc_azs(v))])
}

deny contains {"resource": v.address, "msg": msg} if {
	some v in prod_vpcs
	count(nats_of(v)) >= count(vpc_azs(v))
	all_resolved(v)
	count(resolved_nat_azs(v)) < count(vpc_azs(v))
	msg := sprintf("%s is prod but its NAT gateways cover only %s of its availability zones", [v.address, concat(", ", sort(resolved_nat_azs(v)))])
}
