//! How a driver's AWS call becomes the engine's [`CallError`]: the error's class (retried,
//! absent, or final) from AWS's code, status and message, and the few errors every driver raises
//! itself (a value missing, an answer without its resource, a resource not visible yet).

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{Map, Value as Json};

use super::driver::{Attrs, CallError, ErrorClass};

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

/// An attribute the state must hold for this child.
pub(crate) fn attr<'a>(a: &'a Attrs, k: &str) -> Result<&'a str, CallError> {
    a.get(k).map(String::as_str).ok_or_else(|| {
        CallError::new(
            "state",
            "MissingAttribute",
            format!("the state holds no `{k}`"),
            ErrorClass::Permanent,
        )
    })
}

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

pub(crate) fn attrs<const N: usize>(pairs: [(&str, String); N]) -> Attrs {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// What AWS assigned to a resource known by its name: `id` and `name` are the name.
pub(crate) fn named(name: Option<&str>, arn: Option<&str>) -> Attrs {
    let name = name.unwrap_or("").to_string();
    attrs([
        ("id", name.clone()),
        ("name", name),
        ("arn", arn.unwrap_or("").to_string()),
    ])
}

pub(crate) fn observed<const N: usize>(pairs: [(&str, Json); N]) -> Map<String, Json> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// What a read observes of the keys AWS reports, leaving out those it does not (so that the
/// state keeps the applied value rather than taking a null).
pub(crate) fn reported<const N: usize>(pairs: [(&str, Option<Json>); N]) -> Map<String, Json> {
    let given = pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)));
    given.collect()
}

pub(crate) fn unsupported(kind: &str) -> CallError {
    CallError::new(
        "dispatch",
        "UnsupportedKind",
        format!("{kind} is not handled by this driver"),
        ErrorClass::Permanent,
    )
}

/// The one item a describe-by-id call answers; None when the service says there is no such
/// resource (`absent_ok`) or lists none.
pub(crate) fn first_of<O, T: Clone>(
    answer: Result<O, CallError>,
    items: impl Fn(&O) -> &[T],
) -> Result<Option<T>, CallError> {
    Ok(absent_ok(answer)?.and_then(|o| items(&o).first().cloned()))
}

/// A resource just created (or put) that the service's describe call does not list yet: AWS's
/// reads are eventually consistent, so the engine retries.
pub(crate) fn not_visible(operation: &str, what: &str) -> CallError {
    CallError::new(
        operation,
        "NotVisible",
        format!("{what} was created but is not described yet"),
        ErrorClass::Transient,
    )
}

/// A create call answered without the resource it made.
pub(crate) fn empty_answer(operation: &str, what: &str) -> CallError {
    CallError::new(
        operation,
        "EmptyAnswer",
        format!("no resource in the answer for {what}"),
        ErrorClass::Transient,
    )
}

/// A lookup that found nothing where something must be.
pub(crate) fn not_found(operation: &str, what: &str) -> CallError {
    CallError::new(
        operation,
        "NotFound",
        format!("{what} not found"),
        ErrorClass::NotFound,
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

    #[test]
    fn an_unset_s3_bucket_configuration_is_absent() {
        // S3 answers each configuration that is not set with its own code; the S3 driver reads
        // them all through `absent_ok`.
        for code in [
            "NoSuchBucketPolicy",
            "NoSuchLifecycleConfiguration",
            "NoSuchPublicAccessBlockConfiguration",
            "ServerSideEncryptionConfigurationNotFoundError",
            "OwnershipControlsNotFoundError",
        ] {
            assert_eq!(
                classify(code, Some(404), ""),
                ErrorClass::NotFound,
                "{code}"
            );
        }
    }

    #[test]
    fn a_read_reports_only_what_aws_reports() {
        let m = reported([("port", Some(Json::from(443))), ("protocol", None)]);
        assert_eq!(m.get("port"), Some(&Json::from(443)));
        assert!(
            !m.contains_key("protocol"),
            "left out, so the state keeps its value"
        );
    }
}
