//! API Gateway (REST APIs): the regional API, found by its component tag (API names are not
//! unique); its deployment, found in the API by description; its stage, unique by name in the
//! API; and the stage's method settings, an entry of the stage's `methodSettings` map.
//!
//! The API's routes come from its OpenAPI `body`, put in overwrite mode after the API is created
//! with its name, endpoint type and tags (ImportRestApi takes no tags), so the deployment has
//! methods to deploy. An API without a body gets a mock `ANY /` method for the same reason.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_apigateway::operation::get_stage::GetStageOutput;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    Deployment, EndpointConfiguration, EndpointType, MethodSetting, Op, PatchOperation, PutMode,
};
use aws_sdk_apigateway::Client;
use serde_json::{json, Map, Value as Json};
use tokio::sync::OnceCell;

use super::not_visible;
use super::{absent_ok, attr, attrs, observed, tag_map, until_gone, Call};
use crate::apply::driver::strings_in;
use crate::apply::driver::{
    Attrs, CallError, Desired, Ensured, ErrorClass, Fields, Found, Observed,
};
use crate::apply::resource::{converge, resources, Resource};
use crate::apply::tags;

const REST_API: &str = "aws_api_gateway_rest_api";
const DEPLOYMENT: &str = "aws_api_gateway_deployment";
const STAGE: &str = "aws_api_gateway_stage";
const METHOD_SETTINGS: &str = "aws_api_gateway_method_settings";
/// The region's API Gateway account settings: the role API Gateway writes execution logs with.
/// "You must set the cloudWatchRoleArn property separately for each AWS Region" ("Set up
/// CloudWatch logging for REST APIs", API Gateway Developer Guide); a fresh account has none,
/// and a stage that logs is refused with `BadRequestException: CloudWatch Logs role ARN must be
/// set in account settings to enable logging`.
const ACCOUNT: &str = "aws_api_gateway_account";
/// The id hashicorp/aws gives the account settings.
const ACCOUNT_ID: &str = "api-gateway-account";

resources!(ApiGateway, {
    REST_API => ApiGatewayRestApi,
    DEPLOYMENT => ApiGatewayDeployment,
    STAGE => ApiGatewayStage,
    METHOD_SETTINGS => ApiGatewayMethodSettings,
    ACCOUNT => ApiGatewayAccount,
});

/// The `settings` keys of hashicorp/aws and the UpdateStage path segment each one patches.
const SETTINGS: &[(&str, &str)] = &[
    ("metrics_enabled", "metrics/enabled"),
    ("logging_level", "logging/loglevel"),
    ("data_trace_enabled", "logging/dataTrace"),
    ("throttling_burst_limit", "throttling/burstLimit"),
    ("throttling_rate_limit", "throttling/rateLimit"),
    ("caching_enabled", "caching/enabled"),
    ("cache_ttl_in_seconds", "caching/ttlInSeconds"),
    ("cache_data_encrypted", "caching/dataEncrypted"),
    (
        "require_authorization_for_cache_control",
        "caching/requireAuthorizationForCacheControl",
    ),
    (
        "unauthorized_cache_control_header_strategy",
        "caching/unauthorizedCacheControlHeaderStrategy",
    ),
];

// The tags are read from GetRestApi and GetStage (`tags::sync_from`): the emulator lacks GetTags.
tags::tagging!(map Client, resource_arn;
    get_tags "GetTags" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

pub struct ApiGateway {
    client: Client,
    reads: Client,
    /// Execution ARNs name the account, which no API Gateway answer carries.
    sts: aws_sdk_sts::Client,
    region: String,
    account: OnceCell<String>,
}

/// What the driver uses of a REST API, from GetRestApi or GetRestApis (two SDK types).
struct Api {
    id: String,
    name: String,
    description: Option<String>,
    types: Vec<String>,
    tags: BTreeMap<String, String>,
    root: String,
}

macro_rules! api_of {
    ($r:expr) => {{
        let r = $r;
        Api {
            id: r.id().unwrap_or("").to_string(),
            name: r.name().unwrap_or("").to_string(),
            description: r.description().map(str::to_string),
            types: r
                .endpoint_configuration()
                .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
                .unwrap_or_default(),
            tags: r
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            root: r.root_resource_id().unwrap_or("").to_string(),
        }
    }};
}

fn tag<'a>(tags: Option<&'a HashMap<String, String>>, key: &str) -> Option<&'a str> {
    tags.and_then(|t| t.get(key)).map(String::as_str)
}
fn patch(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(str::to_string))
        .build()
}

