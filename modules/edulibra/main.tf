resource "edulibra_environment" "this" {
  name    = var.name
  stage   = var.stage
  compute = var.compute
  tags    = var.tags

  force_destroy = var.force_destroy

  network {
    cidr_block   = var.cidr_block
    az_count     = var.az_count
    nat_gateways = var.nat_gateways
  }

  database {
    engine_version        = lookup(var.database, "engine_version", null)
    instance_class        = lookup(var.database, "instance_class", null)
    allocated_storage     = lookup(var.database, "allocated_storage", null)
    multi_az              = lookup(var.database, "multi_az", null)
    backup_retention_days = lookup(var.database, "backup_retention_days", null)
    deletion_protection   = lookup(var.database, "deletion_protection", null)
  }

  containers {
    image           = lookup(var.containers, "image", null)
    cpu             = lookup(var.containers, "cpu", null)
    memory          = lookup(var.containers, "memory", null)
    desired_count   = lookup(var.containers, "desired_count", null)
    min_count       = lookup(var.containers, "min_count", null)
    max_count       = lookup(var.containers, "max_count", null)
    certificate_arn = lookup(var.containers, "certificate_arn", null)

    health_check_path = lookup(var.containers, "health_check_path", null)
  }

  functions {
    runtime     = lookup(var.functions, "runtime", null)
    handler     = lookup(var.functions, "handler", null)
    memory_size = lookup(var.functions, "memory_size", null)
    package     = lookup(var.functions, "package", null)

    reserved_concurrency = lookup(var.functions, "reserved_concurrency", null)
  }

  cdn {
    domain_name     = lookup(var.cdn, "domain_name", null)
    zone_id         = lookup(var.cdn, "zone_id", null)
    certificate_arn = lookup(var.cdn, "certificate_arn", null)
    price_class     = lookup(var.cdn, "price_class", null)
  }

  waf {
    enabled = var.waf_enabled
  }

  observability {
    log_retention_days = var.log_retention_days
    alarm_email        = var.alarm_email
  }
}
