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

prod_vpcs := [v | some v in input.resources; v.type == "aws_vpc"; lib.managed(v); lib.is_prod_in_plan(v, input.resources)]

subnets_of(v) := [s | some s in input.resources; s.type == "aws_subnet"; lib.links(s, "vpc_id", v)]

az(s) := z if {
	z := lib.val(s, "availability_zone")
	lib.known_string(z)
} else := z if {
	z := lib.val(s, "availability_zone_id")
	lib.known_string(z)
}

vpc_azs(v) := {z | some s in subnets_of(v); z := az(s)}

public_nat(n) if lib.lower_str(object.get(lib.values(n), "connectivity_type", "public")) in {"public", ""}

nat_subnets(n, v) := [s | some s in subnets_of(v); lib.links(n, "subnet_id", s)]

nats_of(v) := [n |
	some n in input.resources
	n.type == "aws_nat_gateway"
	lib.managed(n)
	public_nat(n)
	count(nat_subnets(n, v)) > 0
]

# The zone of a NAT gateway, when its subnet is one resource (or the same count index as the NAT gateway).
nat_az(n, v) := az(s) if {
	subnets := nat_subnets(n, v)
	count(subnets) == 1
	s := subnets[0]
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
