package edulibra.rules.rds_performance_insights_cmk

import rego.v1

import data.edulibra.lib

metadata := {
	"id": "EDU-ENC-005",
	"title": "RDS Performance Insights data is encrypted with a customer-managed KMS key",
	"severity": "low",
	"category": "encryption",
	"remediation": "When performance_insights_enabled = true, set performance_insights_kms_key_id to a customer-managed aws_kms_key ARN.",
	"references": ["CKV_AWS_354"],
	"attributes": ["performance_insights_kms_key_id", "performance_insights_enabled"],
	"description": "Performance Insights stores query text and wait statistics that can contain sensitive values; a customer-managed key keeps that data under the same key policy as the database.",
	"assumes": [
		"performance_insights_kms_key_id left out with Performance Insights on: 'Amazon RDS uses your default KMS key', the AWS managed key (PerformanceInsightsKMSKeyId, Amazon RDS API Reference, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html; checked 2026-12-07).",
	],
}

resource_types := {"aws_db_instance", "aws_rds_cluster_instance"}

# (input.resource is read directly: a package-level rule costs a lookup per evaluation)

deny contains msg if {
	lib.val(input.resource, "performance_insights_enabled") == true
	not lib.set_or_referenced(input.resource, "performance_insights_kms_key_id")
	not lib.is_unknown(input.resource, "performance_insights_kms_key_id")
	msg := sprintf("%s enables Performance Insights without performance_insights_kms_key_id", [input.resource.address])
}

deny contains msg if {
	lib.val(input.resource, "performance_insights_enabled") == true
	lib.defaulted(input.resource, "performance_insights_kms_key_id")
	msg := sprintf("%s enables Performance Insights and leaves performance_insights_kms_key_id out: RDS then uses the AWS managed key", [input.resource.address])
}

unknown contains msg if {
	lib.val(input.resource, "performance_insights_enabled") == true
	lib.is_unknown(input.resource, "performance_insights_kms_key_id")
	not lib.left_out(input.resource, "performance_insights_kms_key_id")
	msg := sprintf("%s: performance_insights_kms_key_id is known only after apply", [input.resource.address])
}

unknown contains msg if {
	lib.pending(input.resource, "performance_insights_enabled")
	not lib.set_or_referenced(input.resource, "performance_insights_kms_key_id")
	msg := sprintf("%s: performance_insights_enabled is known only after apply", [input.resource.address])
}
