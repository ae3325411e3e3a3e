package edulibra.rules.kms_key_rotation

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-016",
	"title": "Customer-managed KMS keys rotate automatically",
	"severity": "medium",
	"category": "encryption",
	"remediation": "Set enable_key_rotation = true (optionally rotation_period_in_days) on every symmetric aws_kms_key.",
	"references": ["CKV_AWS_7"],
	"attributes": ["enable_key_rotation", "customer_master_key_spec"],
	"compliance": {"aws-securityhub": ["KMS.4"], "cis-aws-3.0.0": ["3.6"]},
	"description": "Automatic rotation limits how much data one key version protects and how long a leaked version stays useful.",
}

resource_types := {"aws_kms_key"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

# Rotation exists only for symmetric encryption keys.
key_spec := s if {
	s := lib.val(input.resource, "customer_master_key_spec")
	lib.known_string(s)
} else := s if {
	s := lib.val(input.resource, "key_spec")
	lib.known_string(s)
} else := "SYMMETRIC_DEFAULT"

rotatable if {
	key_spec == "SYMMETRIC_DEFAULT"
	lib.lower_str(object.get(lib.values(input.resource), "key_usage", "ENCRYPT_DECRYPT")) in {"encrypt_decrypt", ""}
}

deny contains msg if {
	rotatable
	not lib.pending(input.resource, "enable_key_rotation")
	lib.val(input.resource, "enable_key_rotation") != true
	msg := sprintf("%s does not enable automatic key rotation (enable_key_rotation is not true)", [input.resource.address])
}

unknown contains msg if {
	rotatable
	lib.pending(input.resource, "enable_key_rotation")
	msg := sprintf("%s: enable_key_rotation is known only after apply", [input.resource.address])
}
