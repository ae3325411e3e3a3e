package edulibra.rules.acme_cost_center_test

import rego.v1

import data.edulibra.rules.acme_cost_center

bucket(tags) := {"address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "values": {"tags": tags}}

test_a_tagged_resource_passes if {
	count(acme_cost_center.deny) == 0 with input as {"resource": bucket({"cost_center": "education"})}
}

test_a_resource_without_the_tag_fails if {
	count(acme_cost_center.deny) == 1 with input as {"resource": bucket({"owner": "platform"})}
}

test_a_resource_without_tags_fails if {
	count(acme_cost_center.deny) == 1 with input as {"resource": {"address": "aws_vpc.v", "type": "aws_vpc", "values": {}}}
}
