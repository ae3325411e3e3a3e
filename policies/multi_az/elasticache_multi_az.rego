package edulibra.rules.elasticache_multi_az

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-HA-002",
	"title": "ElastiCache replication groups fail over automatically across availability zones",
	"severity": "high",
	"category": "multi-az",
	"remediation": "Set automatic_failover_enabled = true, multi_az_enabled = true and num_cache_clusters >= 2 (or replicas_per_node_group >= 1) on the aws_elasticache_replication_group.",
	"references": ["CKV2_AWS_50"],
	"attributes": ["automatic_failover_enabled", "multi_az_enabled", "num_cache_clusters", "replicas_per_node_group"],
	"compliance": {"aws-fsbp": ["ElastiCache.3"]},
	"description": "A cache without a replica in another zone and automatic failover loses all sessions and becomes unavailable when its primary node or zone fails.",
}

resource_types := {"aws_elasticache_replication_group"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	some attr in ["automatic_failover_enabled", "multi_az_enabled"]
	not lib.pending(input.resource, attr)
	lib.val(input.resource, attr) != true
	msg := sprintf("%s does not set %s = true", [input.resource.address, attr])
}

node_count := n if {
	n := lib.val(input.resource, "num_cache_clusters")
	is_number(n)
} else := n if {
	n := lib.val(input.resource, "number_cache_clusters")
	is_number(n)
}

replicas := n if {
	n := lib.val(input.resource, "replicas_per_node_group")
	is_number(n)
} else := 0

deny contains msg if {
	node_count < 2
	replicas < 1
	msg := sprintf("%s has a single cache node (num_cache_clusters = %v), so there is no replica to fail over to", [input.resource.address, node_count])
}

unknown contains msg if {
	some attr in ["automatic_failover_enabled", "multi_az_enabled"]
	lib.pending(input.resource, attr)
	msg := sprintf("%s: %s is known only after apply", [input.resource.address, attr])
}
