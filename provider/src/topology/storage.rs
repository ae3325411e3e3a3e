//! S3 buckets (site, media, logs), RDS PostgreSQL, DynamoDB tables and the Redis cache.

use super::{
    block, ids, json, obj, reference, strings, Builder, NetworkOut, SecurityOut, StorageOut, V,
};
use crate::environment::spec::Stage;

/// Bucket names carry the region so one account can hold an environment per region.
pub fn bucket_name(b: &Builder, purpose: &str) -> String {
    format!("{}-{}-{purpose}", b.prefix(), b.at.region)
}

fn tls_only(b: &Builder, bucket: &str) -> V {
    let arn = format!("arn:{}:s3:::{bucket}", b.at.partition);
    obj([
        ("Sid", "DenyInsecureTransport".into()),
        ("Effect", "Deny".into()),
        // `{"AWS": "*"}` is AWS's spelled-out form of `"*"`; the moto server's access-log
        // permission check only understands principals written as objects.
        ("Principal", obj([("AWS", "*".into())])),
        ("Action", "s3:*".into()),
        ("Resource", strings([arn.clone(), format!("{arn}/*")])),
        (
            "Condition",
            obj([("Bool", obj([("aws:SecureTransport", "false".into())]))]),
        ),
    ])
}

struct BucketPlan<'a> {
    purpose: &'a str,
    /// SSE-KMS with the environment key; the logs bucket uses SSE-S3 because S3 server access
    /// logs and ELB access logs can only be delivered to SSE-S3 buckets.
    kms: bool,
    extra_policy: Vec<V>,
    expire_days: Option<i64>,
    log_to: Option<(String, String)>,
}

fn bucket(b: &mut Builder, sec: &SecurityOut, p: BucketPlan) -> (String, String) {
    let name = bucket_name(b, p.purpose);
    let id = p.purpose;
    let addr = b.add(
        "aws_s3_bucket",
        id,
        obj([
            ("bucket", name.clone().into()),
            ("force_destroy", b.spec.force_destroy.into()),
            ("object_lock_enabled", false.into()),
        ]),
    );
    let by_default = if p.kms {
        block([
            ("sse_algorithm", "aws:kms".into()),
            ("kms_master_key_id", reference(&sec.kms_key, "arn")),
        ])
    } else {
        block([
            ("sse_algorithm", "AES256".into()),
            ("kms_master_key_id", V::Null),
        ])
    };
    b.add(
        "aws_s3_bucket_server_side_encryption_configuration",
        id,
        obj([
            ("bucket", reference(&addr, "id")),
            (
                "rule",
                V::List(vec![obj([
                    ("apply_server_side_encryption_by_default", by_default),
                    ("bucket_key_enabled", p.kms.into()),
                ])]),
            ),
        ]),
    );
    b.add(
        "aws_s3_bucket_versioning",
        id,
        obj([
            ("bucket", reference(&addr, "id")),
            (
                "versioning_configuration",
                block([("status", "Enabled".into())]),
            ),
        ]),
    );
    b.add(
        "aws_s3_bucket_public_access_block",
        id,
        obj([
            ("bucket", reference(&addr, "id")),
            ("block_public_acls", true.into()),
            ("block_public_policy", true.into()),
            ("ignore_public_acls", true.into()),
            ("restrict_public_buckets", true.into()),
        ]),
    );
    let mut stmts = vec![tls_only(b, &name)];
    stmts.extend(p.extra_policy);
    b.add(
        "aws_s3_bucket_policy",
        id,
        obj([
            ("bucket", reference(&addr, "id")),
            (
                "policy",
                json(obj([
                    ("Version", "2012-10-17".into()),
                    ("Statement", V::List(stmts)),
                ])),
            ),
        ]),
    );
    let mut rule = vec![
        ("id", V::from("housekeeping")),
        ("status", "Enabled".into()),
        ("filter", block([("prefix", "".into())])),
        (
            "abort_incomplete_multipart_upload",
            block([("days_after_initiation", 7.into())]),
        ),
        (
            "noncurrent_version_expiration",
            block([("noncurrent_days", 30.into())]),
        ),
    ];
    if let Some(days) = p.expire_days {
        rule.push(("expiration", block([("days", days.into())])));
    }
    b.add(
        "aws_s3_bucket_lifecycle_configuration",
        id,
        obj([
            ("bucket", reference(&addr, "id")),
            (
                "rule",
                V::List(vec![V::Obj(
                    rule.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                )]),
            ),
        ]),
    );
    if let Some((logs_addr, _)) = &p.log_to {
        // S3 checks that the target bucket's policy lets log delivery write: policy first.
        let logs_policy = logs_addr.replace("aws_s3_bucket.", "aws_s3_bucket_policy.");
        b.add_after(
            "aws_s3_bucket_logging",
            id,
            obj([
                ("bucket", reference(&addr, "id")),
                ("target_bucket", reference(logs_addr, "id")),
                ("target_prefix", format!("s3/{id}/").into()),
            ]),
            &[&logs_policy],
        );
    }
    (addr, name)
}

