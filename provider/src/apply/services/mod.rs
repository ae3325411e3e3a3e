//! The drivers: one module per AWS service, each the only code that calls its service.

mod ec2;
mod iam;
mod kms;
mod logs;
mod s3;
mod secrets;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{Map, Value as Json};

use super::driver::{CallError, Driver, ErrorClass, Registry};
use crate::aws::AwsContext;

/// Every driver this version has, built from one provider configuration.
pub struct AwsRegistry {
    ec2: ec2::Ec2,
    iam: iam::Iam,
    kms: kms::Kms,
    logs: logs::Logs,
    s3: s3::S3,
    secrets: secrets::Secrets,
}

impl AwsRegistry {
    pub fn new(aws: &AwsContext) -> AwsRegistry {
        let region = aws.sdk.region().map(|r| r.to_string()).unwrap_or_default();
        AwsRegistry {
            ec2: ec2::Ec2::new(aws.ec2()),
            iam: iam::Iam::new(aws.iam()),
            kms: kms::Kms::new(aws.kms()),
            logs: logs::Logs::new(aws.logs()),
            s3: s3::S3::new(aws.s3(), region),
            secrets: secrets::Secrets::new(aws.secretsmanager()),
        }
    }
}

impl Registry for AwsRegistry {
    fn driver(&self, kind: &str) -> Option<&dyn Driver> {
        let d: &dyn Driver = match kind {
            "aws_vpc"
            | "aws_subnet"
            | "aws_internet_gateway"
            | "aws_eip"
            | "aws_nat_gateway"
            | "aws_route_table"
            | "aws_route"
            | "aws_route_table_association"
            | "aws_security_group"
            | "aws_vpc_endpoint"
            | "aws_flow_log" => &self.ec2,
            "aws_iam_role" | "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => &self.iam,
            "aws_kms_key" | "aws_kms_alias" => &self.kms,
            "aws_cloudwatch_log_group" => &self.logs,
            "aws_secretsmanager_secret" => &self.secrets,
            k if k.starts_with("aws_s3_bucket") => &self.s3,
            _ => return None,
        };
        Some(d)
    }

    fn manifests(&self) -> Option<&dyn super::driver::ManifestStore> {
        Some(&self.s3)
    }
}

/// Error codes AWS uses for throttling, brief outages and eventual consistency.
const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
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
];

pub fn classify(code: &str, status: Option<u16>) -> ErrorClass {
    if TRANSIENT_CODES.contains(&code) || matches!(status, Some(429) | Some(500..=599)) {
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
                _ => classify(&code, status),
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

/// Polls `check` until it returns true (the child is usable, or gone). A timeout is transient:
/// the engine's retry gives it more time before giving up.
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
                "Timeout",
                format!("{what}: not ready after {}s", limit.as_secs()),
                ErrorClass::Transient,
            ));
        }
        tracing::info!(what, "waiting");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
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

/// Deleting what is already gone succeeds.
pub(crate) fn already_gone(r: Result<(), CallError>) -> Result<(), CallError> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
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
    fn errors_are_classified_by_code_and_status() {
        assert_eq!(classify("Throttling", Some(400)), ErrorClass::Transient);
        assert_eq!(classify("", Some(503)), ErrorClass::Transient);
        assert_eq!(
            classify("DependencyViolation", Some(400)),
            ErrorClass::Transient
        );
        assert_eq!(
            classify("InvalidVpcID.NotFound", Some(400)),
            ErrorClass::NotFound
        );
        assert_eq!(classify("NoSuchEntity", Some(404)), ErrorClass::NotFound);
        assert_eq!(classify("", Some(404)), ErrorClass::NotFound);
        assert_eq!(classify("AccessDenied", Some(403)), ErrorClass::Permanent);
        assert_eq!(
            classify("InvalidParameterValue", Some(400)),
            ErrorClass::Permanent
        );
    }
}
