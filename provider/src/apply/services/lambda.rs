//! Lambda: the API function (found by its unique name) and the permission that lets API Gateway
//! invoke it (found in the function's resource policy by statement id, since permissions carry
//! no name or tags of their own).
//!
//! The code comes from the zip the configuration names, read when the apply runs, or from the
//! built-in placeholder (`lambda_package`); it is uploaded only when its SHA-256 differs from the
//! function's `CodeSha256`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, FunctionConfiguration, LastUpdateStatus, PackageType, Runtime,
    State, TracingConfig, TracingMode, VpcConfig,
};
use aws_sdk_lambda::Client;
use serde_json::{Map, Value as Json};

use super::not_visible;
use super::{
    absent_ok, attr, attrs, for_states, observed, tag_map, until_gone, Absent, Call, States, Status,
};
use crate::apply::driver::{
    Attrs, CallError, Desired, Ensured, ErrorClass, Fields, Found, Observed,
};
use crate::apply::resource::{resources, sorted, Resource};
use crate::apply::tags;
use crate::lambda_package;

const FUNCTION: &str = "aws_lambda_function";
const PERMISSION: &str = "aws_lambda_permission";

super::service_client!(Lambda, Client);
resources!(Lambda, { FUNCTION => LambdaFunction, PERMISSION => LambdaPermission });
tags::tagging!(map Client, resource;
    list_tags "ListTags" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

/// The settings of a function that UpdateFunctionConfiguration changes, as the child wants them.
struct Settings {
    role: String,
    runtime: String,
    handler: String,
    memory_size: Option<i32>,
    timeout: Option<i32>,
    kms_key_arn: Option<String>,
    tracing: String,
    subnets: Vec<String>,
    security_groups: Vec<String>,
    variables: BTreeMap<String, String>,
}

impl Settings {
    fn of(d: &Desired<'_>) -> Result<Settings, CallError> {
        let vpc = d.block("vpc_config");
        let variables = d
            .block("environment")
            .and_then(|e| e.set("variables")?.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Settings {
            role: d.str("role")?.to_string(),
            runtime: d.str("runtime")?.to_string(),
            handler: d.str("handler")?.to_string(),
            memory_size: d.int32("memory_size")?,
            timeout: d.int32("timeout")?,
            kms_key_arn: d.opt_str("kms_key_arn").map(str::to_string),
            tracing: (d.block("tracing_config").and_then(|t| t.string("mode")))
                .unwrap_or("PassThrough")
                .to_string(),
            subnets: vpc.map(|b| b.texts("subnet_ids")).unwrap_or_default(),
            security_groups: vpc
                .map(|b| b.texts("security_group_ids"))
                .unwrap_or_default(),
            variables,
        })
    }

    fn differs(&self, c: &FunctionConfiguration) -> bool {
        let vpc = c.vpc_config();
        let subnets = vpc.map(|v| sorted(v.subnet_ids())).unwrap_or_default();
        let groups = vpc
            .map(|v| sorted(v.security_group_ids()))
            .unwrap_or_default();
        let variables: BTreeMap<String, String> = c
            .environment()
            .and_then(|e| e.variables())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let tracing = c
            .tracing_config()
            .and_then(|t| t.mode())
            .map(TracingMode::as_str)
            .unwrap_or("PassThrough");
        c.role() != Some(self.role.as_str())
            || c.runtime().map(Runtime::as_str) != Some(self.runtime.as_str())
            || c.handler() != Some(self.handler.as_str())
            || self.memory_size.is_some_and(|m| c.memory_size() != Some(m))
            || self.timeout.is_some_and(|t| c.timeout() != Some(t))
            || c.kms_key_arn().filter(|k| !k.is_empty()) != self.kms_key_arn.as_deref()
            || tracing != self.tracing
            || subnets != sorted(&self.subnets)
            || groups != sorted(&self.security_groups)
            || variables != self.variables
    }

    /// The VPC attachment; with no subnets, the empty one that detaches the function.
    fn vpc(&self) -> VpcConfig {
        VpcConfig::builder()
            .set_subnet_ids(Some(self.subnets.clone()))
            .set_security_group_ids(Some(self.security_groups.clone()))
            .build()
    }

    fn environment(&self) -> Environment {
        Environment::builder()
            .set_variables(Some(
                self.variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
            .build()
    }

    fn tracing_config(&self) -> TracingConfig {
        TracingConfig::builder()
            .mode(TracingMode::from(self.tracing.as_str()))
            .build()
    }
}

/// What API Gateway calls to invoke `arn` (`arn:partition:lambda:region:account:function:name`).
fn invoke_arn(arn: &str) -> String {
    match arn.split(':').collect::<Vec<_>>().as_slice() {
        [_, partition, _, region, ..] => format!(
            "arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ),
        _ => String::new(),
    }
}

/// The principal of a resource-policy statement: Lambda writes the service of AddPermission as
/// `{"Service": x}`, and the source ARN as an `ArnLike` condition.
fn statement_principal(s: &Json) -> Option<&str> {
    match s.get("Principal") {
        Some(Json::String(p)) => Some(p.as_str()),
        Some(p) => p
            .get("Service")
            .or_else(|| p.get("AWS"))
            .and_then(Json::as_str),
        None => None,
    }
}

fn statement_source_arn(s: &Json) -> Option<&str> {
    s.get("Condition")
        .and_then(|c| c.get("ArnLike"))
        .and_then(|c| c.get("AWS:SourceArn"))
        .and_then(Json::as_str)
}

fn statement_action(s: &Json) -> Option<&str> {
    match s.get("Action") {
        Some(Json::String(a)) => Some(a.as_str()),
        Some(Json::Array(a)) if a.len() == 1 => a[0].as_str(),
        _ => None,
    }
}

impl Lambda {
    async fn function(&self, name: &str) -> Result<Option<GetFunctionOutput>, CallError> {
        absent_ok(
            self.reads
                .get_function()
                .function_name(name)
                .send()
                .await
                .op("GetFunction"),
        )
    }

    fn function_attrs(c: &FunctionConfiguration) -> Attrs {
        let name = c.function_name().unwrap_or("").to_string();
        let arn = c.function_arn().unwrap_or("").to_string();
        attrs([
            ("id", name.clone()),
            ("function_name", name),
            ("invoke_arn", invoke_arn(&arn)),
            ("arn", arn),
        ])
    }

    /// The code to deploy: the zip the child names, read now, or the built-in placeholder.
    async fn package(&self, d: &Desired<'_>) -> Result<Vec<u8>, CallError> {
        let file = d.str("filename")?;
        if file == crate::topology::PLACEHOLDER_PACKAGE {
            return lambda_package::placeholder(d.str("runtime")?, d.str("handler")?)
                .map_err(|why| CallError::bad_value(d.address, "filename", &why));
        }
        tokio::fs::read(file).await.map_err(|e| {
            CallError::new(
                "package",
                "PackageUnreadable",
                format!("{}: cannot read the package {file}: {e}", d.address),
                ErrorClass::Permanent,
            )
        })
    }

    /// Waits while the function is being created or updated: Lambda refuses a change while
    /// another is in progress. `changed`: a failed update is then ours, and an error.
    async fn wait_ready(&self, name: &str, changed: bool) -> Result<(), CallError> {
        // "State" and "LastUpdateStatus", Lambda API Reference: a function is usable when it
        // is no longer Pending and no update is InProgress. Failed is for good; a failed
        // update is ours only when we made one.
        let states = States {
            ready: &["Ready"],
            terminal: &["Failed", "UpdateFailed"],
        };
        for_states(
            "GetFunctionConfiguration",
            name,
            Duration::from_secs(900),
            &states,
            Absent::Pending,
            || async {
                let r = self
                    .reads
                    .get_function_configuration()
                    .function_name(name)
                    .send()
                    .await;
                let Some(c) = absent_ok(r.op("GetFunctionConfiguration"))? else {
                    return Err(not_visible("GetFunctionConfiguration", name));
                };
                let (state, reason) = match (c.state(), c.last_update_status()) {
                    (Some(State::Failed), _) => ("Failed", c.state_reason()),
                    (Some(State::Pending), _) => ("Pending", None),
                    (_, Some(LastUpdateStatus::InProgress)) => ("InProgress", None),
                    (_, Some(LastUpdateStatus::Failed)) if changed => {
                        ("UpdateFailed", c.last_update_status_reason())
                    }
                    _ => ("Ready", None),
                };
                Ok(Some(Status {
                    state: state.to_string(),
                    reason: reason.map(str::to_string),
                }))
            },
        )
        .await
    }

    async fn create_function(
        &self,
        d: &Desired<'_>,
        s: &Settings,
        code: Vec<u8>,
    ) -> Result<(), CallError> {
        let tags: HashMap<String, String> = d.tags().into_iter().collect();
        self.client
            .create_function()
            .function_name(d.str("function_name")?)
            .role(&s.role)
            .runtime(Runtime::from(s.runtime.as_str()))
            .handler(&s.handler)
            .code(FunctionCode::builder().zip_file(Blob::new(code)).build())
            .package_type(PackageType::Zip)
            .set_memory_size(s.memory_size)
            .set_timeout(s.timeout)
            .set_kms_key_arn(s.kms_key_arn.clone())
            .tracing_config(s.tracing_config())
            .set_vpc_config((!s.subnets.is_empty()).then(|| s.vpc()))
            .environment(s.environment())
            .set_tags(Some(tags))
            .publish(false)
            .send()
            .await
            .op("CreateFunction")?;
        Ok(())
    }

    /// Changes the configuration and the code where they differ, each change waited for (a
    /// failed update is then ours, and an error).
    async fn update_function(&self, d: &Desired<'_>, name: &str) -> Result<(), CallError> {
        let settings = Settings::of(d)?;
        let f = self.function(name).await?;
        let c = f.as_ref().and_then(|f| f.configuration());
        let c = c.ok_or_else(|| not_visible("GetFunction", name))?;
        if settings.differs(c) {
            self.client
                .update_function_configuration()
                .function_name(name)
                .role(&settings.role)
                .runtime(Runtime::from(settings.runtime.as_str()))
                .handler(&settings.handler)
                .set_memory_size(settings.memory_size)
                .set_timeout(settings.timeout)
                // The empty string returns the function to Lambda's own key.
                .kms_key_arn(settings.kms_key_arn.clone().unwrap_or_default())
                .tracing_config(settings.tracing_config())
                .vpc_config(settings.vpc())
                .environment(settings.environment())
                .send()
                .await
                .op("UpdateFunctionConfiguration")?;
            self.wait_ready(name, true).await?;
        }
        let code = self.package(d).await?;
        if c.code_sha256() != Some(lambda_package::code_sha256(&code).as_str()) {
            let r = self.client.update_function_code().function_name(name);
            let r = r.zip_file(Blob::new(code)).publish(false);
            r.send().await.op("UpdateFunctionCode")?;
            self.wait_ready(name, true).await?;
        }
        Ok(())
    }

    /// Reserved concurrency has its own API; -1 or no value means unreserved.
    /// Refuses a reservation the account cannot give, before asking for it: AWS keeps
    /// min(100, the account's quota) unreserved ("You can reserve up to the Unreserved account
    /// concurrency value minus 100", Lambda Developer Guide, reserved concurrency), and new
    /// accounts' quotas can be as small as 10.
    async fn check_reservable(&self, name: &str, want: i32, held: i32) -> Result<(), CallError> {
        let settings = self
            .reads
            .get_account_settings()
            .send()
            .await
            .op("GetAccountSettings")?;
        let Some(limit) = settings.account_limit() else {
            return Ok(());
        };
        let (total, unreserved) = (
            limit.concurrent_executions(),
            limit.unreserved_concurrent_executions().unwrap_or(0),
        );
        if let Some(why) = reservation_refused(want, held, total, unreserved) {
            return Err(CallError::new(
                "PutFunctionConcurrency",
                "InsufficientConcurrency",
                format!("{name}: {why}; leave functions.reserved_concurrency unset, or ask AWS for a higher Lambda concurrency quota"),
                ErrorClass::Permanent,
            ));
        }
        Ok(())
    }

    async fn ensure_concurrency(&self, d: &Desired<'_>, name: &str) -> Result<(), CallError> {
        let want = d
            .int32("reserved_concurrent_executions")?
            .filter(|n| *n >= 0);
        let have = self
            .reads
            .get_function_concurrency()
            .function_name(name)
            .send()
            .await
            .op("GetFunctionConcurrency")?
            .reserved_concurrent_executions();
        match (want, have) {
            (Some(w), h) if h != Some(w) => {
                self.check_reservable(name, w, h.unwrap_or(0)).await?;
                self.client
                    .put_function_concurrency()
                    .function_name(name)
                    .reserved_concurrent_executions(w)
                    .send()
                    .await
                    .op("PutFunctionConcurrency")?;
            }
            (None, Some(_)) => {
                self.client
                    .delete_function_concurrency()
                    .function_name(name)
                    .send()
                    .await
                    .op("DeleteFunctionConcurrency")?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The statement `sid` of the function's resource policy (None: no such statement, no
    /// policy, or no function).
    async fn statement(&self, function: &str, sid: &str) -> Result<Option<Json>, CallError> {
        let Some(r) = absent_ok(
            self.reads
                .get_policy()
                .function_name(function)
                .send()
                .await
                .op("GetPolicy"),
        )?
        else {
            return Ok(None);
        };
        let policy: Json = serde_json::from_str(r.policy().unwrap_or("{}")).map_err(|e| {
            CallError::new(
                "GetPolicy",
                "InvalidPolicy",
                format!("the policy of {function} is not JSON: {e}"),
                ErrorClass::Permanent,
            )
        })?;
        Ok(policy
            .get("Statement")
            .and_then(Json::as_array)
            .and_then(|a| {
                a.iter()
                    .find(|s| s.get("Sid").and_then(Json::as_str) == Some(sid))
            })
            .cloned())
    }

    fn permission_attrs(function: &str, sid: &str) -> Attrs {
        attrs([
            ("id", sid.to_string()),
            ("statement_id", sid.to_string()),
            ("function_name", function.to_string()),
        ])
    }
}

impl Resource for LambdaFunction<'_> {
    const KEYS: &'static [&'static str] = &["tags", "runtime", "memory_size", "timeout"];
    /// The rest of the configuration (compared as sets and maps by `Settings::differs`), the
    /// code (by its SHA-256) and the reserved concurrency (its own API).
    const UNREAD: &'static [&'static str] = &["configuration", "code", "reserved_concurrency"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let f = self.function(d.str("function_name")?).await?;
        Ok(f.and_then(|f| f.configuration().map(Lambda::function_attrs)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("function_name")?;
        let code = self.package(d).await?;
        self.create_function(d, &Settings::of(d)?, code).await?;
        self.wait_ready(name, true).await?;
        self.ensure_concurrency(d, name).await?;
        self.find(d)
            .await?
            .ok_or_else(|| not_visible("GetFunction", name))
    }

    async fn ready(&self, d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        self.wait_ready(d.str("function_name")?, false).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(f) = self.function(attr(a, "function_name")?).await? else {
            return Ok(None);
        };
        let Some(c) = f.configuration() else {
            return Ok(None);
        };
        let int = |v: Option<i32>| v.map(Json::from).unwrap_or(Json::Null);
        let runtime = c.runtime().map(|r| Json::from(r.as_str()));
        Ok(Some(observed([
            ("tags", tag_map(tags::from_map(f.tags()))),
            ("runtime", runtime.unwrap_or(Json::Null)),
            ("memory_size", int(c.memory_size())),
            ("timeout", int(c.timeout())),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let name = attr(a, "function_name")?;
        if changed
            .iter()
            .any(|k| !["tags", "reserved_concurrency"].contains(k))
        {
            self.update_function(d, name).await?;
        }
        if changed.contains(&"reserved_concurrency") {
            self.ensure_concurrency(d, name).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let name = attr(a, "function_name")?;
        let r = self.client.delete_function().function_name(name);
        absent_ok(r.send().await.op("DeleteFunction"))?;
        let exists = || async { Ok(self.function(name).await?.is_some()) };
        until_gone(name, Duration::from_secs(300), exists).await
    }
}

impl Resource for LambdaPermission<'_> {
    const KEYS: &'static [&'static str] = &["source_arn"];
    /// The action and principal, in the forms Lambda writes them into its policy.
    const UNREAD: &'static [&'static str] = &["statement"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (function, sid) = (d.str("function_name")?, d.str("statement_id")?);
        let s = self.statement(function, sid).await?;
        Ok(s.map(|_| Lambda::permission_attrs(function, sid)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (function, sid) = (d.str("function_name")?, d.str("statement_id")?);
        self.client
            .add_permission()
            .function_name(function)
            .statement_id(sid)
            .action(d.str("action")?)
            .principal(d.str("principal")?)
            .set_source_arn(d.opt_str("source_arn").map(str::to_string))
            .send()
            .await
            .op("AddPermission")?;
        Ok(Lambda::permission_attrs(function, sid))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let (function, sid) = (attr(a, "function_name")?, attr(a, "statement_id")?);
        let Some(s) = self.statement(function, sid).await? else {
            return Ok(None);
        };
        let mut out = Map::new();
        if let Some(arn) = statement_source_arn(&s) {
            out.insert("source_arn".to_string(), Json::from(arn));
        }
        Ok(Some(out))
    }

    /// A statement is never changed in place: it is replaced under the same id.
    async fn update(&self, d: &Desired<'_>, a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        let (function, sid) = (attr(a, "function_name")?, attr(a, "statement_id")?);
        if let Some(s) = self.statement(function, sid).await? {
            if statement_action(&s) == Some(d.str("action")?)
                && statement_principal(&s) == Some(d.str("principal")?)
                && statement_source_arn(&s) == d.opt_str("source_arn")
            {
                return Ok(());
            }
            self.delete(a).await?;
        }
        self.create(d).await.map(drop)
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self
            .client
            .remove_permission()
            .function_name(attr(a, "function_name")?);
        let r = r.statement_id(attr(a, "statement_id")?);
        absent_ok(r.send().await.op("RemovePermission"))?;
        Ok(())
    }
}
/// Why reserving `want` for a function that holds `held` fails on an account whose concurrency
/// quota is `total` with `unreserved` left; None when it fits.
pub(crate) fn reservation_refused(
    want: i32,
    held: i32,
    total: i32,
    unreserved: i32,
) -> Option<String> {
    let floor = total.min(100);
    let available = unreserved + held - floor;
    (want > available).then(|| {
        format!(
            "reserving {want} would leave less than the {floor} AWS keeps unreserved (account quota {total}, unreserved {unreserved}, at most {} can be reserved)",
            available.max(0)
        )
    })
}

#[cfg(test)]
mod reservation_tests {
    use super::reservation_refused;

    #[test]
    fn a_new_accounts_small_quota_refuses_a_reservation() {
        assert!(reservation_refused(10, 0, 10, 10).is_some());
        assert!(reservation_refused(100, 0, 1000, 1000).is_none());
        assert!(reservation_refused(901, 0, 1000, 1000).is_some());
        // What the function already holds counts as available to it.
        assert!(reservation_refused(150, 100, 1000, 900).is_none());
    }
}
