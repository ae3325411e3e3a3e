# State in an S3 bucket with DynamoDB locking: two applies at once cannot both change the
# environment; the second waits (-lock-timeout) or is refused, and nothing is lost.
#
# The bucket and the table exist before `terraform init` (one state bucket serves many
# configurations). Endpoints and names are given at init, so the same file serves AWS and the
# local emulator:
#   terraform init \
#     -backend-config="bucket=acme-terraform-state" \
#     -backend-config="dynamodb_table=acme-terraform-locks" \
#     -backend-config="endpoint=http://127.0.0.1:5000" \
#     -backend-config="dynamodb_endpoint=http://127.0.0.1:5000" \
#     -backend-config="sts_endpoint=http://127.0.0.1:5000" \
#     -backend-config="iam_endpoint=http://127.0.0.1:5000" \
#     -backend-config="force_path_style=true" \
#     -backend-config="skip_credentials_validation=true"
terraform {
  backend "s3" {
    key     = "edulibra/remote-state/terraform.tfstate"
    region  = "eu-central-1"
    encrypt = true
  }
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

variable "skip_resource_types" {
  description = "Child types to leave out because the endpoint lacks their API (the moto emulator: see docs/aws-emulator-gaps.md). Empty for AWS."
  type        = list(string)
  default     = []
}

provider "edulibra" {
  region              = "eu-central-1"
  endpoint            = var.aws_endpoint
  skip_resource_types = var.skip_resource_types
  policy_enforcement  = "off" # the gate runs in CI on this configuration's plan
}

module "edulibra" {
  source       = "../../modules/edulibra"
  name         = "shared"
  stage        = "dev"
  compute      = "serverless"
  nat_gateways = "single"
}

output "resource_count" {
  value = module.edulibra.resource_count
}