/// The Elastic Load Balancing account that writes access logs in the regions available before
/// August 2022; None elsewhere, where the `logdelivery.elasticloadbalancing.amazonaws.com`
/// principal writes them. Source: "Enable access logs for your Application Load Balancer",
/// Elastic Load Balancing User Guide (table of 2026-12; Jakarta and the China regions as
/// terraform-provider-aws' aws_elb_service_account lists them from the same page).
pub fn elb_account(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "127311923021",
        "us-east-2" => "033677994240",
        "us-west-1" => "027434742980",
        "us-west-2" => "797873946194",
        "af-south-1" => "098369216593",
        "ca-central-1" => "985666609251",
        "eu-central-1" => "054676820928",
        "eu-west-1" => "156460612806",
        "eu-west-2" => "652711504416",
        "eu-south-1" => "635631232127",
        "eu-west-3" => "009996457667",
        "eu-north-1" => "897822967062",
        "ap-east-1" => "754344448648",
        "ap-northeast-1" => "582318560864",
        "ap-northeast-2" => "600734575887",
        "ap-northeast-3" => "383597477331",
        "ap-southeast-1" => "114774131450",
        "ap-southeast-2" => "783225319266",
        "ap-southeast-3" => "589379963580",
        "ap-south-1" => "718504428378",
        "me-south-1" => "076674570225",
        "sa-east-1" => "507241528517",
        "us-gov-west-1" => "048591011584",
        "us-gov-east-1" => "190560391635",
        "cn-north-1" => "638102146993",
        "cn-northwest-1" => "037604701340",
        _ => return None,
    })
}

