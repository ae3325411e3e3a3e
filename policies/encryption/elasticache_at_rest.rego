package edulibra.rules.elasticache_at_rest

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-008",
	"title": "ElastiCache replication groups encrypt data at rest",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set at_rest_encryption_enabled = true on the aws_elasticache_replication_group (this replaces the group).",
	"references": ["CKV_AWS_29"],
	"description": "Cached sessions and query results land on node disks and in backups; without at-rest encryption they are stored in clear text.",
}

resource_types := {"aws_elasticache_replication_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

enabled if {
	lib.val(input.resource, "at_rest_encryption_enabled") == true
} else if {
	lib.lower_str(lib.val(input.resource, "at_rest_encryption_enabled")) == "true"
}

deny contains msg if {
	not lib.pending(input.resource, "at_rest_encryption_enabled")
	not enabled
	msg := sprintf("%s does not set at_rest_encryption_enabled = true", [input.resource.address])
}

unknown contains msg if {
	lib.pending(input.resource, "at_rest_encryption_enabled")
	msg := sprintf("%s: at_rest_encryption_enabled is known only after apply", [input.resource.address])
}
