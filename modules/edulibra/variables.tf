variable "name" {
  description = "Prefix of every AWS name: lowercase letters, digits and hyphens, starting with a letter."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.name)) && !can(regex("--", var.name))
    error_message = "The name must be lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "stage" {
  description = "dev, staging or prod: picks the defaults of every setting."
  type        = string
  validation {
    condition     = contains(["dev", "staging", "prod"], var.stage)
    error_message = "The stage must be one of dev, staging, prod."
  }
}

variable "compute" {
  description = "containers (ECS on Fargate behind an ALB) or serverless (Lambda behind API Gateway)."
  type        = string
  default     = "containers"
  validation {
    condition     = contains(["containers", "serverless"], var.compute)
    error_message = "The compute mode must be containers or serverless."
  }
}

variable "cidr_block" {
  description = "IPv4 block of the VPC, /16 to /22."
  type        = string
  default     = "10.0.0.0/16"
  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 22
    error_message = "The cidr_block must be an IPv4 CIDR block from /16 to /22, such as 10.0.0.0/16."
  }
}

variable "az_count" {
  description = "Availability zones (2 to 6, and no more than the region offers the account: the provider reads them from EC2). Null picks the stage default (2, or 3 in prod)."
  type        = number
  default     = null
  validation {
    condition     = var.az_count == null ? true : (var.az_count >= 2 && var.az_count <= 6)
    error_message = "The az_count must be between 2 and 6: an RDS subnet group and a load balancer need two zones."
  }
}

variable "nat_gateways" {
  description = "single or per_az. Null picks the stage default (single in dev, per_az otherwise)."
  type        = string
  default     = null
  validation {
    condition     = var.nat_gateways == null ? true : contains(["single", "per_az"], var.nat_gateways)
    error_message = "The nat_gateways must be single or per_az: without a NAT gateway Fargate cannot pull its image and Lambda cannot reach Secrets Manager."
  }
}

variable "database" {
  description = "RDS PostgreSQL settings (engine_version, instance_class, allocated_storage, multi_az, backup_retention_days, deletion_protection); unset keys take the stage defaults."
  type        = map(string)
  default     = {}
}

variable "containers" {
  description = "Container settings (image, cpu, memory, desired_count, min_count, max_count, certificate_arn, health_check_path); unset keys take the stage defaults. The image must listen on 8080 with a read-only root file system; a certificate_arn needs cdn.domain_name and cdn.zone_id (CloudFront reaches the ALB as api.<domain_name>)."
  type        = map(string)
  default     = {}
}

variable "functions" {
  description = "Lambda settings (runtime, handler, memory_size, package, reserved_concurrency); unset keys take the defaults (no reserved concurrency: new accounts may have a quota of 10)."
  type        = map(string)
  default     = {}
}

variable "waf_enabled" {
  description = "Create WAFv2 web ACLs on CloudFront and on the ALB or API stage."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention. Null picks the stage default (30, 90 or 365 days)."
  type        = number
  default     = null
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Destroy deletes the buckets' objects and the backup vault's recovery points instead of refusing. Null: true in dev only."
  type        = bool
  default     = null
}

variable "tags" {
  description = "Tags for every AWS resource, merged over the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "cdn" {
  description = "CloudFront settings (domain_name, zone_id, certificate_arn, price_class); a custom domain needs a us-east-1 certificate."
  type        = map(string)
  default     = {}
}
