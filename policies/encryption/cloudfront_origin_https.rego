package edulibra.rules.cloudfront_origin_https

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-021",
	"title": "CloudFront reaches custom origins over HTTPS with TLS 1.2",
	"severity": "medium",
	"category": "encryption",
	"remediation": "In every origin's custom_origin_config set origin_protocol_policy = \"https-only\" and origin_ssl_protocols = [\"TLSv1.2\"]; serve S3 origins through an origin access control.",
	"references": [],
	"attributes": ["origin.custom_origin_config.origin_protocol_policy", "origin.custom_origin_config.origin_ssl_protocols", "origin"],
	"compliance": {"aws-fsbp": ["CloudFront.9", "CloudFront.10"]},
	"description": "Between the edge and a custom origin (the ALB or API Gateway) traffic travels over the internet; http-only or SSLv3/TLS 1.0 origins expose it even when viewers use HTTPS.",
}

resource_types := {"aws_cloudfront_distribution"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

weak_protocols := {"sslv3", "tlsv1", "tlsv1.1"}

custom_origins contains [i, c] if {
	some i, o in lib.blocks(input.resource, "origin")
	some c in lib.as_array(o.custom_origin_config)
	is_object(c)
}

deny contains msg if {
	some pair in custom_origins
	i := pair[0]
	c := pair[1]
	lib.lower_str(c.origin_protocol_policy) == "http-only"
	msg := sprintf("%s origin[%d] is reached over plain HTTP (origin_protocol_policy = \"http-only\")", [input.resource.address, i])
}

deny contains msg if {
	some pair in custom_origins
	i := pair[0]
	c := pair[1]
	lib.lower_str(c.origin_protocol_policy) != "http-only"
	weak := [p | some p in lib.as_array(c.origin_ssl_protocols); lib.lower_str(p) in weak_protocols]
	count(weak) > 0
	msg := sprintf("%s origin[%d] allows outdated TLS protocols to the origin (%s)", [input.resource.address, i, concat(", ", sort(weak))])
}

unknown contains msg if {
	count(lib.blocks(input.resource, "origin")) == 0
	lib.block_unknown(input.resource, "origin")
	msg := sprintf("%s: origin is known only after apply", [input.resource.address])
}
