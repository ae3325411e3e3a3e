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

provider "edulibra" {
  region       = var.region
  endpoint     = var.aws_endpoint
  default_tags = { owner = "platform", example = "dev" }

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
