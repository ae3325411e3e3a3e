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

variable "domain_name" {
  description = "Public domain of the platform (CloudFront alias)."
  type        = string
}

variable "zone_id" {
  description = "Route 53 hosted zone of domain_name."
  type        = string
}

variable "cdn_certificate_arn" {
  description = "ACM certificate in us-east-1 for domain_name (CloudFront)."
  type        = string
}

variable "alb_certificate_arn" {
  description = "ACM certificate in the region for the load balancer's HTTPS listener."
  type        = string
}

provider "edulibra" {
  region   = var.region
  endpoint = var.aws_endpoint

  skip_resource_types = var.skip_resource_types
  default_tags        = { owner = "platform", example = "prod" }

  # The plan shows the validator's verdicts; reviewed exceptions live beside the configuration.
  waivers_file = "${path.module}/waivers.yaml"
}

module "edulibra" {
  source       = "../../modules/edulibra"
  name         = "edulibra"
  stage        = "prod"
  compute      = "containers"
  az_count     = 3
  nat_gateways = "per_az"

  cdn = {
    domain_name     = var.domain_name
    zone_id         = var.zone_id
    certificate_arn = var.cdn_certificate_arn
  }
  containers = {
    certificate_arn = var.alb_certificate_arn
  }
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
