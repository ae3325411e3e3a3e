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
  default_tags = { owner = "platform", example = "prod" }
}

module "edulibra" {
  source       = "../../modules/edulibra"
  name         = "edulibra"
  stage        = "prod"
  compute      = "containers"
  az_count     = 3
  nat_gateways = "per_az"
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