fn replace(path: &str, value: &str) -> PatchOperation {
    patch(Op::Replace, path, Some(value))
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn gone(operation: &str, what: String) -> CallError {
    CallError::new(
        operation,
        "NotFoundException",
        format!("{what} does not exist"),
        ErrorClass::NotFound,
    )
}

/// A whole number as an integer, as the topology writes it (AWS answers rates as doubles).
fn number(f: f64) -> Json {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Json::from(f as i64)
    } else {
        serde_json::Number::from_f64(f)
            .map(Json::Number)
            .unwrap_or(Json::Null)
    }
}

fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// A setting as UpdateStage takes it: every value is a string.
fn patch_value(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One method setting in the topology's shape.
fn setting_json(m: &MethodSetting, key: &str) -> Json {
    match key {
        "metrics_enabled" => Json::Bool(m.metrics_enabled()),
        "logging_level" => m.logging_level().map(Json::from).unwrap_or(Json::Null),
        "data_trace_enabled" => Json::Bool(m.data_trace_enabled()),
        "throttling_burst_limit" => Json::from(m.throttling_burst_limit()),
        "throttling_rate_limit" => number(m.throttling_rate_limit()),
        "caching_enabled" => Json::Bool(m.caching_enabled()),
        "cache_ttl_in_seconds" => Json::from(m.cache_ttl_in_seconds()),
        "cache_data_encrypted" => Json::Bool(m.cache_data_encrypted()),
        "require_authorization_for_cache_control" => {
            Json::Bool(m.require_authorization_for_cache_control())
        }
        "unauthorized_cache_control_header_strategy" => m
            .unauthorized_cache_control_header_strategy()
            .map(|s| Json::from(s.as_str()))
            .unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

/// An OpenAPI document with one mock `ANY /` method: what a deployment needs at least.
fn mock_document(title: &str) -> String {
    json!({
        "openapi": "3.0.1",
        "info": { "title": title, "version": "1" },
        "paths": {
            "/": {
                "x-amazon-apigateway-any-method": {
                    "responses": { "200": { "description": "OK" } },
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": { "application/json": "{\"statusCode\": 200}" },
                        "responses": { "default": { "statusCode": "200" } }
                    }
                }
            }
        }
    })
    .to_string()
}

/// The newest deployment of `all` with this description (the one an interrupted run made).
fn newest_described<'a>(
    all: &'a [Deployment],
    description: Option<&str>,
) -> Option<&'a Deployment> {
    all.iter()
        .filter(|x| x.description().unwrap_or("") == description.unwrap_or(""))
        .max_by_key(|x| x.created_date().map(|t| t.secs()).unwrap_or(0))
}

/// A deployment is a snapshot of the API: a new body (its hash in `triggers`) needs a new one,
/// and the hash in the description is how a rerun finds the one it made.
fn deployment_description(d: &Desired<'_>) -> String {
    let text = d.opt_str("description").unwrap_or("");
    match d
        .get("triggers")
        .and_then(|t| t.get("redeployment"))
        .and_then(Json::as_str)
    {
        Some(hash) => format!("{text} {hash}").trim().to_string(),
        None => text.to_string(),
    }
}

