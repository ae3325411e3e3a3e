//! Alarms to an encrypted SNS topic, CloudTrail, and AWS Backup over the database and tables.

use super::iam::{policy, service_trust, statement};
use super::{block, obj, reference, Builder, ComputeOut, SecurityOut, StorageOut, V};

struct Alarm<'a> {
    id: &'a str,
    namespace: &'a str,
    metric: &'a str,
    statistic: &'a str,
    threshold: i64,
    comparison: &'a str,
    dimensions: V,
    description: &'a str,
}

/// The alarm topic's policy: the account keeps the owner's rights (what the default policy
/// gives), CloudWatch alarms of this account publish, and so does the environment's trail, which
/// CloudTrail refuses to create without it (`InsufficientSnsTopicPolicyException`; "Amazon SNS
/// topic policy for CloudTrail", CloudTrail User Guide, with the `aws:SourceArn` condition it
/// recommends).
fn topic_policy(b: &Builder, topic_name: &str, trail_name: &str) -> V {
    let topic_arn = b.at.arn("sns", &b.at.region, topic_name);
    let account = b.at.account_id.clone();
    let publish = |sid: &str, service: &str, condition: V| {
        obj([
            ("Sid", sid.into()),
            ("Effect", "Allow".into()),
            ("Principal", obj([("Service", service.into())])),
            ("Action", "SNS:Publish".into()),
            ("Resource", topic_arn.clone().into()),
            ("Condition", condition),
        ])
    };
    super::json(obj([
        ("Version", "2012-10-17".into()),
        (
            "Statement",
            V::List(vec![
                obj([
                    ("Sid", "AccountOwnsTopic".into()),
                    ("Effect", "Allow".into()),
                    (
                        "Principal",
                        obj([(
                            "AWS",
                            format!("arn:{}:iam::{account}:root", b.at.partition).into(),
                        )]),
                    ),
                    (
                        "Action",
                        super::strings([
                            "SNS:GetTopicAttributes",
                            "SNS:SetTopicAttributes",
                            "SNS:AddPermission",
                            "SNS:RemovePermission",
                            "SNS:DeleteTopic",
                            "SNS:Subscribe",
                            "SNS:ListSubscriptionsByTopic",
                            "SNS:Publish",
                        ]),
                    ),
                    ("Resource", topic_arn.clone().into()),
                ]),
                publish(
                    "CloudWatchAlarmsPublish",
                    "cloudwatch.amazonaws.com",
                    obj([(
                        "StringEquals",
                        obj([("aws:SourceAccount", account.clone().into())]),
                    )]),
                ),
                publish(
                    "CloudTrailPublishes",
                    "cloudtrail.amazonaws.com",
                    obj([(
                        "StringEquals",
                        obj([(
                            "AWS:SourceArn",
                            b.at.arn("cloudtrail", &b.at.region, &format!("trail/{trail_name}"))
                                .into(),
                        )]),
                    )]),
                ),
            ]),
        ),
    ]))
}

