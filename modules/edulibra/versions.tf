terraform {
  # Tested from 1.0.3 to 1.15.5 (tests/tests/terraform_versions.rs).
  required_version = ">= 1.0.3"
  required_providers {
    edulibra = {
      source  = "edulibra/edulibra"
      version = ">= 0.1.0"
    }
  }
}
