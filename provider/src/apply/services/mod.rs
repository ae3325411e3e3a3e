//! The drivers: one module per AWS service, each the only code that calls its service.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{Map, Value as Json};

use super::driver::{CallError, Driver, ErrorClass, Registry};
use super::kinds::{self, Service};
use crate::aws::{
    AwsContext,
    Calls::{Reads, Writes},
};

/// Every driver this version has, for the environment's region and for the other regions its
/// children live in (us-east-1, for what CloudFront needs there).
pub struct AwsRegistry {
    home: Drivers,
    others: Vec<(String, Drivers)>,
}

impl AwsRegistry {
    pub fn new(aws: &AwsContext) -> AwsRegistry {
        let home_region = aws.sdk.region().map(|r| r.to_string()).unwrap_or_default();
        let global = crate::topology::global_region(crate::topology::partition_of(&home_region));
        let others = [global]
            .into_iter()
            .filter(|r| *r != home_region)
            .map(|r| (r.to_string(), Drivers::new(&aws.in_region(r))))
            .collect();
        AwsRegistry {
            home: Drivers::new(aws),
            others,
        }
    }
}

/// The drivers of one region.
struct Drivers {
    apigateway: apigateway::ApiGateway,
    autoscaling: autoscaling::AppAutoScaling,
    backup: backup::Backup,
    cloudfront: cloudfront::CloudFront,
    cloudtrail: cloudtrail::CloudTrail,
    ecs: ecs::Ecs,
    elasticache: elasticache::ElastiCache,
    elbv2: elbv2::Elbv2,
    lambda: lambda::Lambda,
    route53: route53::Route53,
    wafv2: wafv2::Wafv2,
    cloudwatch: cloudwatch::CloudWatch,
    dynamodb: dynamodb::DynamoDb,
    ec2: ec2::Ec2,
    iam: iam::Iam,
    kms: kms::Kms,
    logs: logs::Logs,
    rds: rds::Rds,
    s3: s3::S3,
    secrets: secrets::Secrets,
    sns: sns::Sns,
}

impl Drivers {
    fn new(aws: &AwsContext) -> Drivers {
        let region = aws.sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Drivers {
            apigateway: apigateway::ApiGateway::new(
                aws.apigateway(Writes),
                aws.apigateway(Reads),
                aws.sts(),
                region.clone(),
            ),
            autoscaling: autoscaling::AppAutoScaling::new(
                aws.appautoscaling(Writes),
                aws.appautoscaling(Reads),
            ),
            backup: backup::Backup::new(aws.backup(Writes), aws.backup(Reads)),
            cloudfront: cloudfront::CloudFront::new(aws.cloudfront(Writes), aws.cloudfront(Reads)),
            ecs: ecs::Ecs::new(aws.ecs(Writes), aws.ecs(Reads)),
            elasticache: elasticache::ElastiCache::new(
                aws.elasticache(Writes),
                aws.elasticache(Reads),
            ),
            elbv2: elbv2::Elbv2::new(aws.elbv2(Writes), aws.elbv2(Reads)),
            lambda: lambda::Lambda::new(aws.lambda(Writes), aws.lambda(Reads)),
            route53: route53::Route53::new(aws.route53(Writes), aws.route53(Reads)),
            wafv2: wafv2::Wafv2::new(
                aws.wafv2(Writes),
                aws.wafv2(Reads),
                aws.wafv2_global(Writes),
                aws.wafv2_global(Reads),
            ),
            cloudtrail: cloudtrail::CloudTrail::new(aws.cloudtrail(Writes), aws.cloudtrail(Reads)),
            cloudwatch: cloudwatch::CloudWatch::new(aws.cloudwatch(Writes), aws.cloudwatch(Reads)),
            dynamodb: dynamodb::DynamoDb::new(aws.dynamodb(Writes), aws.dynamodb(Reads)),
            ec2: ec2::Ec2::new(aws.ec2(Writes), aws.ec2(Reads)),
            iam: iam::Iam::new(aws.iam(Writes), aws.iam(Reads)),
            kms: kms::Kms::new(aws.kms(Writes), aws.kms(Reads)),
            logs: logs::Logs::new(aws.logs(Writes), aws.logs(Reads)),
            rds: rds::Rds::new(aws.rds(Writes), aws.rds(Reads)),
            s3: s3::S3::new(aws.s3(Writes), aws.s3(Reads), region),
            secrets: secrets::Secrets::new(aws.secretsmanager(Writes), aws.secretsmanager(Reads)),
            sns: sns::Sns::new(aws.sns(Writes), aws.sns(Reads)),
        }
    }
}

