//! The environment's KMS key, its application secret and the IAM roles, each scoped to the
//! resources it touches.

use super::iam::{kms_use, managed_policy, policy, service_trust, statement};
use super::{json, obj, reference, strings, Builder, NetworkOut, SecurityOut, V};
use crate::environment::spec::{Compute, Stage};

/// The environment key's policy in `region` (the main key in the environment's region, the edge
/// key in us-east-1): the account administers it; each service that encrypts for the
/// environment may use it, each under the condition its documentation gives.
pub fn key_policy(b: &Builder, region: &str) -> V {
    let root = format!("arn:{}:iam::{}:root", b.at.partition, b.at.account_id);
    let account = b.at.account_id.clone();
    let encrypt = [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
    ];
    let service_statement = |sid: &str, services: Vec<String>, actions: &[&str], condition: V| {
        obj([
            ("Sid", sid.into()),
            ("Effect", "Allow".into()),
            ("Principal", obj([("Service", strings(services))])),
            ("Action", strings(actions.iter().copied())),
            ("Resource", "*".into()),
            ("Condition", condition),
        ])
    };
    json(obj([
        ("Version", "2012-10-17".into()),
        (
            "Statement",
            V::List(vec![
                obj([
                    ("Sid", "AccountAdministers".into()),
                    ("Effect", "Allow".into()),
                    ("Principal", obj([("AWS", root.into())])),
                    ("Action", "kms:*".into()),
                    ("Resource", "*".into()),
                ]),
                // CloudWatch Logs names the log group in the encryption context; AWS documents
                // `kms:EncryptionContext:aws:logs:arn` as the condition ("Encrypt log data in
                // CloudWatch Logs using AWS KMS", CloudWatch Logs User Guide), and the principal
                // must be the service in the key's own region.
                service_statement(
                    "LogsEncryptThisAccountsLogGroups",
                    vec![format!("logs.{region}.amazonaws.com")],
                    &encrypt,
                    obj([(
                        "ArnLike",
                        obj([(
                            "kms:EncryptionContext:aws:logs:arn",
                            b.at.arn("logs", region, "*").into(),
                        )]),
                    )]),
                ),
                service_statement(
                    "ServicesEncryptForThisAccount",
                    vec![
                        "cloudtrail.amazonaws.com".to_string(),
                        "sns.amazonaws.com".to_string(),
                        "cloudwatch.amazonaws.com".to_string(),
                        "delivery.logs.amazonaws.com".to_string(),
                    ],
                    &encrypt,
                    obj([(
                        "StringEquals",
                        obj([("aws:SourceAccount", account.clone().into())]),
                    )]),
                ),
                // The site bucket is SSE-KMS and CloudFront reads it through origin access
                // control: without this, every object answers 403 ("Restrict access to an
                // Amazon S3 origin", SSE-KMS, CloudFront Developer Guide). Reads only, and only
                // for this account's distributions (the distribution's id is known after the
                // key exists; the bucket policy is scoped the same way).
                service_statement(
                    "CloudFrontReadsThroughOriginAccessControl",
                    vec!["cloudfront.amazonaws.com".to_string()],
                    &["kms:Decrypt"],
                    obj([(
                        "StringLike",
                        obj([(
                            "AWS:SourceArn",
                            format!(
                                "arn:{}:cloudfront::{account}:distribution/*",
                                b.at.partition
                            )
                            .into(),
                        )]),
                    )]),
                ),
            ]),
        ),
    ]))
}

/// A customer-managed key of the environment in `region`: rotated yearly, deleted after a
/// waiting period that is short only in dev.
fn key_values(b: &Builder, region: &str, description: String, tags: V) -> V {
    obj([
        ("description", description.into()),
        ("enable_key_rotation", true.into()),
        ("rotation_period_in_days", 365.into()),
        (
            "deletion_window_in_days",
            (if b.spec.stage == Stage::Dev { 7 } else { 30 }).into(),
        ),
        ("key_usage", "ENCRYPT_DECRYPT".into()),
        ("customer_master_key_spec", "SYMMETRIC_DEFAULT".into()),
        ("policy", key_policy(b, region)),
        ("tags", tags),
    ])
}

