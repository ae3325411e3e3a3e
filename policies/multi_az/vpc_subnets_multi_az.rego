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

vpcs := [v | some v in input.resources; v.type == "aws_vpc"; lib.managed(v)]

subnets_of(v) := [s | some s in input.resources; s.type == "aws_subnet"; lib.links(s, "vpc_id", v)]

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
