terraform {
  required_providers {
    edulibra = {
      source  = "edulibra/edulibra"
      version = "0.1.0"
    }
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-central-1"
}

variable "aws_endpoint" {
  description = "One endpoint URL for every AWS service, e.g. a local emulator. Null talks to AWS."
  type        = string
  default     = null
}

variable "skip_resource_types" {
  description = "Child types to leave out because the endpoint lacks their API (the moto emulator: see docs/aws-emulator-gaps.md). Empty for AWS."
  type        = list(string)
  default     = []
}

provider "edulibra" {
  region   = var.region
  endpoint = var.aws_endpoint

  skip_resource_types = var.skip_resource_types
  default_tags        = { owner = "platform", example = "dev" }

  # The plan shows the validator's verdicts; reviewed exceptions live beside the configuration.
  waivers_file = "${path.module}/waivers.yaml"
}

module "edulibra" {
  source       = "../../modules/edulibra"
  name         = "edulibra"
  stage        = "dev"
  compute      = "serverless"
  nat_gateways = "single"
}

output "cdn_domain_name" {
  value = module.edulibra.cdn_domain_name
}

output "api_endpoint" {
  value = module.edulibra.api_endpoint
}

output "resource_count" {
  value = module.edulibra.resource_count
}
