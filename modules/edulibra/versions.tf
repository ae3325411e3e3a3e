terraform {
  required_version = ">= 0.15.0"
  required_providers {
    edulibra = {
      source  = "edulibra/edulibra"
      version = ">= 0.1.0"
    }
  }
}