pub fn build(b: &mut Builder, net: &NetworkOut, sec: &SecurityOut) -> StorageOut {
    let spec = b.spec;
    let account = b.at.account_id.clone();
    let partition = b.at.partition.clone();
    let logs_name = bucket_name(b, "logs");
    let logs_arn = format!("arn:{partition}:s3:::{logs_name}");
    let trail_arn = b.at.arn(
        "cloudtrail",
        &b.at.region,
        &format!("trail/{}", b.global_name("trail")),
    );
    let cloudtrail_statements = vec![
        obj([
            ("Sid", "CloudTrailAclCheck".into()),
            ("Effect", "Allow".into()),
            (
                "Principal",
                obj([("Service", "cloudtrail.amazonaws.com".into())]),
            ),
            ("Action", "s3:GetBucketAcl".into()),
            ("Resource", logs_arn.clone().into()),
            (
                "Condition",
                obj([(
                    "StringEquals",
                    obj([("aws:SourceArn", trail_arn.clone().into())]),
                )]),
            ),
        ]),
        obj([
            ("Sid", "CloudTrailWrite".into()),
            ("Effect", "Allow".into()),
            (
                "Principal",
                obj([("Service", "cloudtrail.amazonaws.com".into())]),
            ),
            ("Action", "s3:PutObject".into()),
            (
                "Resource",
                format!("{logs_arn}/cloudtrail/AWSLogs/{account}/*").into(),
            ),
            (
                "Condition",
                obj([(
                    "StringEquals",
                    obj([
                        ("aws:SourceArn", trail_arn.into()),
                        ("s3:x-amz-acl", "bucket-owner-full-control".into()),
                    ]),
                )]),
            ),
        ]),
    ];
    let mut cloudtrail_statements = cloudtrail_statements;
    // One statement per delivery service: S3 (and the moto server's check of it) looks for the
    // S3 logging principal on its own.
    cloudtrail_statements.push(obj([
        ("Sid", "AccessLogDelivery".into()),
        ("Effect", "Allow".into()),
        (
            "Principal",
            obj([("Service", "logging.s3.amazonaws.com".into())]),
        ),
        ("Action", "s3:PutObject".into()),
        ("Resource", format!("{logs_arn}/*").into()),
        (
            "Condition",
            obj([(
                "StringEquals",
                obj([("aws:SourceAccount", account.clone().into())]),
            )]),
        ),
    ]));
    // Load balancers write as their region's Elastic Load Balancing account in the regions
    // opened before August 2022, and as the log-delivery service elsewhere.
    let alb_logs = format!("{logs_arn}/alb/AWSLogs/{account}/*");
    cloudtrail_statements.push(match elb_account(&b.at.region) {
        Some(elb) => obj([
            ("Sid", "LoadBalancerLogDelivery".into()),
            ("Effect", "Allow".into()),
            (
                "Principal",
                obj([("AWS", format!("arn:{partition}:iam::{elb}:root").into())]),
            ),
            ("Action", "s3:PutObject".into()),
            ("Resource", alb_logs.into()),
        ]),
        None => obj([
            ("Sid", "LoadBalancerLogDelivery".into()),
            ("Effect", "Allow".into()),
            (
                "Principal",
                obj([(
                    "Service",
                    "logdelivery.elasticloadbalancing.amazonaws.com".into(),
                )]),
            ),
            ("Action", "s3:PutObject".into()),
            ("Resource", alb_logs.into()),
        ]),
    });
    let logs = bucket(
        b,
        sec,
        BucketPlan {
            purpose: "logs",
            kms: false,
            extra_policy: cloudtrail_statements,
            expire_days: Some(spec.observability.log_retention_days.max(90)),
            log_to: None,
        },
    );
    // CloudFront's standard logs are delivered with an ACL grant, which a bucket with the
    // default BucketOwnerEnforced ownership refuses ("Don't choose an Amazon S3 bucket with S3
    // Object Ownership set to bucket owner enforced", CloudFront Developer Guide, standard
    // logging): the logs bucket keeps ACLs, its objects still owned by the account.
    b.add(
        "aws_s3_bucket_ownership_controls",
        "logs",
        obj([
            ("bucket", reference(&logs.0, "id")),
            (
                "rule",
                block([("object_ownership", "BucketOwnerPreferred".into())]),
            ),
        ]),
    );
    let site_name = bucket_name(b, "site");
    let site_read = obj([
        ("Sid", "CloudFrontReadsSite".into()),
        ("Effect", "Allow".into()),
        (
            "Principal",
            obj([("Service", "cloudfront.amazonaws.com".into())]),
        ),
        ("Action", "s3:GetObject".into()),
        (
            "Resource",
            format!("arn:{partition}:s3:::{site_name}/*").into(),
        ),
        (
            "Condition",
            obj([(
                "StringLike",
                obj([(
                    "AWS:SourceArn",
                    format!("arn:{partition}:cloudfront::{account}:distribution/*").into(),
                )]),
            )]),
        ),
    ]);
    let site = bucket(
        b,
        sec,
        BucketPlan {
            purpose: "site",
            kms: true,
            extra_policy: vec![site_read],
            expire_days: None,
            log_to: Some(logs.clone()),
        },
    );
    let media = bucket(
        b,
        sec,
        BucketPlan {
            purpose: "media",
            kms: true,
            extra_policy: vec![],
            expire_days: None,
            log_to: Some(logs.clone()),
        },
    );

    let subnet_group = b.add(
        "aws_db_subnet_group",
        "main",
        obj([
            ("name", b.name("db").into()),
            ("description", "Data subnets of the environment".into()),
            ("subnet_ids", ids(&net.data_subnets)),
        ]),
    );
    let db_spec = &spec.database;
    let db = b.add_after(
        "aws_db_instance",
        "main",
        obj([
            ("identifier", b.name("db").into()),
            ("engine", "postgres".into()),
            ("engine_version", db_spec.engine_version.clone().into()),
            ("instance_class", db_spec.instance_class.clone().into()),
            ("allocated_storage", db_spec.allocated_storage.into()),
            (
                "max_allocated_storage",
                (db_spec.allocated_storage * 4).into(),
            ),
            ("storage_type", "gp3".into()),
            ("storage_encrypted", true.into()),
            ("kms_key_id", reference(&sec.kms_key, "arn")),
            ("db_name", "edulibra".into()),
            ("username", "edulibra_admin".into()),
            ("manage_master_user_password", true.into()),
            (
                "master_user_secret_kms_key_id",
                reference(&sec.kms_key, "arn"),
            ),
            ("multi_az", db_spec.multi_az.into()),
            (
                "backup_retention_period",
                db_spec.backup_retention_days.into(),
            ),
            ("deletion_protection", db_spec.deletion_protection.into()),
            ("skip_final_snapshot", (spec.stage == Stage::Dev).into()),
            (
                "final_snapshot_identifier",
                (if spec.stage == Stage::Dev {
                    V::Null
                } else {
                    b.name("db-final").into()
                }),
            ),
            ("db_subnet_group_name", reference(&subnet_group, "name")),
            (
                "vpc_security_group_ids",
                V::List(vec![reference(&net.sg_db, "id")]),
            ),
            ("publicly_accessible", false.into()),
            ("iam_database_authentication_enabled", true.into()),
            (
                "enabled_cloudwatch_logs_exports",
                strings(["postgresql", "upgrade"]),
            ),
            ("performance_insights_enabled", true.into()),
            (
                "performance_insights_kms_key_id",
                reference(&sec.kms_key, "arn"),
            ),
            ("monitoring_interval", 60.into()),
            (
                "monitoring_role_arn",
                reference(&sec.rds_monitoring_role, "arn"),
            ),
            ("auto_minor_version_upgrade", true.into()),
            ("copy_tags_to_snapshot", true.into()),
        ]),
        // RDS checks the monitoring role's permissions at CreateDBInstance ("IAM role ARN
        // value is invalid or does not include the required permissions for:
        // ENHANCED_MONITORING"): the policy is attached first.
        &[&sec.rds_monitoring_policy],
    );

    let mut tables = Vec::new();
    for t in &spec.tables {
        let (hash, range) = match t.as_str() {
            "exercises" => ("course_id", Some("exercise_id")),
            "user_progress" => ("user_id", Some("exercise_id")),
            _ => ("pk", Some("sk")),
        };
        let mut attrs = vec![obj([("name", hash.into()), ("type", "S".into())])];
        if let Some(r) = range {
            attrs.push(obj([("name", r.into()), ("type", "S".into())]));
        }
        let name = format!("{}-{t}", b.prefix());
        let addr = b.add(
            "aws_dynamodb_table",
            t,
            obj([
                ("name", name.clone().into()),
                ("billing_mode", "PAY_PER_REQUEST".into()),
                ("hash_key", hash.into()),
                ("range_key", range.map(V::from).unwrap_or(V::Null)),
                ("attribute", V::List(attrs)),
                (
                    "server_side_encryption",
                    block([
                        ("enabled", true.into()),
                        ("kms_key_arn", reference(&sec.kms_key, "arn")),
                    ]),
                ),
                ("point_in_time_recovery", block([("enabled", true.into())])),
                (
                    "deletion_protection_enabled",
                    // One switch for the data tier: what protects the database protects the
                    // tables, and switching it off lets a destroy through.
                    spec.database.deletion_protection.into(),
                ),
            ]),
        );
        tables.push((addr, name));
    }

    let cache_subnets = b.add(
        "aws_elasticache_subnet_group",
        "main",
        obj([
            ("name", b.name("cache").into()),
            ("description", "Data subnets of the environment".into()),
            ("subnet_ids", ids(&net.data_subnets)),
        ]),
    );
    // Clients authenticate with IAM (Redis RBAC); the mandatory `default` user is switched off.
    let default_user = b.add(
        "aws_elasticache_user",
        "default",
        obj([
            ("user_id", b.name("default").into()),
            ("user_name", "default".into()),
            ("engine", "redis".into()),
            ("access_string", "off ~* -@all".into()),
            (
                "authentication_mode",
                block([("type", "no-password-required".into())]),
            ),
        ]),
    );
    let app_user = b.add(
        "aws_elasticache_user",
        "app",
        obj([
            ("user_id", b.name("app").into()),
            ("user_name", b.name("app").into()),
            ("engine", "redis".into()),
            ("access_string", "on ~* +@all -@dangerous".into()),
            ("authentication_mode", block([("type", "iam".into())])),
        ]),
    );
    let users = b.add(
        "aws_elasticache_user_group",
        "main",
        obj([
            ("user_group_id", b.name("users").into()),
            ("engine", "redis".into()),
            (
                "user_ids",
                V::List(vec![
                    reference(&default_user, "user_id"),
                    reference(&app_user, "user_id"),
                ]),
            ),
        ]),
    );
    let failover = spec.cache.replicas > 0;
    let cache = b.add(
        "aws_elasticache_replication_group",
        "main",
        obj([
            ("replication_group_id", b.name("cache").into()),
            (
                "description",
                format!("Redis cache of {}", b.prefix()).into(),
            ),
            ("engine", "redis".into()),
            ("engine_version", "7.1".into()),
            ("node_type", spec.cache.node_type.clone().into()),
            ("num_cache_clusters", (spec.cache.replicas + 1).into()),
            ("port", 6379.into()),
            ("automatic_failover_enabled", failover.into()),
            ("multi_az_enabled", failover.into()),
            ("at_rest_encryption_enabled", true.into()),
            ("kms_key_id", reference(&sec.kms_key, "arn")),
            ("transit_encryption_enabled", true.into()),
            ("subnet_group_name", reference(&cache_subnets, "name")),
            (
                "security_group_ids",
                V::List(vec![reference(&net.sg_cache, "id")]),
            ),
            (
                "user_group_ids",
                V::List(vec![reference(&users, "user_group_id")]),
            ),
            (
                "snapshot_retention_limit",
                (if spec.stage == Stage::Dev { 1 } else { 7 }).into(),
            ),
            ("auto_minor_version_upgrade", "true".into()),
        ]),
    );

    StorageOut {
        site_bucket: site.0,
        site_bucket_name: site.1,
        media_bucket_name: media.1,
        logs_bucket: logs.0,
        logs_bucket_name: logs.1,
        db,
        tables,
        cache,
    }
}