impl Registry for AwsRegistry {
    fn driver(&self, kind: &str) -> Option<&dyn Driver> {
        self.home.get(kind)
    }

    fn driver_in(&self, kind: &str, region: Option<&str>) -> Option<&dyn Driver> {
        match region {
            Some(r) => match self.others.iter().find(|(name, _)| name == r) {
                Some((_, drivers)) => drivers.get(kind),
                None => self.home.get(kind),
            },
            None => self.home.get(kind),
        }
    }

    fn manifests(&self) -> Option<&dyn super::driver::ManifestStore> {
        Some(&self.home.s3)
    }
}

impl Drivers {
    fn get(&self, kind: &str) -> Option<&dyn Driver> {
        Some(match kinds::service(kind)? {
            Service::Ec2 => &self.ec2,
            Service::Iam => &self.iam,
            Service::Kms => &self.kms,
            Service::S3 => &self.s3,
            Service::Logs => &self.logs,
            Service::SecretsManager => &self.secrets,
            Service::DynamoDb => &self.dynamodb,
            Service::Sns => &self.sns,
            Service::CloudWatch => &self.cloudwatch,
            Service::Rds => &self.rds,
            Service::CloudTrail => &self.cloudtrail,
            Service::ElastiCache => &self.elasticache,
            Service::Ecs => &self.ecs,
            Service::AppAutoScaling => &self.autoscaling,
            Service::Elbv2 => &self.elbv2,
            Service::Lambda => &self.lambda,
            Service::ApiGateway => &self.apigateway,
            Service::CloudFront => &self.cloudfront,
            Service::Wafv2 => &self.wafv2,
            Service::Route53 => &self.route53,
            Service::Backup => &self.backup,
        })
    }
}

/// Error codes AWS uses for brief outages and eventual consistency (throttling's are
/// `retry::THROTTLE_CODES`).
const TRANSIENT_CODES: &[&str] = &[
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    "DependencyViolation",
    "ConcurrentModification",
    "ConcurrentModificationException",
    "OperationAborted",
    "IncorrectState",
    // DynamoDB answers this to UpdateContinuousBackups for a while after CreateTable, even once
    // the table is ACTIVE ("Backups are being enabled for the table"; UpdateContinuousBackups,
    // Amazon DynamoDB API Reference).
    "ContinuousBackupsUnavailableException",
    // CloudTrail, while the delivery role, its policy or the topic policy propagate.
    "InvalidCloudWatchLogsRoleArnException",
    "InvalidCloudWatchLogsLogGroupArnException",
    "InsufficientSnsTopicPolicyException",
];

pub fn classify(code: &str, status: Option<u16>, message: &str) -> ErrorClass {
    let lower = message.to_ascii_lowercase();
    if TRANSIENT_CODES.contains(&code)
        || super::retry::THROTTLE_CODES.contains(&code)
        || matches!(status, Some(429) | Some(500..=599))
        || super::retry::PROPAGATION_PHRASES
            .iter()
            .any(|p| lower.contains(p))
    {
        ErrorClass::Transient
    } else if code.contains("NotFound")
        || code.starts_with("NoSuch")
        || (code.is_empty() && status == Some(404))
    {
        ErrorClass::NotFound
    } else {
        ErrorClass::Permanent
    }
}

/// `.op("CreateVpc")?` turns an SDK error into the engine's, keeping code and message only.
pub(crate) trait Call<T> {
    fn op(self, operation: &str) -> Result<T, CallError>;
}

