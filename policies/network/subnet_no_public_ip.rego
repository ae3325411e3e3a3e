package edulibra.rules.subnet_no_public_ip

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-NET-002",
	"title": "Subnets do not assign public IPs on launch",
	"severity": "low",
	"category": "network",
	"remediation": "Set map_public_ip_on_launch = false on the aws_subnet; give internet-facing load balancers and NAT gateways their own addresses.",
	"references": ["CKV_AWS_130"],
	"attributes": ["map_public_ip_on_launch"],
	"compliance": {"aws-fsbp": ["EC2.15"]},
	"description": "Every instance or task launched into such a subnet becomes reachable from the internet unless its security group blocks it.",
}

resource_types := {"aws_subnet"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

applies := true

deny contains msg if {
	applies
	not lib.pending(input.resource, "map_public_ip_on_launch")
	lib.val(input.resource, "map_public_ip_on_launch") == true
	msg := sprintf("%s assigns public IPs to everything launched in it (map_public_ip_on_launch = true)", [input.resource.address])
}

unknown contains msg if {
	applies
	lib.pending(input.resource, "map_public_ip_on_launch")
	msg := sprintf("%s: map_public_ip_on_launch is known only after apply", [input.resource.address])
}
