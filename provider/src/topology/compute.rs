//! The application tier: ECS on Fargate behind an ALB (`containers`), or Lambda behind API
//! Gateway (`serverless`).

use super::{
    block, ids, json, obj, reference, strings, Builder, ComputeOut, NetworkOut, SecurityOut,
    StorageOut, V,
};
use crate::environment::spec::Compute;

/// The `filename` of the Lambda function when the configuration gives no package: the apply
/// engine deploys a small built-in handler that answers health checks.
pub const PLACEHOLDER_PACKAGE: &str = "edulibra:builtin-placeholder.zip";

pub fn build(
    b: &mut Builder,
    net: &NetworkOut,
    sec: &SecurityOut,
    store: &StorageOut,
) -> ComputeOut {
    match b.spec.compute {
        Compute::Containers => containers(b, net, sec, store),
        Compute::Serverless => serverless(b, net, sec, store),
    }
}

fn log_group(b: &mut Builder, id: &str, name: String, sec: &SecurityOut) -> String {
    b.add(
        "aws_cloudwatch_log_group",
        id,
        obj([
            ("name", name.into()),
            (
                "retention_in_days",
                b.spec.observability.log_retention_days.into(),
            ),
            ("kms_key_id", reference(&sec.kms_key, "arn")),
        ]),
    )
}

fn app_environment(b: &Builder, store: &StorageOut) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "EDULIBRA_STAGE".to_string(),
            b.spec.stage.as_str().to_string(),
        ),
        ("MEDIA_BUCKET".to_string(), store.media_bucket_name.clone()),
        (
            "APP_SECRET_NAME".to_string(),
            format!("{}/{}/app", b.spec.name, b.spec.stage.as_str()),
        ),
    ];
    for (_, name) in &store.tables {
        let short = name
            .trim_start_matches(&format!("{}-", b.prefix()))
            .to_uppercase();
        env.push((format!("TABLE_{short}"), name.clone()));
    }
    env
}