impl<T, E> Call<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn op(self, operation: &str) -> Result<T, CallError> {
        self.map_err(|e| {
            let status = e.raw_response().map(|r| r.status().as_u16());
            let code = e.code().unwrap_or("").to_string();
            let message = e
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| crate::aws::describe_sdk_error(&e));
            let class = match &e {
                SdkError::TimeoutError(_)
                | SdkError::DispatchFailure(_)
                | SdkError::ResponseError(_) => ErrorClass::Transient,
                _ => classify(&code, status, &message),
            };
            let code = match (code.is_empty(), status) {
                (false, _) => code,
                (true, Some(s)) => format!("HTTP {s}"),
                (true, None) => "NoResponse".to_string(),
            };
            CallError::new(operation, &code, message, class)
        })
    }
}

/// A call whose NotFound means "absent" rather than failure.
pub(crate) fn absent_ok<T>(r: Result<T, CallError>) -> Result<Option<T>, CallError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Polls `check` until it returns true (the child is usable, or gone). `check` fails for good
/// on a terminal state (the driver's table says which), with AWS's status in the error. A wait
/// that runs out of `limit` fails for good too: each wait is capped once, here, and the engine
/// does not start it over (a timeout repeated nine times was hours of an apply).
pub(crate) async fn wait_until<F, Fut>(
    what: &str,
    limit: Duration,
    mut check: F,
) -> Result<(), CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, CallError>>,
{
    let start = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        if check().await? {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(CallError::new(
                "wait",
                "WaitTimeout",
                format!("{what}: not ready after {}s", limit.as_secs()),
                ErrorClass::Permanent,
            ));
        }
        tracing::info!(what, "waiting");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

/// A resource that reached a state it does not leave by itself: the wait stops with AWS's
/// status instead of polling until its limit.
pub(crate) fn terminal(operation: &str, what: &str, status: &str) -> CallError {
    CallError::new(
        operation,
        "TerminalState",
        format!("{what} is `{status}`, a state it does not leave by itself"),
        ErrorClass::Permanent,
    )
}

/// Tags as the topology shapes them: a JSON object of strings.
pub(crate) fn tag_map<I: IntoIterator<Item = (String, String)>>(tags: I) -> Json {
    Json::Object(
        tags.into_iter()
            .map(|(k, v)| (k, Json::String(v)))
            .collect::<Map<String, Json>>(),
    )
}

/// The keys to remove so that `current` ends up equal to `desired`.
pub(crate) fn stale_keys(
    current: &BTreeMap<String, String>,
    desired: &[(String, String)],
) -> Vec<String> {
    current
        .keys()
        .filter(|k| !desired.iter().any(|(d, _)| d == *k))
        .cloned()
        .collect()
}

/// True when some desired tag is absent from `current` or has another value there: a tagging
/// call is needed.
pub(crate) fn tags_missing(
    current: &BTreeMap<String, String>,
    desired: &[(String, String)],
) -> bool {
    desired.iter().any(|(k, v)| current.get(k) != Some(v))
}

/// An attribute the state must hold for this child.
pub(crate) fn attr<'a>(a: &'a super::driver::Attrs, k: &str) -> Result<&'a str, CallError> {
    a.get(k).map(String::as_str).ok_or_else(|| {
        CallError::new(
            "state",
            "MissingAttribute",
            format!("the state holds no `{k}`"),
            ErrorClass::Permanent,
        )
    })
}

/// A driver whose four operations are its own `find_kind`, `ensure_kind`, `read_kind` and
/// `delete_kind` methods.
macro_rules! delegate_driver {
    ($t:ty) => {
        impl crate::apply::driver::Driver for $t {
            fn find<'a>(
                &'a self,
                d: &'a crate::apply::driver::Desired<'a>,
            ) -> crate::apply::driver::Fut<'a, Option<crate::apply::driver::Attrs>> {
                Box::pin(self.find_kind(d))
            }
            fn ensure<'a>(
                &'a self,
                d: &'a crate::apply::driver::Desired<'a>,
                existing: Option<&'a crate::apply::driver::Attrs>,
            ) -> crate::apply::driver::Fut<'a, crate::apply::driver::Attrs> {
                Box::pin(self.ensure_kind(d, existing))
            }
            fn read_one<'a>(
                &'a self,
                kind: &'a str,
                attrs: &'a crate::apply::driver::Attrs,
            ) -> crate::apply::driver::Fut<'a, Option<serde_json::Map<String, serde_json::Value>>>
            {
                Box::pin(self.read_kind(kind, attrs))
            }
            fn delete<'a>(
                &'a self,
                kind: &'a str,
                attrs: &'a crate::apply::driver::Attrs,
            ) -> crate::apply::driver::Fut<'a, ()> {
                Box::pin(self.delete_kind(kind, attrs))
            }
        }
    };
}
pub(crate) use delegate_driver;

