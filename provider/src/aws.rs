//! Builds AWS SDK clients from the provider settings. This is the only place that knows how a
//! setting (profile, endpoint, assume_role, ...) becomes SDK configuration.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("no AWS region: set `region` in the provider block, or AWS_REGION")]
    NoRegion,
    #[error("AWS call {operation} failed: {message}")]
    Call { operation: String, message: String },
}

macro_rules! engine_client {
    ($ctx:expr, $calls:expr, $krate:ident, $service:literal) => {{
        let mut b =
            $krate::config::Builder::from(&$ctx.sdk).retry_config($ctx.engine_retry($calls));
        if let Some(e) = $ctx.endpoint_for($service) {
            b = b.endpoint_url(e);
        }
        $krate::Client::from_conf(b.build())
    }};
}

/// Which calls an engine client makes (see `AwsContext::engine_retry`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calls {
    Reads,
    Writes,
}

/// Configured SDK settings plus per-service endpoint overrides.
#[derive(Clone, Debug)]
pub struct AwsContext {
    pub sdk: SdkConfig,
    pub settings: Settings,
}

/// The SDK's HTTPS client on rustls with ring: aws-lc stays out of the process, whose
/// default rustls provider must be ring for the plugin's own TLS (see `tls`).
fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{tls, Builder};
    Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