fn containers(
    b: &mut Builder,
    net: &NetworkOut,
    sec: &SecurityOut,
    store: &StorageOut,
) -> ComputeOut {
    let spec = b.spec;
    let c = &spec.containers;
    let cluster_name = b.name("cluster");
    let cluster = b.add(
        "aws_ecs_cluster",
        "main",
        obj([
            ("name", cluster_name.clone().into()),
            (
                "setting",
                V::List(vec![obj([
                    ("name", "containerInsights".into()),
                    ("value", "enabled".into()),
                ])]),
            ),
        ]),
    );
    let group_name = format!("/edulibra/{}/app", b.prefix());
    log_group(b, "app", group_name.clone(), sec);
    let env: Vec<V> = app_environment(b, store)
        .into_iter()
        .map(|(k, v)| obj([("name", k.into()), ("value", v.into())]))
        .collect();
    let container = obj([
        ("name", "app".into()),
        ("image", c.image.clone().into()),
        ("essential", true.into()),
        ("readonlyRootFilesystem", true.into()),
        ("privileged", false.into()),
        // The root file system is read-only; /tmp is task storage, where nginx (the default
        // image) and most servers keep their pid and temporary files.
        (
            "mountPoints",
            V::List(vec![obj([
                ("sourceVolume", "tmp".into()),
                ("containerPath", "/tmp".into()),
                ("readOnly", false.into()),
            ])]),
        ),
        (
            "portMappings",
            V::List(vec![obj([
                ("containerPort", 8080.into()),
                ("protocol", "tcp".into()),
            ])]),
        ),
        ("environment", V::List(env)),
        (
            "logConfiguration",
            obj([
                ("logDriver", "awslogs".into()),
                (
                    "options",
                    obj([
                        ("awslogs-group", group_name.into()),
                        ("awslogs-region", b.at.region.clone().into()),
                        ("awslogs-stream-prefix", "app".into()),
                    ]),
                ),
            ]),
        ),
    ]);
    let task_def = b.add(
        "aws_ecs_task_definition",
        "app",
        obj([
            ("family", b.name("app").into()),
            ("requires_compatibilities", strings(["FARGATE"])),
            ("network_mode", "awsvpc".into()),
            ("cpu", c.cpu.to_string().into()),
            ("memory", c.memory.to_string().into()),
            (
                "execution_role_arn",
                reference(
                    sec.task_execution_role
                        .as_deref()
                        .expect("containers mode has an execution role"),
                    "arn",
                ),
            ),
            ("task_role_arn", reference(&sec.app_role, "arn")),
            ("container_definitions", json(V::List(vec![container]))),
            ("volume", V::List(vec![obj([("name", "tmp".into())])])),
            (
                "runtime_platform",
                block([
                    ("operating_system_family", "LINUX".into()),
                    ("cpu_architecture", "X86_64".into()),
                ]),
            ),
        ]),
    );
    let alb = b.add_after(
        "aws_lb",
        "main",
        obj([
            ("name", b.name("alb").into()),
            ("load_balancer_type", "application".into()),
            ("internal", false.into()),
            ("subnets", ids(&net.public_subnets)),
            (
                "security_groups",
                V::List(vec![reference(
                    net.sg_alb
                        .as_deref()
                        .expect("containers mode has an ALB group"),
                    "id",
                )]),
            ),
            ("drop_invalid_header_fields", true.into()),
            // One switch for what holds or serves the platform's data (the default is on in prod).
            (
                "enable_deletion_protection",
                spec.database.deletion_protection.into(),
            ),
            ("idle_timeout", 60.into()),
            (
                "access_logs",
                block([
                    ("bucket", reference(&store.logs_bucket, "id")),
                    ("prefix", "alb".into()),
                    ("enabled", true.into()),
                ]),
            ),
        ]),
        // An internet-facing ALB is refused while its VPC's gateway attaches ("InvalidSubnet:
        // VPC ... has no internet gateway"): the public route through it comes first.
        &[
            "aws_route.public_internet",
            "aws_route_table_association.public[0]",
        ],
    );
    // What replaces a target group, hashed into its name: a replacement is created beside the
    // old one, which goes once the listener and the service have moved (see
    // `kinds::CREATE_BEFORE_DESTROY`).
    let (port, protocol, target_type) = (8080i64, "HTTP", "ip");
    let tg = b.add(
        "aws_lb_target_group",
        "app",
        obj([
            // Three hex digits keep the name as long as `<prefix>-app` was (32 characters
            // bound the environment's name); the rare equal hash falls back to delete first.
            (
                "name",
                b.name(&short_hash(&format!("{port}/{protocol}/{target_type}"))[..3])
                    .into(),
            ),
            ("port", port.into()),
            ("protocol", protocol.into()),
            ("target_type", target_type.into()),
            ("vpc_id", reference(&net.vpc, "id")),
            ("deregistration_delay", "30".into()),
            (
                "health_check",
                block([
                    ("path", c.health_check_path.clone().into()),
                    ("matcher", "200".into()),
                    ("interval", 15.into()),
                    ("healthy_threshold", 2.into()),
                    ("unhealthy_threshold", 3.into()),
                ]),
            ),
        ]),
    );
    let forward = block([
        ("type", "forward".into()),
        ("target_group_arn", reference(&tg, "arn")),
    ]);
    let listener = match &c.certificate_arn {
        Some(cert) => b.add(
            "aws_lb_listener",
            "https",
            obj([
                ("load_balancer_arn", reference(&alb, "arn")),
                ("port", 443.into()),
                ("protocol", "HTTPS".into()),
                ("ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
                ("certificate_arn", cert.clone().into()),
                ("default_action", forward),
            ]),
        ),
        None => b.add(
            "aws_lb_listener",
            "http",
            obj([
                ("load_balancer_arn", reference(&alb, "arn")),
                ("port", 80.into()),
                ("protocol", "HTTP".into()),
                ("default_action", forward),
            ]),
        ),
    };
    let service_name = b.name("app");
    let service = b.add_after(
        "aws_ecs_service",
        "app",
        obj([
            ("name", service_name.clone().into()),
            ("cluster", reference(&cluster, "arn")),
            ("task_definition", reference(&task_def, "arn")),
            ("desired_count", c.desired_count.into()),
            ("launch_type", "FARGATE".into()),
            ("propagate_tags", "SERVICE".into()),
            ("enable_execute_command", false.into()),
            (
                "network_configuration",
                block([
                    ("subnets", ids(&net.private_subnets)),
                    (
                        "security_groups",
                        V::List(vec![reference(&net.sg_app, "id")]),
                    ),
                    ("assign_public_ip", false.into()),
                ]),
            ),
            (
                "load_balancer",
                block([
                    ("target_group_arn", reference(&tg, "arn")),
                    ("container_name", "app".into()),
                    ("container_port", 8080.into()),
                ]),
            ),
            (
                "deployment_circuit_breaker",
                block([("enable", true.into()), ("rollback", true.into())]),
            ),
        ]),
        &[&listener],
    );
    let resource_id = format!("service/{cluster_name}/{service_name}");
    let target = b.add(
        "aws_appautoscaling_target",
        "app",
        obj([
            ("service_namespace", "ecs".into()),
            ("resource_id", resource_id.clone().into()),
            ("scalable_dimension", "ecs:service:DesiredCount".into()),
            ("min_capacity", c.min_count.into()),
            ("max_capacity", c.max_count.into()),
        ]),
    );
    // The target names the service by its path, not by reference: order it explicitly.
    if let Some(t) = b_children_last(b) {
        t.depends_on.insert(service.clone());
    }
    b.add(
        "aws_appautoscaling_policy",
        "cpu",
        obj([
            ("name", b.name("cpu-target").into()),
            ("policy_type", "TargetTrackingScaling".into()),
            ("service_namespace", "ecs".into()),
            ("resource_id", reference(&target, "resource_id")),
            ("scalable_dimension", "ecs:service:DesiredCount".into()),
            (
                "target_tracking_scaling_policy_configuration",
                block([
                    ("target_value", 60.into()),
                    ("scale_in_cooldown", 120.into()),
                    ("scale_out_cooldown", 60.into()),
                    (
                        "predefined_metric_specification",
                        block([(
                            "predefined_metric_type",
                            "ECSServiceAverageCPUUtilization".into(),
                        )]),
                    ),
                ]),
            ),
        ]),
    );
    ComputeOut {
        api_origin: alb.clone(),
        alb: Some(alb),
        stage: None,
        rest_api: None,
        ecs_service: Some((cluster_name, service_name)),
        lambda: None,
    }
}

fn b_children_last<'b>(b: &'b mut Builder) -> Option<&'b mut super::Child> {
    b.last_child()
}