/// The description as the topology writes it: without the body's hash that
/// `deployment_description` adds (a SHA-256 in base64: 44 characters ending in `=`).
fn without_body_hash(text: &str) -> &str {
    match text.rsplit_once(' ') {
        Some((head, hash)) if hash.len() == 44 && hash.ends_with('=') => head,
        _ => text,
    }
}

impl ApiGateway {
    pub fn new(
        client: Client,
        reads: Client,
        sts: aws_sdk_sts::Client,
        region: String,
    ) -> ApiGateway {
        ApiGateway {
            client,
            reads,
            sts,
            region,
            account: OnceCell::new(),
        }
    }

    fn partition(&self) -> &'static str {
        crate::topology::partition_of(&self.region)
    }

    fn dns_suffix(&self) -> &'static str {
        crate::topology::dns_suffix(&self.region)
    }

    /// The account the provider runs in, asked of STS once.
    async fn account(&self) -> Result<&str, CallError> {
        let account = self
            .account
            .get_or_try_init(|| async {
                let r = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .op("GetCallerIdentity")?;
                let id = r.account().unwrap_or("").to_string();
                if id.is_empty() {
                    return Err(CallError::new(
                        "GetCallerIdentity",
                        "NoAccount",
                        "STS answered without an account id",
                        ErrorClass::Transient,
                    ));
                }
                Ok::<String, CallError>(id)
            })
            .await?;
        Ok(account.as_str())
    }

    fn api_arn(&self, id: &str) -> String {
        format!(
            "arn:{}:apigateway:{}::/restapis/{id}",
            self.partition(),
            self.region
        )
    }

    fn stage_arn(&self, api: &str, stage: &str) -> String {
        format!("{}/stages/{stage}", self.api_arn(api))
    }

    fn invoke_url(&self, api: &str, stage: &str) -> String {
        format!(
            "https://{api}.execute-api.{}.{}/{stage}",
            self.region,
            self.dns_suffix()
        )
    }

    async fn execution_arn(&self, api: &str) -> Result<String, CallError> {
        let account = self.account().await?;
        Ok(format!(
            "arn:{}:execute-api:{}:{account}:{api}",
            self.partition(),
            self.region
        ))
    }

    // ---- REST API ----

    async fn rest_api(&self, id: &str) -> Result<Option<Api>, CallError> {
        let r = absent_ok(
            self.reads
                .get_rest_api()
                .rest_api_id(id)
                .send()
                .await
                .op("GetRestApi"),
        )?;
        Ok(r.as_ref().map(|r| api_of!(r)))
    }

    async fn find_api(&self, d: &Desired<'_>) -> Result<Option<Api>, CallError> {
        let mut position = None;
        loop {
            let r = self
                .reads
                .get_rest_apis()
                .limit(500)
                .set_position(position)
                .send()
                .await
                .op("GetRestApis")?;
            if let Some(a) = r.items().iter().find(|a| {
                tag(a.tags(), "edulibra:environment") == Some(d.environment)
                    && tag(a.tags(), "edulibra:component") == Some(d.address)
            }) {
                return Ok(Some(api_of!(a)));
            }
            match r.position() {
                Some(p) if !p.is_empty() => position = Some(p.to_string()),
                _ => return Ok(None),
            }
        }
    }

    async fn api_attrs(&self, a: &Api) -> Ensured {
        Ok(attrs([
            ("id", a.id.clone()),
            ("name", a.name.clone()),
            ("arn", self.api_arn(&a.id)),
            ("execution_arn", self.execution_arn(&a.id).await?),
            ("root_resource_id", a.root.clone()),
        ]))
    }

    fn endpoint_types(d: &Desired<'_>) -> Vec<String> {
        strings_in(
            d.block("endpoint_configuration")
                .and_then(|b| b.get("types")),
        )
    }

    async fn create_api(&self, d: &Desired<'_>) -> Result<String, CallError> {
        let types = Self::endpoint_types(d);
        let endpoint = (!types.is_empty()).then(|| {
            let types = types.iter().map(|t| EndpointType::from(t.as_str()));
            EndpointConfiguration::builder()
                .set_types(Some(types.collect()))
                .build()
        });
        let r = self
            .client
            .create_rest_api()
            .name(d.str("name")?)
            .set_description(d.opt_str("description").map(str::to_string))
            .set_endpoint_configuration(endpoint)
            .set_tags(Some(d.tags().into_iter().collect()))
            .send()
            .await
            .op("CreateRestApi")?;
        Ok(r.id().unwrap_or("").to_string())
    }

    /// Puts the routes (the same document again changes nothing) and then the child's name,
    /// description and endpoint type: the document may carry its own, and the child's
    /// arguments win, as in hashicorp/aws.
    async fn put_api(&self, d: &Desired<'_>, id: &str) -> Result<(), CallError> {
        let name = d.str("name")?;
        let (body, mode) = match d.opt_str("body") {
            Some(b) => (b.to_string(), PutMode::Overwrite),
            None => (mock_document(name), PutMode::Merge),
        };
        self.client
            .put_rest_api()
            .rest_api_id(id)
            .mode(mode)
            .fail_on_warnings(false)
            .body(Blob::new(body.into_bytes()))
            .send()
            .await
            .op("PutRestApi")?;
        let api = self.rest_api(id).await?;
        let api = api.ok_or_else(|| not_visible("GetRestApi", name))?;
        let mut ops = Vec::new();
        if api.name != name {
            ops.push(replace("/name", name));
        }
        if let Some(want) = d.opt_str("description") {
            if api.description.as_deref().unwrap_or("") != want {
                ops.push(replace("/description", want));
            }
        }
        if let (Some(want), Some(have)) = (Self::endpoint_types(d).first(), api.types.first()) {
            if want != have {
                ops.push(replace(
                    &format!("/endpointConfiguration/types/{have}"),
                    want,
                ));
            }
        }
        if !ops.is_empty() {
            let r = self.client.update_rest_api().rest_api_id(id);
            r.set_patch_operations(Some(ops))
                .send()
                .await
                .op("UpdateRestApi")?;
        }
        Ok(())
    }

    // ---- deployment ----

    /// The API's deployments (None: the API is gone).
    async fn deployments(&self, api: &str) -> Result<Option<Vec<Deployment>>, CallError> {
        let mut out = Vec::new();
        let mut position = None;
        loop {
            let Some(r) = absent_ok(
                self.reads
                    .get_deployments()
                    .rest_api_id(api)
                    .limit(500)
                    .set_position(position)
                    .send()
                    .await
                    .op("GetDeployments"),
            )?
            else {
                return Ok(None);
            };
            out.extend(r.items().iter().cloned());
            match r.position() {
                Some(p) if !p.is_empty() => position = Some(p.to_string()),
                _ => return Ok(Some(out)),
            }
        }
    }

    fn deployment_attrs(&self, api: &str, id: &str) -> Attrs {
        attrs([
            ("id", id.to_string()),
            ("rest_api_id", api.to_string()),
            ("invoke_url", self.invoke_url(api, "")),
        ])
    }

    // ---- stage ----

    async fn stage(&self, api: &str, name: &str) -> Result<Option<GetStageOutput>, CallError> {
        absent_ok(
            self.reads
                .get_stage()
                .rest_api_id(api)
                .stage_name(name)
                .send()
                .await
                .op("GetStage"),
        )
    }

    async fn stage_attrs(&self, api: &str, name: &str, deployment: &str) -> Ensured {
        Ok(attrs([
            ("id", format!("ags-{api}-{name}")),
            ("rest_api_id", api.to_string()),
            ("stage_name", name.to_string()),
            ("deployment_id", deployment.to_string()),
            ("arn", self.stage_arn(api, name)),
            ("invoke_url", self.invoke_url(api, name)),
            (
                "execution_arn",
                format!("{}/{name}", self.execution_arn(api).await?),
            ),
        ]))
    }

    /// CreateStage takes no access log settings: they, and every later change, are patches.
    async fn patch_stage(&self, d: &Desired<'_>) -> Result<(), CallError> {
        let (api, name) = (d.str("rest_api_id")?, d.str("stage_name")?);
        let current = self.stage(api, name).await?;
        let current = current.ok_or_else(|| not_visible("GetStage", name))?;
        let deployment = d.str("deployment_id")?;
        let tracing = d.bool("xray_tracing_enabled").unwrap_or(false);
        let cache = d.bool("cache_cluster_enabled").unwrap_or(false);
        let mut ops = Vec::new();
        if current.deployment_id() != Some(deployment) {
            ops.push(replace("/deploymentId", deployment));
        }
        if current.tracing_enabled() != tracing {
            ops.push(replace("/tracingEnabled", bool_str(tracing)));
        }
        if current.cache_cluster_enabled() != cache {
            ops.push(replace("/cacheClusterEnabled", bool_str(cache)));
        }
        if let Some(want) = d.opt_str("description") {
            if current.description().unwrap_or("") != want {
                ops.push(replace("/description", want));
            }
        }
        let have = current.access_log_settings();
        match d.block("access_log_settings") {
            Some(b) => {
                for (key, path, field) in [
                    (
                        "destination_arn",
                        "/accessLogSettings/destinationArn",
                        have.and_then(|h| h.destination_arn()),
                    ),
                    (
                        "format",
                        "/accessLogSettings/format",
                        have.and_then(|h| h.format()),
                    ),
                ] {
                    let want = b.string(key).ok_or_else(|| {
                        let at = format!("access_log_settings.{key}");
                        CallError::bad_value(d.address, &at, "must be a string")
                    })?;
                    if field != Some(want) {
                        ops.push(replace(path, want));
                    }
                }
            }
            None => {
                if have.and_then(|h| h.destination_arn()).is_some() {
                    ops.push(patch(Op::Remove, "/accessLogSettings", None));
                }
            }
        }
        if !ops.is_empty() {
            let r = self.client.update_stage().rest_api_id(api).stage_name(name);
            r.set_patch_operations(Some(ops))
                .send()
                .await
                .op("UpdateStage")?;
        }
        Ok(())
    }

    // ---- method settings ----

    fn method_settings_attrs(api: &str, stage: &str, path: &str, keys: &[&str]) -> Attrs {
        attrs([
            ("id", format!("{api}-{stage}-{path}")),
            ("rest_api_id", api.to_string()),
            ("stage_name", stage.to_string()),
            ("method_path", path.to_string()),
            // Which settings the child sets: read observes those and no others.
            ("settings", keys.join(",")),
        ])
    }

    fn wanted_settings(d: &Desired<'_>) -> Vec<&'static str> {
        let want = d.block("settings");
        SETTINGS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| want.and_then(|w| w.get(*k)).is_some_and(|v| !v.is_null()))
            .collect()
    }

    async fn patch_method_settings(&self, d: &Desired<'_>) -> Result<(), CallError> {
        let api = d.str("rest_api_id")?;
        let stage = d.str("stage_name")?;
        let path = d.str("method_path")?;
        let want = d.block("settings");
        let s = self
            .stage(api, stage)
            .await?
            .ok_or_else(|| gone("GetStage", format!("stage {stage} of REST API {api}")))?;
        let current = s.method_settings().and_then(|m| m.get(path));
        let mut ops = Vec::new();
        for (key, segment) in SETTINGS {
            let Some(v) = want.and_then(|w| w.get(*key)).filter(|v| !v.is_null()) else {
                continue;
            };
            if current.is_some_and(|m| same(&setting_json(m, key), v)) {
                continue;
            }
            let value = patch_value(v).ok_or_else(|| {
                CallError::bad_value(
                    d.address,
                    &format!("settings.{key}"),
                    "must be a string, number or bool",
                )
            })?;
            ops.push(replace(&format!("/{path}/{segment}"), &value));
        }
        if !ops.is_empty() {
            self.client
                .update_stage()
                .rest_api_id(api)
                .stage_name(stage)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .op("UpdateStage")?;
        }
        Ok(())
    }

    // ---- the resources ----
    /// The role the region's API Gateway logs with, if one is set.
    async fn account_role(&self) -> Result<Option<String>, CallError> {
        let a = self.reads.get_account().send().await.op("GetAccount")?;
        Ok(a.cloudwatch_role_arn()
            .filter(|r| !r.is_empty())
            .map(str::to_string))
    }

    /// Sets the environment's role when the region has none. A role that is already set is
    /// the account's (another environment's, or its owner's) and is left alone: it serves our
    /// stages as well, and overwriting it would take it from whoever set it.
    async fn ensure_account(&self, d: &Desired<'_>) -> Ensured {
        let ours = d.str("cloudwatch_role_arn")?;
        let current = self.account_role().await?;
        let role = match current {
            Some(r) => {
                if r != ours {
                    tracing::info!(role = %r, "the region's API Gateway already logs with a role; leaving it");
                }
                r
            }
            None => {
                self.client
                    .update_account()
                    .patch_operations(replace("/cloudwatchRoleArn", ours))
                    .send()
                    .await
                    .op("UpdateAccount")?;
                ours.to_string()
            }
        };
        Ok(attrs([
            ("id", ACCOUNT_ID.to_string()),
            ("set_by_environment", (role == ours).to_string()),
            ("cloudwatch_role_arn", role),
        ]))
    }
}

