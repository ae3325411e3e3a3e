//! What the gate knows of `edulibra_environment`, the one resource of ours it judges through its
//! children: which of the environment's arguments decides a finding on a child. The provider's
//! inline verdicts point Terraform's diagnostics at it, and `check --source` points a finding at
//! its line, so both say the same.

/// The argument of `edulibra_environment` that decides a finding, so Terraform points at it.
pub fn argument_for(rule_id: &str, category: &str, resource_type: &str) -> Option<&'static str> {
    let specific = match rule_id {
        "EDU-HA-001" => Some("database.multi_az"),
        "EDU-HA-002" => Some("cache.replicas"),
        "EDU-HA-003" => Some("network.az_count"),
        "EDU-HA-005" => Some("network.nat_gateways"),
        "EDU-LOG-013" => Some("observability.log_retention_days"),
        "EDU-ENC-020" => Some("cdn.certificate_arn"),
        "EDU-ENC-022" | "EDU-ENC-023" => Some("containers.certificate_arn"),
        _ => None,
    };
    if specific.is_some() {
        return specific;
    }
    if category == "waf" {
        return Some("waf");
    }
    Some(match resource_type {
        "aws_db_instance" | "aws_db_subnet_group" => "database",
        t if t.starts_with("aws_elasticache_") => "cache",
        "aws_cloudfront_distribution"
        | "aws_cloudfront_origin_access_control"
        | "aws_route53_record" => "cdn",
        t if t.starts_with("aws_lb")
            || t.starts_with("aws_ecs_")
            || t.starts_with("aws_appautoscaling_") =>
        {
            "containers"
        }
        t if t.starts_with("aws_lambda_") || t.starts_with("aws_api_gateway_") => "functions",
        "aws_cloudwatch_log_group"
        | "aws_cloudwatch_metric_alarm"
        | "aws_sns_topic"
        | "aws_cloudtrail" => "observability",
        "aws_dynamodb_table" => "tables",
        t if t.starts_with("aws_backup_") => "backup",
        "aws_vpc"
        | "aws_subnet"
        | "aws_nat_gateway"
        | "aws_eip"
        | "aws_internet_gateway"
        | "aws_route_table"
        | "aws_route"
        | "aws_route_table_association"
        | "aws_security_group"
        | "aws_vpc_endpoint"
        | "aws_flow_log" => "network",
        _ => return None,
    })
}