pub fn build(b: &mut Builder, sec: &SecurityOut, store: &StorageOut, app: &ComputeOut) {
    let spec = b.spec;
    // A multi-region trail's name is unique across the account's regions (its shadow trails
    // appear in every region), so it carries the environment's region.
    let trail_name = b.global_name("trail");
    let topic_name = b.name("alarms");
    let topic = b.add(
        "aws_sns_topic",
        "alarms",
        obj([
            ("name", topic_name.clone().into()),
            ("kms_master_key_id", reference(&sec.kms_key, "arn")),
            ("policy", topic_policy(b, &topic_name, &trail_name)),
        ]),
    );
    if let Some(email) = &spec.observability.alarm_email {
        b.add(
            "aws_sns_topic_subscription",
            "alarm_email",
            obj([
                ("topic_arn", reference(&topic, "arn")),
                ("protocol", "email".into()),
                ("endpoint", email.clone().into()),
            ]),
        );
    }

    let db_id = b.name("db");
    let cache_id = b.name("cache");
    let mut alarms = vec![
        Alarm {
            id: "db_cpu",
            namespace: "AWS/RDS",
            metric: "CPUUtilization",
            statistic: "Average",
            threshold: 80,
            comparison: "GreaterThanThreshold",
            dimensions: obj([("DBInstanceIdentifier", db_id.clone().into())]),
            description: "Database CPU above 80%",
        },
        Alarm {
            id: "db_storage",
            namespace: "AWS/RDS",
            metric: "FreeStorageSpace",
            statistic: "Minimum",
            threshold: 5 * 1024 * 1024 * 1024,
            comparison: "LessThanThreshold",
            dimensions: obj([("DBInstanceIdentifier", db_id.into())]),
            description: "Database free storage below 5 GiB",
        },
        Alarm {
            id: "cache_cpu",
            namespace: "AWS/ElastiCache",
            metric: "EngineCPUUtilization",
            statistic: "Average",
            threshold: 80,
            comparison: "GreaterThanThreshold",
            dimensions: obj([("ReplicationGroupId", cache_id.into())]),
            description: "Redis engine CPU above 80%",
        },
    ];
    let alb_suffix;
    match (&app.alb, &app.ecs_service, &app.lambda) {
        (Some(alb), Some((cluster, service)), _) => {
            alb_suffix = reference(alb, "arn_suffix");
            alarms.push(Alarm {
                id: "alb_5xx",
                namespace: "AWS/ApplicationELB",
                metric: "HTTPCode_Target_5XX_Count",
                statistic: "Sum",
                threshold: 10,
                comparison: "GreaterThanThreshold",
                dimensions: obj([("LoadBalancer", alb_suffix.clone())]),
                description: "Application 5xx responses",
            });
            alarms.push(Alarm {
                id: "ecs_cpu",
                namespace: "AWS/ECS",
                metric: "CPUUtilization",
                statistic: "Average",
                threshold: 85,
                comparison: "GreaterThanThreshold",
                dimensions: obj([
                    ("ClusterName", cluster.clone().into()),
                    ("ServiceName", service.clone().into()),
                ]),
                description: "Service CPU above 85%",
            });
        }
        (_, _, Some(function)) => {
            alarms.push(Alarm {
                id: "lambda_errors",
                namespace: "AWS/Lambda",
                metric: "Errors",
                statistic: "Sum",
                threshold: 5,
                comparison: "GreaterThanThreshold",
                dimensions: obj([("FunctionName", function.clone().into())]),
                description: "API function errors",
            });
            alarms.push(Alarm {
                id: "api_5xx",
                namespace: "AWS/ApiGateway",
                metric: "5XXError",
                statistic: "Sum",
                threshold: 10,
                comparison: "GreaterThanThreshold",
                dimensions: obj([("ApiName", b.name("api").into()), ("Stage", "v1".into())]),
                description: "API 5xx responses",
            });
        }
        _ => {}
    }
    for (addr, name) in store.tables.clone() {
        let id = format!(
            "table_throttles_{}",
            addr.rsplit('.').next().unwrap_or("table")
        );
        let dims = obj([("TableName", name.into())]);
        add_alarm(
            b,
            &topic,
            Alarm {
                id: &id,
                namespace: "AWS/DynamoDB",
                metric: "ThrottledRequests",
                statistic: "Sum",
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                dimensions: dims,
                description: "Table requests throttled",
            },
        );
    }
    for a in alarms {
        add_alarm(b, &topic, a);
    }

    let trail_group = b.add(
        "aws_cloudwatch_log_group",
        "cloudtrail",
        obj([
            (
                "name",
                format!("/edulibra/{}/cloudtrail", b.prefix()).into(),
            ),
            (
                "retention_in_days",
                spec.observability.log_retention_days.into(),
            ),
            ("kms_key_id", reference(&sec.kms_key, "arn")),
        ]),
    );
    let trail_role = b.add(
        "aws_iam_role",
        "cloudtrail",
        obj([
            ("name", b.global_name("cloudtrail").into()),
            (
                "description",
                "CloudTrail delivers events to CloudWatch Logs".into(),
            ),
            (
                "assume_role_policy",
                service_trust(b, "cloudtrail.amazonaws.com"),
            ),
        ]),
    );
    let group_arn = b.at.arn(
        "logs",
        &b.at.region,
        &format!("log-group:/edulibra/{}/cloudtrail", b.prefix()),
    );
    let trail_role_policy = b.add(
        "aws_iam_role_policy",
        "cloudtrail",
        obj([
            ("name", "deliver-events".into()),
            ("role", reference(&trail_role, "name")),
            (
                "policy",
                policy(vec![statement(
                    "Allow",
                    &["logs:CreateLogStream", "logs:PutLogEvents"],
                    vec![format!("{group_arn}:log-stream:*")],
                )]),
            ),
        ]),
    );
    b.add_after(
        "aws_cloudtrail",
        "main",
        obj([
            ("name", trail_name.into()),
            ("s3_bucket_name", reference(&store.logs_bucket, "id")),
            ("s3_key_prefix", "cloudtrail".into()),
            ("is_multi_region_trail", true.into()),
            ("include_global_service_events", true.into()),
            ("enable_log_file_validation", true.into()),
            ("enable_logging", true.into()),
            ("kms_key_id", reference(&sec.kms_key, "arn")),
            (
                "cloud_watch_logs_group_arn",
                V::Concat(vec![reference(&trail_group, "arn"), ":*".into()]),
            ),
            ("cloud_watch_logs_role_arn", reference(&trail_role, "arn")),
            ("sns_topic_name", reference(&topic, "name")),
        ]),
        // CloudTrail checks at CreateTrail that its role may write to the log group and that
        // the bucket and topic policies let it deliver: the policies come first.
        &["aws_s3_bucket_policy.logs", &trail_role_policy],
    );

    let vault = b.add(
        "aws_backup_vault",
        "main",
        obj([
            ("name", b.name("vault").into()),
            ("kms_key_arn", reference(&sec.kms_key, "arn")),
            ("force_destroy", spec.force_destroy.into()),
        ]),
    );
    let plan = b.add(
        "aws_backup_plan",
        "main",
        obj([
            ("name", b.name("daily").into()),
            (
                "rule",
                block([
                    ("rule_name", "daily".into()),
                    ("target_vault_name", reference(&vault, "name")),
                    ("schedule", "cron(0 3 * * ? *)".into()),
                    ("start_window", 60.into()),
                    ("completion_window", 360.into()),
                    (
                        "lifecycle",
                        block([("delete_after", spec.backup_retention_days.into())]),
                    ),
                ]),
            ),
        ]),
    );
    let mut resources = vec![reference(&store.db, "arn")];
    resources.extend(store.tables.iter().map(|(a, _)| reference(a, "arn")));
    b.add(
        "aws_backup_selection",
        "main",
        obj([
            ("name", b.name("data").into()),
            ("plan_id", reference(&plan, "id")),
            ("iam_role_arn", reference(&sec.backup_role, "arn")),
            ("resources", V::List(resources)),
        ]),
    );
}

fn add_alarm(b: &mut Builder, topic: &str, a: Alarm) {
    b.add(
        "aws_cloudwatch_metric_alarm",
        a.id,
        obj([
            ("alarm_name", b.name(&a.id.replace('_', "-")).into()),
            ("alarm_description", a.description.into()),
            ("namespace", a.namespace.into()),
            ("metric_name", a.metric.into()),
            ("statistic", a.statistic.into()),
            ("period", 300.into()),
            ("evaluation_periods", 2.into()),
            ("threshold", a.threshold.into()),
            ("comparison_operator", a.comparison.into()),
            ("treat_missing_data", "notBreaching".into()),
            ("dimensions", a.dimensions),
            ("alarm_actions", V::List(vec![reference(topic, "arn")])),
            ("ok_actions", V::List(vec![reference(topic, "arn")])),
        ]),
    );
}