impl Resource for ApiGatewayRestApi<'_> {
    const KEYS: &'static [&'static str] = &["tags", "name", "endpoint_configuration"];
    /// The routes, put on every apply (the same document again changes nothing).
    const UNREAD: &'static [&'static str] = &["body"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        match self.find_api(d).await? {
            Some(a) => Ok(Some(self.api_attrs(&a).await?)),
            None => Ok(None),
        }
    }

    /// The API the state names first: a lookup by tags lists every API of the account.
    async fn recorded(&self, a: &Attrs) -> Found {
        match self.rest_api(attr(a, "id")?).await? {
            Some(api) => Ok(Some(self.api_attrs(&api).await?)),
            None => Ok(None),
        }
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let id = self.create_api(d).await?;
        self.put_api(d, &id).await?;
        let api = self.rest_api(&id).await?;
        self.api_attrs(&api.ok_or_else(|| not_visible("GetRestApi", &id))?)
            .await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(api) = self.rest_api(attr(a, "id")?).await? else {
            return Ok(None);
        };
        Ok(Some(observed([
            ("tags", tag_map(api.tags)),
            ("name", Json::from(api.name)),
            ("endpoint_configuration", json!([{ "types": api.types }])),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let id = attr(a, "id")?;
        if changed.iter().any(|k| *k != "tags") {
            self.put_api(d, id).await?;
        }
        if changed.contains(&"tags") {
            let api = self.rest_api(id).await?;
            let api = api.ok_or_else(|| not_visible("GetRestApi", id))?;
            tags::sync_from(&self.client, &self.api_arn(id), &api.tags, &d.tags()).await?;
        }
        Ok(())
    }

    /// AWS allows one DeleteRestApi per 30 seconds per account: its TooManyRequestsException
    /// is transient and retried.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let id = attr(a, "id")?;
        let r = self.client.delete_rest_api().rest_api_id(id);
        absent_ok(r.send().await.op("DeleteRestApi"))?;
        let exists = || async { Ok(self.rest_api(id).await?.is_some()) };
        until_gone(id, Duration::from_secs(120), exists).await
    }
}

/// A change is a new deployment (its description carries the body's hash): the old one stays
/// until the API goes, as a stage may still serve it until then.
impl Resource for ApiGatewayDeployment<'_> {
    const KEYS: &'static [&'static str] = &["description"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let api = d.str("rest_api_id")?;
        let Some(all) = self.deployments(api).await? else {
            return Ok(None);
        };
        let newest = newest_described(&all, Some(&deployment_description(d)));
        Ok(newest
            .and_then(|x| x.id())
            .map(|id| self.deployment_attrs(api, id)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let api = d.str("rest_api_id")?;
        if self.deployments(api).await?.is_none() {
            return Err(gone("GetDeployments", format!("REST API {api}")));
        }
        let r = self.client.create_deployment().rest_api_id(api);
        let r = r.description(deployment_description(d));
        let out = r.send().await.op("CreateDeployment")?;
        Ok(self.deployment_attrs(api, out.id().unwrap_or("")))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let (api, id) = (attr(a, "rest_api_id")?, attr(a, "id")?);
        let Some(all) = self.deployments(api).await? else {
            return Ok(None);
        };
        let text = |x: &Deployment| x.description().map(|t| Json::from(without_body_hash(t)));
        let found = all.iter().find(|x| x.id() == Some(id));
        Ok(found.map(|x| observed([("description", text(x).unwrap_or(Json::Null))])))
    }

    async fn update(&self, _d: &Desired<'_>, _a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        // The description is the deployment's identity: a new one was found or created above.
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self
            .client
            .delete_deployment()
            .rest_api_id(attr(a, "rest_api_id")?);
        absent_ok(
            r.deployment_id(attr(a, "id")?)
                .send()
                .await
                .op("DeleteDeployment"),
        )?;
        Ok(())
    }
}

impl Resource for ApiGatewayStage<'_> {
    const KEYS: &'static [&'static str] = &["tags", "xray_tracing_enabled", "deployment_id"];
    /// The cache, description and access log settings, compared by `patch_stage`.
    const UNREAD: &'static [&'static str] = &["settings"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (api, name) = (d.str("rest_api_id")?, d.str("stage_name")?);
        match self.stage(api, name).await? {
            Some(s) => Ok(Some(
                self.stage_attrs(api, name, s.deployment_id().unwrap_or(""))
                    .await?,
            )),
            None => Ok(None),
        }
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (api, name) = (d.str("rest_api_id")?, d.str("stage_name")?);
        self.client
            .create_stage()
            .rest_api_id(api)
            .stage_name(name)
            .deployment_id(d.str("deployment_id")?)
            .tracing_enabled(d.bool("xray_tracing_enabled").unwrap_or(false))
            .cache_cluster_enabled(d.bool("cache_cluster_enabled").unwrap_or(false))
            .set_description(d.opt_str("description").map(str::to_string))
            .set_tags(Some(d.tags().into_iter().collect()))
            .send()
            .await
            .op("CreateStage")?;
        self.patch_stage(d).await?;
        self.stage_attrs(api, name, d.str("deployment_id")?).await
    }

    /// The deployment it serves is the desired one once `update` has run.
    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        converge(self, d, existing).await?;
        let (api, name) = (d.str("rest_api_id")?, d.str("stage_name")?);
        self.stage_attrs(api, name, d.str("deployment_id")?).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let (api, name) = (attr(a, "rest_api_id")?, attr(a, "stage_name")?);
        let Some(s) = self.stage(api, name).await? else {
            return Ok(None);
        };
        Ok(Some(observed([
            ("tags", tag_map(tags::from_map(s.tags()))),
            ("xray_tracing_enabled", Json::Bool(s.tracing_enabled())),
            (
                "deployment_id",
                s.deployment_id().map(Json::from).unwrap_or(Json::Null),
            ),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        if changed.iter().any(|k| *k != "tags") {
            self.patch_stage(d).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self
            .client
            .delete_stage()
            .rest_api_id(attr(a, "rest_api_id")?);
        absent_ok(
            r.stage_name(attr(a, "stage_name")?)
                .send()
                .await
                .op("DeleteStage"),
        )?;
        Ok(())
    }
}

impl Resource for ApiGatewayMethodSettings<'_> {
    const KEYS: &'static [&'static str] = &["settings"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (api, stage) = (d.str("rest_api_id")?, d.str("stage_name")?);
        let path = d.str("method_path")?;
        let s = self.stage(api, stage).await?;
        let present = s.is_some_and(|s| s.method_settings().is_some_and(|m| m.contains_key(path)));
        let keys = ApiGateway::wanted_settings(d);
        Ok(present.then(|| ApiGateway::method_settings_attrs(api, stage, path, &keys)))
    }

    /// Method settings are made by patching the stage.
    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.patch_method_settings(d).await?;
        let (api, stage) = (d.str("rest_api_id")?, d.str("stage_name")?);
        let keys = ApiGateway::wanted_settings(d);
        Ok(ApiGateway::method_settings_attrs(
            api,
            stage,
            d.str("method_path")?,
            &keys,
        ))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let (api, stage) = (attr(a, "rest_api_id")?, attr(a, "stage_name")?);
        let path = attr(a, "method_path")?;
        let Some(s) = self.stage(api, stage).await? else {
            return Ok(None);
        };
        let Some(m) = s.method_settings().and_then(|m| m.get(path)) else {
            return Ok(None);
        };
        // Only the settings the child sets (its attributes name them).
        let keys = a
            .get("settings")
            .map(|k| k.split(',').filter(|k| !k.is_empty()));
        let block: Map<String, Json> = keys
            .into_iter()
            .flatten()
            .map(|k| (k.to_string(), setting_json(m, k)))
            .collect();
        if block.is_empty() {
            return Ok(Some(Map::new()));
        }
        Ok(Some(observed([(
            "settings",
            Json::Array(vec![Json::Object(block)]),
        )])))
    }

    async fn update(&self, d: &Desired<'_>, _a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        self.patch_method_settings(d).await
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let path = attr(a, "method_path")?;
        let r = self
            .client
            .update_stage()
            .rest_api_id(attr(a, "rest_api_id")?);
        let r = r.stage_name(attr(a, "stage_name")?);
        let r = r.patch_operations(patch(Op::Remove, &format!("/{path}"), None));
        absent_ok(r.send().await.op("UpdateStage"))?;
        Ok(())
    }
}

