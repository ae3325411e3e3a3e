package edulibra.rules.elasticache_in_transit

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-009",
	"title": "ElastiCache replication groups encrypt traffic in transit and require authentication",
	"severity": "high",
	"category": "encryption",
	"remediation": "Set transit_encryption_enabled = true and either auth_token (from a secret, never a literal) or user_group_ids (RBAC) on the aws_elasticache_replication_group.",
	"references": ["CKV_AWS_30", "CKV_AWS_31"],
	"attributes": ["transit_encryption_enabled", "auth_token", "user_group_ids"],
	"compliance": {"aws-fsbp": ["ElastiCache.5", "ElastiCache.6"]},
	"description": "Without TLS, Redis commands and cached data cross the VPC in clear text; without AUTH or RBAC any host that reaches the port can read and write the cache.",
	"assumes": [
		"transit_encryption_enabled left out: TransitEncryptionEnabled defaults to false (CreateReplicationGroup, Amazon ElastiCache API Reference, https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html; checked 2026-12-07), and hashicorp/aws sends false for a group outside a global datastore.",
	],
}

resource_types := {"aws_elasticache_replication_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

transit if lib.val(input.resource, "transit_encryption_enabled") == true

# auth_token is sensitive: it may appear only in the sensitive map, or be supplied by a reference.
authenticated if {
	lib.set_or_referenced(input.resource, "auth_token")
} else if {
	lib.obj(lib.obj(input.resource).sensitive).auth_token == true
} else if {
	lib.set_or_referenced(input.resource, "user_group_ids")
}

deny contains msg if {
	lib.defaulted(input.resource, "transit_encryption_enabled")
	msg := sprintf("%s leaves transit_encryption_enabled out, which creates the group without in-transit encryption", [input.resource.address])
}

deny contains msg if {
	not lib.pending(input.resource, "transit_encryption_enabled")
	not transit
	msg := sprintf("%s does not set transit_encryption_enabled = true", [input.resource.address])
}

deny contains msg if {
	transit
	not authenticated
	not lib.is_unknown(input.resource, "auth_token")
	not lib.is_unknown(input.resource, "user_group_ids")
	msg := sprintf("%s encrypts traffic but requires no auth_token or user_group_ids", [input.resource.address])
}

unknown contains msg if {
	lib.pending(input.resource, "transit_encryption_enabled")
	not lib.left_out(input.resource, "transit_encryption_enabled")
	msg := sprintf("%s: transit_encryption_enabled is known only after apply", [input.resource.address])
}

unknown contains msg if {
	transit
	not authenticated
	some attr in ["auth_token", "user_group_ids"]
	lib.is_unknown(input.resource, attr)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
