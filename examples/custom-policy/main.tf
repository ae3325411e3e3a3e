# A security reviewer's own rule beside the built-in ones: every AWS resource of the environment
# names its cost center. `terraform plan` shows its verdicts (policy_paths) and CI runs the same
# rule with `edulibra-validate check --policy policies/`; reviewed exceptions are in waivers.yaml.
terraform {
  required_providers {
    edulibra = {
      source  = "edulibra/edulibra"
      version = "0.1.0"
    }
  }
}

variable "aws_endpoint" {
  description = "One endpoint URL for every AWS service, e.g. a local emulator. Null talks to AWS."
  type        = string
  default     = null
}

variable "cost_center" {
  description = "Cost center of every resource (the reviewer's rule ACME-TAG-001 asks for it)."
  type        = string
  default     = "education"
}

variable "skip_resource_types" {
  description = "Child types to leave out because the endpoint lacks their API (the moto emulator: see docs/aws-emulator-gaps.md). Empty for AWS."
  type        = list(string)
  default     = []
}

provider "edulibra" {
  region              = "eu-central-1"
  endpoint            = var.aws_endpoint
  skip_resource_types = var.skip_resource_types
  policy_paths        = ["${path.module}/policies"]
  waivers_file        = "${path.module}/waivers.yaml"
}

module "edulibra" {
  source       = "../../modules/edulibra"
  name         = "acme"
  stage        = "dev"
  compute      = "serverless"
  nat_gateways = "single"
  tags         = var.cost_center == "" ? {} : { cost_center = var.cost_center }
}