/// A role already set is the account's and is left alone (`ensure_account`): the resource is
/// its own ensure, and the role is read only where the environment set it.
impl Resource for ApiGatewayAccount<'_> {
    const KEYS: &'static [&'static str] = &["cloudwatch_role_arn"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let role = self.account_role().await?;
        Ok(role.map(|role| {
            let ours = d.opt_str("cloudwatch_role_arn") == Some(role.as_str());
            attrs([
                ("id", ACCOUNT_ID.to_string()),
                ("set_by_environment", ours.to_string()),
                ("cloudwatch_role_arn", role),
            ])
        }))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.ensure_account(d).await
    }

    async fn ensure(&self, d: &Desired<'_>, _existing: Option<&Attrs>) -> Ensured {
        self.ensure_account(d).await
    }

    /// Account settings always exist.
    async fn read(&self, a: &Attrs) -> Observed {
        if a.get("set_by_environment").map(String::as_str) != Some("true") {
            return Ok(Some(Map::new()));
        }
        let role = self.account_role().await?;
        Ok(Some(observed([(
            "cloudwatch_role_arn",
            role.map(Json::from).unwrap_or(Json::Null),
        )])))
    }

    /// Only a role this environment set is taken back: its role is about to go, and an account
    /// left pointing at a deleted role fails every stage that logs.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let ours = a.get("set_by_environment").map(String::as_str) == Some("true");
        if ours && self.account_role().await?.as_ref() == a.get("cloudwatch_role_arn") {
            let r = self.client.update_account();
            let r = r.patch_operations(replace("/cloudwatchRoleArn", ""));
            r.send().await.op("UpdateAccount")?;
        }
        Ok(())
    }
}
