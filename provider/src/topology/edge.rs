//! CloudFront with origin access control, WAFv2 web ACLs (CLOUDFRONT and REGIONAL) with their
//! logging, and Route 53 aliases when a domain is given.

use super::{block, obj, reference, strings, Builder, ComputeOut, SecurityOut, StorageOut, V};

/// CloudFront's managed cache and origin request policies (fixed ids across all accounts).
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/// The hosted zone of every CloudFront distribution.
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

fn visibility(metric: &str) -> V {
    block([
        ("cloudwatch_metrics_enabled", true.into()),
        ("metric_name", metric.into()),
        ("sampled_requests_enabled", true.into()),
    ])
}

fn web_acl(b: &mut Builder, id: &str, scope: &str, sec: &SecurityOut) -> String {
    let spec = b.spec;
    // A CLOUDFRONT-scope ACL lives in us-east-1, and so must its log group ("Configure the log
    // group ... in the same Region as the web ACL", AWS WAF Developer Guide) and the key of that
    // group (KMS keys are regional). Its name is unique in us-east-1 across the account's
    // environments, whatever region each lives in.
    let global = scope == "CLOUDFRONT";
    let (region, acl_name, key) = if global {
        (
            b.at.global_region().to_string(),
            b.global_name(id),
            sec.edge_kms_key.clone(),
        )
    } else {
        (b.at.region.clone(), b.name(id), sec.kms_key.clone())
    };
    let mut rules = Vec::new();
    for (i, group) in spec.waf.managed_rule_groups.iter().enumerate() {
        rules.push(obj([
            ("name", group.clone().into()),
            ("priority", (i as i64 + 1).into()),
            ("override_action", block([("none", V::List(vec![obj([])]))])),
            (
                "statement",
                block([(
                    "managed_rule_group_statement",
                    block([
                        ("name", group.clone().into()),
                        ("vendor_name", "AWS".into()),
                    ]),
                )]),
            ),
            ("visibility_config", visibility(group)),
        ]));
    }
    rules.push(obj([
        ("name", "rate-limit".into()),
        ("priority", 0.into()),
        ("action", block([("block", V::List(vec![obj([])]))])),
        (
            "statement",
            block([(
                "rate_based_statement",
                block([
                    ("limit", spec.waf.rate_limit.into()),
                    ("aggregate_key_type", "IP".into()),
                ]),
            )]),
        ),
        ("visibility_config", visibility("rate-limit")),
    ]));
    let acl = b.add(
        "aws_wafv2_web_acl",
        id,
        obj([
            ("region", region.clone().into()),
            ("name", acl_name.clone().into()),
            (
                "description",
                // WAF descriptions allow no parentheses.
                format!("EduLibra {} {scope}", b.prefix()).into(),
            ),
            ("scope", scope.into()),
            ("default_action", block([("allow", V::List(vec![obj([])]))])),
            ("rule", V::List(rules)),
            ("visibility_config", visibility(&acl_name)),
        ]),
    );
    let group = b.add(
        "aws_cloudwatch_log_group",
        &format!("waf_{id}"),
        obj([
            ("region", region.clone().into()),
            // WAF delivers only to log groups named aws-waf-logs-*.
            ("name", format!("aws-waf-logs-{acl_name}").into()),
            (
                "retention_in_days",
                spec.observability.log_retention_days.into(),
            ),
            ("kms_key_id", reference(&key, "arn")),
        ]),
    );
    b.add(
        "aws_wafv2_web_acl_logging_configuration",
        id,
        obj([
            ("region", region.into()),
            ("resource_arn", reference(&acl, "arn")),
            (
                "log_destination_configs",
                V::List(vec![reference(&group, "arn")]),
            ),
        ]),
    );
    acl
}

