package edulibra.rules.cloudfront_tls_version

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-020",
	"title": "CloudFront distributions require TLS 1.2 or later from viewers",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Use a custom certificate: viewer_certificate { acm_certificate_arn = ..., ssl_support_method = \"sni-only\", minimum_protocol_version = \"TLSv1.2_2021\" }.",
	"references": ["CKV_AWS_174"],
	"attributes": ["viewer_certificate.minimum_protocol_version", "viewer_certificate"],
	"compliance": {"aws-fsbp": ["CloudFront.15", "CloudFront.7"]},
	"description": "The default CloudFront certificate and older security policies still negotiate TLS 1.0/1.1, whose cipher suites are deprecated.",
}

resource_types := {"aws_cloudfront_distribution"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

cert := lib.first_block(input.resource, "viewer_certificate")

# ^TLSv1\.[23] (string builtins: regex.match compiles its pattern on every call)
modern(v) if {
	startswith(v, "TLSv1.2")
} else if {
	startswith(v, "TLSv1.3")
}

pending_cert if {
	count(lib.blocks(input.resource, "viewer_certificate")) == 0
	lib.block_unknown(input.resource, "viewer_certificate")
}

pending_version if {
	not is_string(object.get(cert, "minimum_protocol_version", null))
	lib.nested_unknown(input.resource, "viewer_certificate", "minimum_protocol_version")
}

deny contains msg if {
	object.get(cert, "cloudfront_default_certificate", false) == true
	msg := sprintf("%s uses the default CloudFront certificate, which allows TLS 1.0 (use an ACM certificate with minimum_protocol_version TLSv1.2_2021)", [input.resource.address])
}

deny contains msg if {
	object.get(cert, "cloudfront_default_certificate", false) != true
	v := object.get(cert, "minimum_protocol_version", null)
	is_string(v)
	not modern(v)
	msg := sprintf("%s allows viewer TLS below 1.2 (minimum_protocol_version = %s)", [input.resource.address, v])
}

deny contains msg if {
	not pending_cert
	count(lib.blocks(input.resource, "viewer_certificate")) == 0
	msg := sprintf("%s has no viewer_certificate with minimum_protocol_version TLSv1.2 or later", [input.resource.address])
}

unknown contains msg if {
	pending_cert
	msg := sprintf("%s: viewer_certificate is known only after apply", [input.resource.address])
}

unknown contains msg if {
	object.get(cert, "cloudfront_default_certificate", false) != true
	pending_version
	msg := sprintf("%s: viewer_certificate.minimum_protocol_version is known only after apply", [input.resource.address])
}
