# A reviewer's rule: every taggable resource names its cost center, so the bill can be split.
package edulibra.rules.acme_cost_center

import rego.v1

metadata := {
	"id": "ACME-TAG-001",
	"title": "Every resource names its cost center",
	"severity": "low",
	"category": "tagging",
	"remediation": "Set tags = { cost_center = \"...\" } on the environment (or default_tags on the provider).",
	"references": [],
	"description": "Finance splits the AWS bill by the cost_center tag; untagged resources land on the platform team.",
}

resource_types := {
	"aws_vpc", "aws_subnet", "aws_s3_bucket", "aws_db_instance", "aws_dynamodb_table", "aws_kms_key",
	"aws_lambda_function", "aws_ecs_service", "aws_cloudfront_distribution", "aws_cloudwatch_log_group",
}

deny contains msg if {
	tags := object.get(input.resource.values, "tags", {})
	not tags.cost_center
	msg := sprintf("%s has no cost_center tag", [input.resource.address])
}