mod apigateway;
mod autoscaling;
mod backup;
mod cloudfront;
mod cloudtrail;
mod cloudwatch;
mod dynamodb;
mod ec2;
mod ecs;
mod elasticache;
mod elbv2;
mod iam;
mod kms;
mod lambda;

mod logs;
mod rds;
mod route53;
mod s3;
mod secrets;
mod sns;
mod wafv2;

/// A request shape the SDK refused to build (a required field missing): a bug, not AWS.
pub(crate) fn built<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> Result<T, CallError> {
    r.map_err(|e| {
        CallError::new(
            "build",
            "InvalidRequest",
            format!("{what}: {e}"),
            ErrorClass::Permanent,
        )
    })
}

pub(crate) fn attrs<const N: usize>(pairs: [(&str, String); N]) -> super::driver::Attrs {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub(crate) fn observed<const N: usize>(pairs: [(&str, Json); N]) -> Map<String, Json> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub(crate) fn unsupported(kind: &str) -> CallError {
    CallError::new(
        "dispatch",
        "UnsupportedKind",
        format!("{kind} is not handled by this driver"),
        ErrorClass::Permanent,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settling_code_is_retried_and_others_are_left_alone() {
        let e = CallError::new(
            "UpdateService",
            "UpdateInProgressException",
            "",
            ErrorClass::Permanent,
        );
        assert_eq!(
            e.clone().transient_on(&["UpdateInProgressException"]).class,
            ErrorClass::Transient
        );
        assert_eq!(e.transient_on(&["Other"]).class, ErrorClass::Permanent);
    }

    #[test]
    fn errors_are_classified_by_code_and_status() {
        assert_eq!(classify("Throttling", Some(400), ""), ErrorClass::Transient);
        assert_eq!(classify("", Some(503), ""), ErrorClass::Transient);
        assert_eq!(
            classify("DependencyViolation", Some(400), ""),
            ErrorClass::Transient
        );
        assert_eq!(
            classify("InvalidVpcID.NotFound", Some(400), ""),
            ErrorClass::NotFound
        );
        assert_eq!(
            classify("NoSuchEntity", Some(404), ""),
            ErrorClass::NotFound
        );
        assert_eq!(classify("", Some(404), ""), ErrorClass::NotFound);
        assert_eq!(
            classify("AccessDenied", Some(403), ""),
            ErrorClass::Permanent
        );
        assert_eq!(
            classify(
                "InvalidParameterValueException",
                Some(400),
                "The role defined for the function cannot be assumed by Lambda."
            ),
            ErrorClass::Transient,
            "IAM propagation is waited for"
        );
        assert_eq!(
            classify("InvalidParameterValue", Some(400), ""),
            ErrorClass::Permanent
        );
        assert_eq!(
            classify(
                "ContinuousBackupsUnavailableException",
                Some(400),
                "Backups are being enabled for the table: t. Please retry later"
            ),
            ErrorClass::Transient,
            "a new table's backups are settling"
        );
        assert_eq!(
            classify(
                "InvalidParameterValue",
                Some(400),
                "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING"
            ),
            ErrorClass::Transient,
            "RDS's view of IAM propagation"
        );
        assert_eq!(
            classify(
                "InvalidParameterValueException",
                Some(400),
                "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"
            ),
            ErrorClass::Transient,
            "Lambda's view of IAM propagation"
        );
        assert_eq!(
            classify(
                "InvalidParameterValueException",
                Some(400),
                "arn:aws:iam::1:role/x is not authorized to call tag:GetResources"
            ),
            ErrorClass::Transient,
            "AWS Backup's view of IAM propagation"
        );
    }
}