/// Six hex digits of the SHA-256 of `text`: enough to tell apart a name's generations.
fn short_hash(text: &str) -> String {
    crate::lambda_package::sha256(text.as_bytes())[..3]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The code's SHA-256 as Lambda reports it: the package read with the configuration, or the
/// built-in placeholder for this runtime and handler.
fn source_code_hash(f: &crate::environment::spec::Functions) -> String {
    match &f.package_sha256 {
        Some(h) => h.clone(),
        None => crate::lambda_package::placeholder(&f.runtime, &f.handler)
            .map(|zip| crate::lambda_package::code_sha256(&zip))
            // No placeholder for this runtime: the driver says why at apply.
            .unwrap_or_default(),
    }
}

fn serverless(
    b: &mut Builder,
    net: &NetworkOut,
    sec: &SecurityOut,
    store: &StorageOut,
) -> ComputeOut {
    let spec = b.spec;
    let f = &spec.functions;
    let function_name = b.name("api");
    let group = log_group(b, "lambda", format!("/aws/lambda/{function_name}"), sec);
    let variables: std::collections::BTreeMap<String, V> = app_environment(b, store)
        .into_iter()
        .map(|(k, v)| (k, V::Str(v)))
        .collect();
    let lambda = b.add_after(
        "aws_lambda_function",
        "api",
        obj([
            ("function_name", function_name.clone().into()),
            ("role", reference(&sec.app_role, "arn")),
            ("runtime", f.runtime.clone().into()),
            ("handler", f.handler.clone().into()),
            ("memory_size", f.memory_size.into()),
            ("timeout", 30.into()),
            ("package_type", "Zip".into()),
            (
                "filename",
                f.package
                    .clone()
                    .unwrap_or_else(|| PLACEHOLDER_PACKAGE.to_string())
                    .into(),
            ),
            ("kms_key_arn", reference(&sec.kms_key, "arn")),
            ("tracing_config", block([("mode", "Active".into())])),
            (
                "vpc_config",
                block([
                    ("subnet_ids", ids(&net.private_subnets)),
                    (
                        "security_group_ids",
                        V::List(vec![reference(&net.sg_app, "id")]),
                    ),
                ]),
            ),
            ("environment", block([("variables", V::Obj(variables))])),
            ("source_code_hash", source_code_hash(f).into()),
            // Unset unless asked for: reserving fails on accounts whose concurrency quota is
            // small (new accounts get as little as 10, and AWS keeps 100 unreserved; "Configuring
            // reserved concurrency", Lambda Developer Guide).
            (
                "reserved_concurrent_executions",
                f.reserved_concurrency.map(V::Int).unwrap_or(V::Null),
            ),
        ]),
        &[&group],
    );
    let function_arn =
        b.at.arn("lambda", &b.at.region, &format!("function:{function_name}"));
    let invoke = format!(
        "arn:{}:apigateway:{}:lambda:path/2015-03-31/functions/{function_arn}/invocations",
        b.at.partition, b.at.region
    );
    let integration = obj([
        ("type", "aws_proxy".into()),
        ("httpMethod", "POST".into()),
        ("uri", invoke.into()),
        ("passthroughBehavior", "when_no_match".into()),
    ]);
    let openapi = obj([
        ("openapi", "3.0.1".into()),
        (
            "info",
            obj([
                ("title", function_name.clone().into()),
                ("version", "1".into()),
            ]),
        ),
        (
            "paths",
            obj([
                (
                    "/",
                    obj([(
                        "x-amazon-apigateway-any-method",
                        obj([("x-amazon-apigateway-integration", integration.clone())]),
                    )]),
                ),
                (
                    "/{proxy+}",
                    obj([(
                        "x-amazon-apigateway-any-method",
                        obj([
                            (
                                "parameters",
                                V::List(vec![obj([
                                    ("name", "proxy".into()),
                                    ("in", "path".into()),
                                    ("required", true.into()),
                                    ("schema", obj([("type", "string".into())])),
                                ])]),
                            ),
                            ("x-amazon-apigateway-integration", integration),
                        ]),
                    )]),
                ),
            ]),
        ),
    ]);
    let openapi_for_hash = openapi.clone();
    let api = b.add(
        "aws_api_gateway_rest_api",
        "main",
        obj([
            ("name", b.name("api").into()),
            ("body", json(openapi)),
            (
                "endpoint_configuration",
                block([("types", strings(["REGIONAL"]))]),
            ),
        ]),
    );
    b.add(
        "aws_lambda_permission",
        "api",
        obj([
            ("statement_id", "AllowApiGateway".into()),
            ("action", "lambda:InvokeFunction".into()),
            ("function_name", reference(&lambda, "function_name")),
            ("principal", "apigateway.amazonaws.com".into()),
            (
                "source_arn",
                V::Concat(vec![reference(&api, "execution_arn"), "/*/*".into()]),
            ),
        ]),
    );
    // A new body is served only once deployed: the body's hash in `triggers` makes a changed
    // API a new deployment, which the stage then points at (hashicorp/aws's documented way).
    let body_hash = crate::lambda_package::code_sha256(
        json(openapi_for_hash.clone())
            .to_json()
            .as_str()
            .unwrap_or("")
            .as_bytes(),
    );
    let deployment = b.add(
        "aws_api_gateway_deployment",
        "main",
        obj([
            ("rest_api_id", reference(&api, "id")),
            ("description", "EduLibra API".into()),
            ("triggers", obj([("redeployment", body_hash.into())])),
        ]),
    );
    let access = log_group(
        b,
        "api_access",
        format!("/edulibra/{}/api-access", b.prefix()),
        sec,
    );
    let access_format = obj([
        ("requestId", "$context.requestId".into()),
        ("ip", "$context.identity.sourceIp".into()),
        ("requestTime", "$context.requestTime".into()),
        ("httpMethod", "$context.httpMethod".into()),
        ("resourcePath", "$context.resourcePath".into()),
        ("status", "$context.status".into()),
        ("responseLength", "$context.responseLength".into()),
    ]);
    // Access and execution logging need the region's API Gateway CloudWatch role, which a fresh account
    // lacks: the environment brings one, and sets it where none is set (see the driver).
    let logs_role = b.add(
        "aws_iam_role",
        "apigateway_cloudwatch",
        obj([
            ("name", b.global_name("apigw-logs").into()),
            (
                "description",
                "API Gateway writes execution logs to CloudWatch Logs".into(),
            ),
            (
                "assume_role_policy",
                super::iam::service_trust(b, "apigateway.amazonaws.com"),
            ),
        ]),
    );
    let logs_policy = b.add(
        "aws_iam_role_policy_attachment",
        "apigateway_cloudwatch",
        obj([
            ("role", reference(&logs_role, "name")),
            (
                "policy_arn",
                super::iam::managed_policy(b, "service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
            ),
        ]),
    );
    let account = b.add_after(
        "aws_api_gateway_account",
        "main",
        obj([("cloudwatch_role_arn", reference(&logs_role, "arn"))]),
        &[&logs_policy],
    );
    let stage = b.add_after(
        "aws_api_gateway_stage",
        "main",
        obj([
            ("rest_api_id", reference(&api, "id")),
            ("deployment_id", reference(&deployment, "id")),
            ("stage_name", "v1".into()),
            ("xray_tracing_enabled", true.into()),
            ("cache_cluster_enabled", false.into()),
            (
                "access_log_settings",
                block([
                    ("destination_arn", reference(&access, "arn")),
                    ("format", json(access_format)),
                ]),
            ),
        ]),
        &[&account],
    );
    b.add_after(
        "aws_api_gateway_method_settings",
        "all",
        obj([
            ("rest_api_id", reference(&api, "id")),
            ("stage_name", reference(&stage, "stage_name")),
            ("method_path", "*/*".into()),
            (
                "settings",
                block([
                    ("logging_level", "ERROR".into()),
                    ("metrics_enabled", true.into()),
                    ("data_trace_enabled", false.into()),
                    ("throttling_burst_limit", 500.into()),
                    ("throttling_rate_limit", 1000.into()),
                ]),
            ),
        ]),
        &[&account],
    );
    ComputeOut {
        api_origin: stage.clone(),
        alb: None,
        stage: Some(stage),
        rest_api: Some(api),
        ecs_service: None,
        lambda: Some(function_name),
    }
}
