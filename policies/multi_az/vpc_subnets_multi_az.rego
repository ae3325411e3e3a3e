package edulibra.rules.vpc_subnets_multi_az

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-003",
	"title": "The subnets of each VPC span at least two availability zones",
	"severity": "high",
	"category": "multi-az",
	"remediation": "Create the public, private and data subnets of the aws_vpc in at least two availability_zone values (network.az_count >= 2).",
	"references": [],
	"description": "When every subnet of a VPC is in one zone, databases, caches, tasks and load balancers cannot be spread and an AZ outage takes the whole environment down.",
}

resource_types := {"aws_vpc"}

scope := "plan"

# The only resource types this rule reads: the engine gives compiled runs just these (docs/rules.md).
plan_types := {"aws_vpc", "aws_subnet"}

plan_resources := [r | some r in input.resources; r.type in plan_types]

vpcs := [v | some v in plan_resources; v.type == "aws_vpc"; object.get(v, "mode", "managed") != "data"]

subnets := [s | some s in plan_resources; s.type == "aws_subnet"]

subnet_at := lib.index_by_address(subnets)

subnet_by_value := lib.index_by_link_values(subnets, ["vpc_id"])

# The subnets of a VPC: they reference it through vpc_id (vpc.referenced_by) or name it by value.
vpc_referrers := lib.referrers(vpcs, ["vpc_id"])

subnets_of(v) := [subnets[i] | some i in lib.linked_indexes(v, subnets, subnet_at, subnet_by_value, vpc_referrers)]

az(s) := z if {
	z := lib.val(s, "availability_zone")
	lib.known_string(z)
} else := z if {
	z := lib.val(s, "availability_zone_id")
	lib.known_string(z)
}

pending_az(s) if {
	not az(s)
	lib.unknown_flag(s, "availability_zone")
}

azs(v) := {z | some s in subnets_of(v); z := az(s)}

deny contains {"resource": v.address, "msg": msg} if {
	some v in vpcs
	count(subnets_of(v)) > 0
	count(azs(v)) < 2
	every s in subnets_of(v) {
		not pending_az(s)
	}
	msg := sprintf("%s has all its subnets in one availability zone (%s)", [v.address, concat(", ", sort(azs(v)))])
}

unknown contains {"resource": v.address, "msg": msg} if {
	some v in vpcs
	count(azs(v)) < 2
	some s in subnets_of(v)
	pending_az(s)
	msg := sprintf("%s: the availability zone of %s is known only after apply", [v.address, s.address])
}