pub fn build(b: &mut Builder, sec: &SecurityOut, store: &StorageOut, app: &ComputeOut) {
    let spec = b.spec;
    let (cloudfront_acl, regional_acl) = if spec.waf.enabled {
        (
            Some(web_acl(b, "cloudfront", "CLOUDFRONT", sec)),
            Some(web_acl(b, "regional", "REGIONAL", sec)),
        )
    } else {
        (None, None)
    };
    if let Some(acl) = &regional_acl {
        b.add(
            "aws_wafv2_web_acl_association",
            "api",
            obj([
                ("resource_arn", reference(&app.api_origin, "arn")),
                ("web_acl_arn", reference(acl, "arn")),
            ]),
        );
    }

    let oac = b.add(
        "aws_cloudfront_origin_access_control",
        "site",
        obj([
            ("name", b.global_name("site").into()),
            (
                "description",
                "CloudFront reads the site bucket with SigV4".into(),
            ),
            ("origin_access_control_origin_type", "s3".into()),
            ("signing_behavior", "always".into()),
            ("signing_protocol", "sigv4".into()),
        ]),
    );
    let site_domain = format!(
        "{}.s3.{}.{}",
        store.site_bucket_name,
        b.at.region,
        super::dns_suffix(&b.at.region)
    );
    let (api_domain, api_path, api_protocol) = match (&app.alb, &app.stage) {
        // Over HTTPS CloudFront checks the ALB's certificate against the origin's name, and the
        // ALB's own `*.elb.amazonaws.com` name is on no certificate of ours: it reaches the ALB
        // as `api.<domain>`, an alias in the environment's zone (the spec requires both with a
        // certificate).
        (Some(alb), _) => match (
            &spec.containers.certificate_arn,
            &spec.cdn.domain_name,
            &spec.cdn.zone_id,
        ) {
            (Some(_), Some(domain), Some(zone)) => {
                let origin = format!("api.{domain}");
                b.add(
                    "aws_route53_record",
                    "api_origin",
                    obj([
                        ("zone_id", zone.clone().into()),
                        ("name", origin.clone().into()),
                        ("type", "A".into()),
                        (
                            "alias",
                            block([
                                ("name", reference(alb, "dns_name")),
                                ("zone_id", reference(alb, "zone_id")),
                                ("evaluate_target_health", true.into()),
                            ]),
                        ),
                    ]),
                );
                (V::Str(origin), "", "https-only")
            }
            _ => (reference(alb, "dns_name"), "", "http-only"),
        },
        (None, Some(_)) => (
            V::Concat(vec![
                reference(
                    app.rest_api.as_deref().expect("serverless has an API"),
                    "id",
                ),
                format!(
                    ".execute-api.{}.{}",
                    b.at.region,
                    super::dns_suffix(&b.at.region)
                )
                .into(),
            ]),
            "/v1",
            "https-only",
        ),
        (None, None) => unreachable!("every compute mode has an API origin"),
    };
    let viewer_certificate = match &spec.cdn.certificate_arn {
        Some(arn) => block([
            ("acm_certificate_arn", arn.clone().into()),
            ("cloudfront_default_certificate", false.into()),
            ("minimum_protocol_version", "TLSv1.2_2021".into()),
            ("ssl_support_method", "sni-only".into()),
        ]),
        None => block([
            ("cloudfront_default_certificate", true.into()),
            ("minimum_protocol_version", "TLSv1.2_2021".into()),
        ]),
    };
    let cdn = b.add_after(
        "aws_cloudfront_distribution",
        "main",
        obj([
            ("enabled", true.into()),
            ("is_ipv6_enabled", true.into()),
            ("comment", format!("EduLibra {}", b.prefix()).into()),
            ("default_root_object", "index.html".into()),
            ("price_class", spec.cdn.price_class.clone().into()),
            ("http_version", "http2and3".into()),
            ("aliases", strings(spec.cdn.domain_name.iter().cloned())),
            (
                "web_acl_id",
                cloudfront_acl
                    .as_ref()
                    .map(|a| reference(a, "arn"))
                    .unwrap_or(V::Null),
            ),
            (
                "origin",
                V::List(vec![
                    obj([
                        ("origin_id", "site".into()),
                        ("domain_name", site_domain.into()),
                        ("origin_access_control_id", reference(&oac, "id")),
                    ]),
                    obj([
                        ("origin_id", "api".into()),
                        ("domain_name", api_domain),
                        ("origin_path", api_path.into()),
                        (
                            "custom_origin_config",
                            block([
                                ("http_port", 80.into()),
                                ("https_port", 443.into()),
                                ("origin_protocol_policy", api_protocol.into()),
                                ("origin_ssl_protocols", strings(["TLSv1.2"])),
                            ]),
                        ),
                    ]),
                ]),
            ),
            (
                "default_cache_behavior",
                block([
                    ("target_origin_id", "site".into()),
                    ("viewer_protocol_policy", "redirect-to-https".into()),
                    ("allowed_methods", strings(["GET", "HEAD"])),
                    ("cached_methods", strings(["GET", "HEAD"])),
                    ("cache_policy_id", CACHING_OPTIMIZED.into()),
                    ("compress", true.into()),
                ]),
            ),
            (
                "ordered_cache_behavior",
                block([
                    ("path_pattern", "/api/*".into()),
                    ("target_origin_id", "api".into()),
                    ("viewer_protocol_policy", "https-only".into()),
                    (
                        "allowed_methods",
                        strings(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]),
                    ),
                    ("cached_methods", strings(["GET", "HEAD"])),
                    ("cache_policy_id", CACHING_DISABLED.into()),
                    ("origin_request_policy_id", ALL_VIEWER_EXCEPT_HOST.into()),
                    ("compress", true.into()),
                ]),
            ),
            (
                "restrictions",
                block([(
                    "geo_restriction",
                    block([
                        ("restriction_type", "none".into()),
                        ("locations", V::List(vec![])),
                    ]),
                )]),
            ),
            ("viewer_certificate", viewer_certificate),
            (
                "logging_config",
                block([
                    (
                        "bucket",
                        format!("{}.s3.amazonaws.com", store.logs_bucket_name).into(),
                    ),
                    ("prefix", "cloudfront/".into()),
                    ("include_cookies", false.into()),
                ]),
            ),
        ]),
        // CloudFront checks the log bucket's ACL support when logging is set.
        &["aws_s3_bucket_ownership_controls.logs"],
    );

    if let (Some(domain), Some(zone)) = (&spec.cdn.domain_name, &spec.cdn.zone_id) {
        for (id, kind) in [("cdn_ipv4", "A"), ("cdn_ipv6", "AAAA")] {
            b.add(
                "aws_route53_record",
                id,
                obj([
                    ("zone_id", zone.clone().into()),
                    ("name", domain.clone().into()),
                    ("type", kind.into()),
                    (
                        "alias",
                        block([
                            ("name", reference(&cdn, "domain_name")),
                            ("zone_id", CLOUDFRONT_ZONE.into()),
                            ("evaluate_target_health", false.into()),
                        ]),
                    ),
                ]),
            );
        }
    }
}