impl AwsContext {
    pub async fn from_settings(settings: &Settings) -> Result<AwsContext, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(settings.max_retries + 1)
                    .with_max_backoff(Duration::from_secs(20)),
            );
        if let Some(r) = &settings.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &settings.profile {
            loader = loader.profile_name(p);
        }
        if !settings.shared_config_files.is_empty() || !settings.shared_credentials_files.is_empty()
        {
            #[allow(deprecated)]
            // the replacement lives in aws-runtime, which we do not otherwise need
            use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
            #[allow(deprecated)]
            let mut files = ProfileFiles::builder();
            for f in &settings.shared_config_files {
                #[allow(deprecated)]
                let kind = ProfileFileKind::Config;
                files = files.with_file(kind, f);
            }
            for f in &settings.shared_credentials_files {
                #[allow(deprecated)]
                let kind = ProfileFileKind::Credentials;
                files = files.with_file(kind, f);
            }
            loader = loader.profile_files(files.build());
        }
        if let (Some(ak), Some(sk)) = (&settings.access_key, &settings.secret_key) {
            loader = loader.credentials_provider(aws_credential_types::Credentials::new(
                ak.clone(),
                sk.clone(),
                settings.token.clone(),
                None,
                "edulibra-provider-block",
            ));
        }
        if let Some(e) = &settings.endpoint {
            loader = loader.endpoint_url(e.clone());
        }
        let mut sdk = loader.load().await;
        if sdk.region().is_none() {
            return Err(AwsError::NoRegion);
        }
        if let Some(role) = &settings.assume_role {
            let mut b = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
                .session_name(role.session_name.clone())
                .configure(&sdk);
            if let Some(x) = &role.external_id {
                b = b.external_id(x.clone());
            }
            let provider = b.build().await;
            sdk = sdk
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        Ok(AwsContext {
            sdk,
            settings: settings.clone(),
        })
    }

    /// The same configuration for another region (the provider's credentials and endpoints).
    pub fn in_region(&self, region: &str) -> AwsContext {
        AwsContext {
            sdk: self
                .sdk
                .clone()
                .into_builder()
                .region(Region::new(region.to_string()))
                .build(),
            settings: self.settings.clone(),
        }
    }

    /// The endpoint for one service: its own override, else the common `endpoint`.
    pub fn endpoint_for(&self, service: &str) -> Option<&str> {
        self.settings
            .endpoints
            .get(service)
            .map(String::as_str)
            .or(self.settings.endpoint.as_deref())
    }

    /// Clients of the apply engine come in two kinds. Calls that only read (describe, list,
    /// get) are retried call by call by the SDK, with jittered backoff. Calls that change
    /// something are not: a create whose answer was lost could be sent twice and make two
    /// resources, so their errors go to the engine, which looks the child up again before
    /// trying once more (`apply::retry`).
    fn engine_retry(&self, calls: Calls) -> RetryConfig {
        match calls {
            Calls::Reads => RetryConfig::standard()
                .with_max_attempts(self.settings.max_retries + 1)
                .with_max_backoff(Duration::from_secs(10)),
            Calls::Writes => RetryConfig::disabled(),
        }
    }

    pub fn ec2(&self, calls: Calls) -> aws_sdk_ec2::Client {
        engine_client!(self, calls, aws_sdk_ec2, "ec2")
    }
    pub fn iam(&self, calls: Calls) -> aws_sdk_iam::Client {
        engine_client!(self, calls, aws_sdk_iam, "iam")
    }
    pub fn kms(&self, calls: Calls) -> aws_sdk_kms::Client {
        engine_client!(self, calls, aws_sdk_kms, "kms")
    }
    pub fn logs(&self, calls: Calls) -> aws_sdk_cloudwatchlogs::Client {
        engine_client!(self, calls, aws_sdk_cloudwatchlogs, "logs")
    }
    pub fn secretsmanager(&self, calls: Calls) -> aws_sdk_secretsmanager::Client {
        engine_client!(self, calls, aws_sdk_secretsmanager, "secretsmanager")
    }
    pub fn dynamodb(&self, calls: Calls) -> aws_sdk_dynamodb::Client {
        engine_client!(self, calls, aws_sdk_dynamodb, "dynamodb")
    }
    pub fn sns(&self, calls: Calls) -> aws_sdk_sns::Client {
        engine_client!(self, calls, aws_sdk_sns, "sns")
    }
    pub fn cloudtrail(&self, calls: Calls) -> aws_sdk_cloudtrail::Client {
        engine_client!(self, calls, aws_sdk_cloudtrail, "cloudtrail")
    }
    pub fn rds(&self, calls: Calls) -> aws_sdk_rds::Client {
        engine_client!(self, calls, aws_sdk_rds, "rds")
    }
    pub fn cloudwatch(&self, calls: Calls) -> aws_sdk_cloudwatch::Client {
        engine_client!(self, calls, aws_sdk_cloudwatch, "cloudwatch")
    }
    pub fn elasticache(&self, calls: Calls) -> aws_sdk_elasticache::Client {
        engine_client!(self, calls, aws_sdk_elasticache, "elasticache")
    }
    pub fn ecs(&self, calls: Calls) -> aws_sdk_ecs::Client {
        engine_client!(self, calls, aws_sdk_ecs, "ecs")
    }
    pub fn elbv2(&self, calls: Calls) -> aws_sdk_elasticloadbalancingv2::Client {
        engine_client!(self, calls, aws_sdk_elasticloadbalancingv2, "elbv2")
    }
    pub fn appautoscaling(&self, calls: Calls) -> aws_sdk_applicationautoscaling::Client {
        engine_client!(
            self,
            calls,
            aws_sdk_applicationautoscaling,
            "applicationautoscaling"
        )
    }
    pub fn lambda(&self, calls: Calls) -> aws_sdk_lambda::Client {
        engine_client!(self, calls, aws_sdk_lambda, "lambda")
    }
    pub fn apigateway(&self, calls: Calls) -> aws_sdk_apigateway::Client {
        engine_client!(self, calls, aws_sdk_apigateway, "apigateway")
    }
    pub fn cloudfront(&self, calls: Calls) -> aws_sdk_cloudfront::Client {
        engine_client!(self, calls, aws_sdk_cloudfront, "cloudfront")
    }
    pub fn route53(&self, calls: Calls) -> aws_sdk_route53::Client {
        engine_client!(self, calls, aws_sdk_route53, "route53")
    }
    pub fn backup(&self, calls: Calls) -> aws_sdk_backup::Client {
        engine_client!(self, calls, aws_sdk_backup, "backup")
    }
    pub fn wafv2(&self, calls: Calls) -> aws_sdk_wafv2::Client {
        engine_client!(self, calls, aws_sdk_wafv2, "wafv2")
    }
    /// Web ACLs of CLOUDFRONT scope live in us-east-1, whatever the provider's region.
    pub fn wafv2_global(&self, calls: Calls) -> aws_sdk_wafv2::Client {
        let mut b = aws_sdk_wafv2::config::Builder::from(&self.sdk)
            .retry_config(self.engine_retry(calls))
            .region(Region::new("us-east-1"));
        if let Some(e) = self.endpoint_for("wafv2") {
            b = b.endpoint_url(e);
        }
        aws_sdk_wafv2::Client::from_conf(b.build())
    }
    pub fn s3(&self, calls: Calls) -> aws_sdk_s3::Client {
        let mut b =
            aws_sdk_s3::config::Builder::from(&self.sdk).retry_config(self.engine_retry(calls));
        if let Some(e) = self.endpoint_for("s3") {
            // Emulators and custom endpoints do not resolve bucket names as host names.
            b = b.endpoint_url(e).force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(b.build())
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        let mut b = aws_sdk_sts::config::Builder::from(&self.sdk);
        if let Some(e) = self.endpoint_for("sts") {
            b = b.endpoint_url(e);
        }
        aws_sdk_sts::Client::from_conf(b.build())
    }
}

/// Renders an SDK error with its service code and message, never with request bodies (which
/// may carry secrets).
pub fn describe_sdk_error<E: std::error::Error + 'static>(e: &E) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}