pub fn build(b: &mut Builder, net: &NetworkOut) -> SecurityOut {
    let spec = b.spec;
    // Outside dev, destroy keeps a final database snapshot (and the vault's recovery points may
    // outlive it), all encrypted with this key: destroy keeps the key too, and the tag says so
    // in the plan. A later apply of the same environment adopts it.
    let retained = if spec.stage == Stage::Dev {
        obj([])
    } else {
        obj([(
            "edulibra:retain-on-destroy",
            "final database snapshot and backups".into(),
        )])
    };
    let main_key = key_values(
        b,
        &b.at.region.clone(),
        format!(
            "EduLibra {}: encrypts every data store of the environment",
            b.prefix()
        ),
        retained,
    );
    let key = b.add("aws_kms_key", "main", main_key);
    b.add(
        "aws_kms_alias",
        "main",
        obj([
            ("name", format!("alias/{}", b.prefix()).into()),
            ("target_key_id", reference(&key, "key_id")),
        ]),
    );

    // What lives in us-east-1 for CloudFront (the CLOUDFRONT-scope WAF's log group) needs a key
    // there: a key encrypts only in its own region.
    let edge_key = if b.at.region != b.at.global_region() && spec.waf.enabled {
        let mut values = key_values(
            b,
            b.at.global_region(),
            format!(
                "EduLibra {} ({}): encrypts what CloudFront needs in {}",
                b.prefix(),
                b.at.region,
                b.at.global_region()
            ),
            obj([]),
        );
        if let V::Obj(m) = &mut values {
            m.insert("region".into(), b.at.global_region().into());
        }
        let edge = b.add("aws_kms_key", "edge", values);
        b.add(
            "aws_kms_alias",
            "edge",
            obj([
                ("region", b.at.global_region().into()),
                ("name", format!("alias/{}", b.global_name("edge")).into()),
                ("target_key_id", reference(&edge, "key_id")),
            ]),
        );
        edge
    } else {
        key.clone()
    };

    super::network::flow_logs(b, &net.vpc, &key);

    let secret_name = format!("{}/{}/app", spec.name, spec.stage.as_str());
    let secret = b.add(
        "aws_secretsmanager_secret",
        "app",
        obj([
            ("name", secret_name.clone().into()),
            (
                "description",
                "Application secrets of the EduLibra environment".into(),
            ),
            ("kms_key_id", reference(&key, "arn")),
            (
                "recovery_window_in_days",
                (if spec.stage == Stage::Dev { 0 } else { 30 }).into(),
            ),
        ]),
    );
    let secret_arn = b.at.arn(
        "secretsmanager",
        &b.at.region,
        &format!("secret:{secret_name}-??????"),
    );

    // What the application may touch: its media bucket, its tables, its secret, its key.
    let media_bucket = super::storage::bucket_name(b, "media");
    let mut table_arns = Vec::new();
    for t in &spec.tables {
        let arn = b.at.arn(
            "dynamodb",
            &b.at.region,
            &format!("table/{}-{t}", b.prefix()),
        );
        table_arns.push(arn.clone());
        table_arns.push(format!("{arn}/index/*"));
    }
    let app_statements = |b: &Builder| {
        vec![
            statement(
                "Allow",
                &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                vec![format!("arn:{}:s3:::{media_bucket}/*", b.at.partition)],
            ),
            statement(
                "Allow",
                &["s3:ListBucket"],
                vec![format!("arn:{}:s3:::{media_bucket}", b.at.partition)],
            ),
            statement(
                "Allow",
                &[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem",
                ],
                table_arns.clone(),
            ),
            statement(
                "Allow",
                &["secretsmanager:GetSecretValue"],
                vec![secret_arn.clone()],
            ),
            statement(
                "Allow",
                &["elasticache:Connect"],
                vec![
                    b.at.arn(
                        "elasticache",
                        &b.at.region,
                        &format!("replicationgroup:{}-cache", b.prefix()),
                    ),
                    b.at.arn(
                        "elasticache",
                        &b.at.region,
                        &format!("user:{}-app", b.prefix()),
                    ),
                ],
            ),
            kms_use(b, &["kms:Decrypt", "kms:GenerateDataKey"]),
        ]
    };

    let (app_role, task_execution_role) = match spec.compute {
        Compute::Containers => {
            let exec = b.add(
                "aws_iam_role",
                "task_execution",
                obj([
                    ("name", b.global_name("task-execution").into()),
                    (
                        "description",
                        "ECS pulls the image and writes container logs".into(),
                    ),
                    (
                        "assume_role_policy",
                        service_trust(b, "ecs-tasks.amazonaws.com"),
                    ),
                ]),
            );
            b.add(
                "aws_iam_role_policy_attachment",
                "task_execution",
                obj([
                    ("role", reference(&exec, "name")),
                    (
                        "policy_arn",
                        managed_policy(b, "service-role/AmazonECSTaskExecutionRolePolicy"),
                    ),
                ]),
            );
            let task = b.add(
                "aws_iam_role",
                "task",
                obj([
                    ("name", b.global_name("task").into()),
                    ("description", "The application's own permissions".into()),
                    (
                        "assume_role_policy",
                        service_trust(b, "ecs-tasks.amazonaws.com"),
                    ),
                ]),
            );
            let stmts = app_statements(b);
            b.add(
                "aws_iam_role_policy",
                "task",
                obj([
                    ("name", "application".into()),
                    ("role", reference(&task, "name")),
                    ("policy", policy(stmts)),
                ]),
            );
            (task, Some(exec))
        }
        Compute::Serverless => {
            let role = b.add(
                "aws_iam_role",
                "lambda",
                obj([
                    ("name", b.global_name("lambda").into()),
                    ("description", "The API function's permissions".into()),
                    (
                        "assume_role_policy",
                        service_trust(b, "lambda.amazonaws.com"),
                    ),
                ]),
            );
            b.add(
                "aws_iam_role_policy_attachment",
                "lambda_vpc",
                obj([
                    ("role", reference(&role, "name")),
                    (
                        "policy_arn",
                        managed_policy(b, "service-role/AWSLambdaVPCAccessExecutionRole"),
                    ),
                ]),
            );
            let mut stmts = app_statements(b);
            let group = b.at.arn(
                "logs",
                &b.at.region,
                &format!("log-group:/aws/lambda/{}-api", b.prefix()),
            );
            stmts.push(statement(
                "Allow",
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                vec![format!("{group}:*")],
            ));
            stmts.push(statement(
                "Allow",
                &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                vec!["*".to_string()],
            ));
            b.add(
                "aws_iam_role_policy",
                "lambda",
                obj([
                    ("name", "application".into()),
                    ("role", reference(&role, "name")),
                    ("policy", policy(stmts)),
                ]),
            );
            (role, None)
        }
    };

    let backup_role = b.add(
        "aws_iam_role",
        "backup",
        obj([
            ("name", b.global_name("backup").into()),
            (
                "description",
                "AWS Backup snapshots the database and tables".into(),
            ),
            (
                "assume_role_policy",
                service_trust(b, "backup.amazonaws.com"),
            ),
        ]),
    );
    b.add(
        "aws_iam_role_policy_attachment",
        "backup",
        obj([
            ("role", reference(&backup_role, "name")),
            (
                "policy_arn",
                managed_policy(b, "service-role/AWSBackupServiceRolePolicyForBackup"),
            ),
        ]),
    );
    let rds_monitoring_role = b.add(
        "aws_iam_role",
        "rds_monitoring",
        obj([
            ("name", b.global_name("rds-monitoring").into()),
            (
                "description",
                "RDS enhanced monitoring publishes OS metrics".into(),
            ),
            (
                "assume_role_policy",
                service_trust(b, "monitoring.rds.amazonaws.com"),
            ),
        ]),
    );
    let rds_monitoring_policy = b.add(
        "aws_iam_role_policy_attachment",
        "rds_monitoring",
        obj([
            ("role", reference(&rds_monitoring_role, "name")),
            (
                "policy_arn",
                managed_policy(b, "service-role/AmazonRDSEnhancedMonitoringRole"),
            ),
        ]),
    );

    SecurityOut {
        rds_monitoring_policy,
        edge_kms_key: edge_key,
        kms_key: key,
        secret,
        app_role,
        task_execution_role,
        backup_role,
        rds_monitoring_role,
    }
}
