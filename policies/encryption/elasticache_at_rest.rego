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
	"attributes": ["at_rest_encryption_enabled", "engine"],
	"compliance": {"aws-fsbp": ["ElastiCache.4"]},
	"description": "Cached sessions and query results land on node disks and in backups; without at-rest encryption they are stored in clear text.",
	"assumes": [
		"AtRestEncryptionEnabled, left out, is true for Valkey and false for Redis OSS (CreateReplicationGroup, Amazon ElastiCache API Reference; checked 2026-12-07).",
		"An omitted engine is redis (CreateReplicationGroup; hashicorp/aws aws_elasticache_replication_group).",
		"Both are known only after apply in a plan when left out; the plan's configuration tells left out (judged by the default) from pending (unknown).",
	],
}

resource_types := {"aws_elasticache_replication_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

enabled if {
	lib.val(input.resource, "at_rest_encryption_enabled") == true
} else if {
	lib.lower_str(lib.val(input.resource, "at_rest_encryption_enabled")) == "true"
} else if {
	# Left out: AWS's default for the engine (metadata.assumes).
	lib.val(input.resource, "at_rest_encryption_enabled") == null
	not at_rest_pending
	lib.lower_str(lib.val(input.resource, "engine")) == "valkey"
}

# Known only after apply for a reason other than being left out.
at_rest_pending if {
	lib.pending(input.resource, "at_rest_encryption_enabled")
	not lib.left_out(input.resource, "at_rest_encryption_enabled")
}

# The engine is left out: the provider sends redis (metadata.assumes).
engine_pending if {
	lib.pending(input.resource, "engine")
	not lib.left_out(input.resource, "engine")
}

# What decides is not known before apply: the setting, or, when it is left out, the engine.
undecided if {
	at_rest_pending
} else if {
	lib.val(input.resource, "at_rest_encryption_enabled") == null
	engine_pending
}

deny contains msg if {
	not undecided
	not enabled
	msg := sprintf("%s does not set at_rest_encryption_enabled = true", [input.resource.address])
}

unknown contains msg if {
	undecided
	not enabled
	msg := sprintf("%s: at_rest_encryption_enabled (or, left out, the engine that decides its default) is known only after apply", [input.resource.address])
}
