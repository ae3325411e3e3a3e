//! The tfplugin5 `Provider` service: decodes each request with the schema it names, hands it to
//! the resource or data source, and encodes the answer. Failures become diagnostics, never panics.

use std::sync::Arc;

use tokio::sync::{watch, OnceCell, RwLock};
use tonic::{Request, Response, Status};

use crate::apply;
use crate::aws::{describe_sdk_error, AwsContext};
use crate::codec;
use crate::config::{self, Settings};
use crate::data_sources::{self, CallerIdentity};
use crate::diag::{self, Diagnostic};
use crate::environment::{self, lifecycle, plan, spec, verdicts};
use crate::proto::tfplugin5 as pb;
use crate::schema::{self, Schema};
use crate::topology::Placement;
use crate::value::{Type, Value};

pub const ENVIRONMENT: &str = "edulibra_environment";
pub const CALLER_IDENTITY: &str = "edulibra_caller_identity";
pub const TOPOLOGY: &str = "edulibra_topology";

pub struct ProviderService {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Schema,
    environment: Schema,
    caller_identity: Schema,
    topology: Schema,
    database_credentials: Schema,
    environment_list: Schema,
    configured: RwLock<Option<Arc<Configured>>>,
    stop: watch::Sender<bool>,
}

/// What `Configure` established. `aws` is None while some provider argument is unknown.
pub struct Configured {
    pub settings: Settings,
    pub aws: Option<AwsContext>,
    /// The validator's rules, checked on every planned environment (None when off).
    pub gate: Option<verdicts::Gate>,
    identity: OnceCell<Result<Arc<CallerIdentity>, String>>,
    zones: OnceCell<Result<Arc<Vec<String>>, String>>,
    /// The apply engine's drivers (SDK clients), built on first use and shared by every call.
    registry: std::sync::OnceLock<Arc<dyn apply::Registry>>,
}

impl Configured {
    /// The caller's identity, asked of STS once per process.
    async fn identity(&self) -> Result<Arc<CallerIdentity>, String> {
        let aws = match &self.aws {
            Some(a) => a,
            None => {
                return Err(format!(
                    "the provider configuration is not known yet ({})",
                    self.settings.unknown.join(", ")
                ))
            }
        };
        self.identity
            .get_or_init(|| async {
                let out = aws
                    .sts()
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| describe_sdk_error(&e))?;
                Ok(Arc::new(CallerIdentity {
                    account_id: out.account().unwrap_or_default().to_string(),
                    arn: out.arn().unwrap_or_default().to_string(),
                    user_id: out.user_id().unwrap_or_default().to_string(),
                }))
            })
            .await
            .clone()
    }

    /// The region's availability zones as this account sees them, asked of EC2 once per
    /// process: standard zones that are available (no Local or Wavelength Zones, which most
    /// services do not serve), ordered by zone id. Zone names are mapped per account in the
    /// older regions and ids are not ("AZ IDs", AWS Regions and Availability Zones), so ordering
    /// by id picks the same physical zones for every account.
    async fn zones(&self) -> Result<Arc<Vec<String>>, String> {
        let aws = self
            .aws
            .as_ref()
            .ok_or_else(|| "the provider configuration is not known yet".to_string())?;
        self.zones
            .get_or_init(|| async {
                use aws_sdk_ec2::types::Filter;
                let out = aws
                    .ec2(crate::aws::Calls::Reads)
                    .describe_availability_zones()
                    .filters(
                        Filter::builder()
                            .name("zone-type")
                            .values("availability-zone")
                            .build(),
                    )
                    .filters(Filter::builder().name("state").values("available").build())
                    .send()
                    .await
                    .map_err(|e| describe_sdk_error(&e))?;
                Ok(Arc::new(zone_names(
                    out.availability_zones()
                        .iter()
                        .filter_map(|z| {
                            Some((z.zone_id()?.to_string(), z.zone_name()?.to_string()))
                        })
                        .collect(),
                )))
            })
            .await
            .clone()
    }

    fn region(&self) -> Option<String> {
        self.aws
            .as_ref()
            .and_then(|a| a.sdk.region())
            .map(|r| r.to_string())
    }
}

impl Default for ProviderService {
    fn default() -> Self {
        Self::new()
    }
}

impl ProviderService {
    pub fn new() -> ProviderService {
        let (stop, _) = watch::channel(false);
        ProviderService {
            inner: Arc::new(Inner {
                provider: config::schema(),
                environment: spec::schema(),
                caller_identity: data_sources::caller_identity_schema(),
                topology: data_sources::topology_schema(),
                database_credentials: crate::ephemeral::database_credentials_schema(),
                environment_list: environment::listing::schema(),
                configured: RwLock::new(None),
                stop,
            }),
        }
    }

    fn resource_schema(&self, type_name: &str) -> Result<&Schema, Diagnostic> {
        match type_name {
            ENVIRONMENT => Ok(&self.inner.environment),
            other => Err(Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type {other:?}; it has {ENVIRONMENT}."),
            )),
        }
    }

    fn list_schema(&self, type_name: &str) -> Result<&Schema, Diagnostic> {
        match type_name {
            ENVIRONMENT => Ok(&self.inner.environment_list),
            other => Err(Diagnostic::error(
                "Unknown list resource type",
                format!("This provider lists {ENVIRONMENT} only, not {other:?}."),
            )),
        }
    }

    async fn list_events(
        &self,
        req: &pb::list_resource::Request,
    ) -> Result<Vec<pb::list_resource::Event>, Diagnostic> {
        let schema = self.list_schema(&req.type_name)?;
        let config = decode_dv(
            req.config.as_ref(),
            &schema.block.implied_type(),
            "list configuration",
        )?;
        let (stage, prefix) = environment::listing::filters(&config)?;
        let setup = self.engine("list").await?;
        let ty = self.inner.environment.block.implied_type();
        let found = lifecycle::list(&setup, stage.as_deref(), prefix.as_deref(), &ty)
            .await
            .map_err(|mut d| d.remove(0))?;
        let limit = if req.limit > 0 {
            req.limit as usize
        } else {
            usize::MAX
        };
        let mut events = Vec::new();
        for (id, args) in found.into_iter().take(limit) {
            let resource_object = if req.include_resource_object {
                Some(encode_dv(&args, &ty, "environment")?)
            } else {
                None
            };
            events.push(pb::list_resource::Event {
                identity: self.identity_data(&args).await,
                display_name: id,
                resource_object,
                diagnostic: vec![],
            });
        }
        Ok(events)
    }

    fn ephemeral_schema(&self, type_name: &str) -> Result<&Schema, Diagnostic> {
        match type_name {
            crate::ephemeral::DATABASE_CREDENTIALS => Ok(&self.inner.database_credentials),
            other => Err(Diagnostic::error(
                "Unknown ephemeral resource type",
                format!(
                    "This provider has no ephemeral resource {other:?}; it has {}.",
                    crate::ephemeral::DATABASE_CREDENTIALS
                ),
            )),
        }
    }

    fn data_source_schema(&self, type_name: &str) -> Result<&Schema, Diagnostic> {
        match type_name {
            CALLER_IDENTITY => Ok(&self.inner.caller_identity),
            TOPOLOGY => Ok(&self.inner.topology),
            other => Err(Diagnostic::error(
                "Unknown data source",
                format!("This provider has no data source {other:?}; it has {CALLER_IDENTITY} and {TOPOLOGY}."),
            )),
        }
    }

    async fn configured(&self) -> Result<Arc<Configured>, Diagnostic> {
        self.inner.configured.read().await.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "Terraform did not configure the provider before using it.",
            )
        })
    }

    /// Account and region for the expansion; None while the provider configuration is unknown.
    async fn placement(
        &self,
    ) -> Result<
        (
            Option<Placement>,
            std::collections::BTreeMap<String, String>,
        ),
        Diagnostic,
    > {
        let c = self.configured().await?;
        if c.aws.is_none() {
            return Ok((None, c.settings.default_tags.clone()));
        }
        let region = c.region().ok_or_else(|| {
            Diagnostic::error(
                "No AWS region",
                "Set region in the provider block, or AWS_REGION.",
            )
        })?;
        let identity = c
            .identity()
            .await
            .map_err(|e| Diagnostic::error("Cannot determine the AWS account", format!("STS GetCallerIdentity failed: {e}. Check the provider's credentials and endpoint.")))?;
        let zones = c.zones().await.map_err(|e| {
            Diagnostic::error(
                "Cannot read the region's availability zones",
                format!("EC2 DescribeAvailabilityZones in {region} failed: {e}. The environment places its subnets in the zones the account really has, so it needs this call (ec2:DescribeAvailabilityZones)."),
            )
        })?;
        Ok((
            Some(Placement::new(
                &region,
                &identity.account_id,
                zones.to_vec(),
            )),
            c.settings.default_tags.clone(),
        ))
    }
}

impl ProviderService {
    /// The identity of the environment `state` describes, for the wire; None while the
    /// provider's placement or the environment's name is not known (Terraform then keeps none).
    async fn identity_data(&self, state: &Value) -> Option<pb::ResourceIdentityData> {
        if state.is_null() {
            return None;
        }
        let (placement, _) = self.placement().await.ok()?;
        let identity = environment::identity::of_state(state, &placement?)?;
        let dv = encode_dv(
            &identity,
            &environment::identity::identity_type(),
            "identity",
        )
        .ok()?;
        Some(pb::ResourceIdentityData {
            identity_data: Some(dv),
        })
    }

    /// The engine's drivers and options for one environment (`id`), with where it lives.
    async fn engine(&self, id: &str) -> Result<lifecycle::Setup, Diagnostic> {
        let c = self.configured().await?;
        let aws = c.aws.as_ref().ok_or_else(|| {
            Diagnostic::error("AWS is not configured", "The provider has no usable AWS configuration (region, credentials); see the provider block.")
        })?;
        let (placement, default_tags) = self.placement().await?;
        let placement = placement.ok_or_else(|| {
            Diagnostic::error(
                "Provider configuration not known",
                "The environment needs the provider's region and account.",
            )
        })?;
        let registry = c
            .registry
            .get_or_init(|| Arc::new(apply::services::AwsRegistry::new(aws)))
            .clone();
        let opts = apply::Options {
            environment: id.to_string(),
            max_concurrency: c.settings.max_concurrency,
            retry: apply::retry::RetryPolicy {
                retries: c.settings.max_retries,
                ..Default::default()
            },
            stop: self.inner.stop.subscribe(),
            skip: c.settings.skip_types.clone(),
        };
        Ok(lifecycle::Setup {
            registry,
            opts,
            placement,
            default_tags,
        })
    }
}

pub fn decode_dv(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let decoded = if !dv.msgpack.is_empty() {
        codec::decode(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        codec::decode_state_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| Diagnostic::error(format!("Cannot decode the {what}"), e.to_string()))
}

pub fn encode_dv(v: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostic> {
    codec::encode(v, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: vec![],
        })
        .map_err(|e| Diagnostic::error(format!("Cannot encode the {what}"), e.to_string()))
}

fn block_to_proto(b: &schema::Block) -> pb::schema::Block {
    use pb::schema::nested_block::NestingMode;
    pb::schema::Block {
        version: 0,
        attributes: b
            .attributes
            .iter()
            .map(|a| pb::schema::Attribute {
                name: a.name.clone(),
                r#type: a.ty.to_json_bytes(),
                description: a.description.clone(),
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: a.deprecated,
            })
            .collect(),
        block_types: b
            .blocks
            .iter()
            .map(|n| pb::schema::NestedBlock {
                type_name: n.type_name.clone(),
                block: Some(block_to_proto(&n.block)),
                nesting: match n.nesting {
                    schema::Nesting::Single => NestingMode::Single,
                    schema::Nesting::List => NestingMode::List,
                    schema::Nesting::Set => NestingMode::Set,
                    schema::Nesting::Map => NestingMode::Map,
                    schema::Nesting::Group => NestingMode::Group,
                } as i32,
                min_items: n.min_items,
                max_items: n.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

pub fn schema_to_proto(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block)),
    }
}

fn errs(d: Diagnostic) -> Vec<pb::Diagnostic> {
    diag::to_proto(&[d])
}

/// Runs a handler that reports failure as a diagnostic, turning it into the response's list.
macro_rules! try_diag {
    ($e:expr, $resp:expr) => {
        match $e {
            Ok(v) => v,
            Err(d) => {
                let mut r = $resp;
                r.diagnostics = errs(d);
                return Ok(Response::new(r));
            }
        }
    };
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let i = &self.inner;
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&i.provider)),
            resource_schemas: [(ENVIRONMENT.to_string(), schema_to_proto(&i.environment))]
                .into_iter()
                .collect(),
            data_source_schemas: [
                (
                    CALLER_IDENTITY.to_string(),
                    schema_to_proto(&i.caller_identity),
                ),
                (TOPOLOGY.to_string(), schema_to_proto(&i.topology)),
            ]
            .into_iter()
            .collect(),
            diagnostics: vec![],
            provider_meta: None,
            server_capabilities: Some(server_capabilities()),
            ephemeral_resource_schemas: [(
                crate::ephemeral::DATABASE_CREDENTIALS.to_string(),
                schema_to_proto(&i.database_credentials),
            )]
            .into_iter()
            .collect(),
            list_resource_schemas: [(
                ENVIRONMENT.to_string(),
                schema_to_proto(&i.environment_list),
            )]
            .into_iter()
            .collect(),
        }))
    }

    /// What the provider serves, without the schemas (Terraform 1.6 and later ask first).
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata::{DataSourceMetadata, ResourceMetadata};
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            diagnostics: vec![],
            data_sources: [CALLER_IDENTITY, TOPOLOGY]
                .iter()
                .map(|t| DataSourceMetadata {
                    type_name: t.to_string(),
                })
                .collect(),
            resources: vec![ResourceMetadata {
                type_name: ENVIRONMENT.to_string(),
            }],
            ephemeral_resources: vec![pb::get_metadata::EphemeralMetadata {
                type_name: crate::ephemeral::DATABASE_CREDENTIALS.to_string(),
            }],
            list_resources: vec![pb::get_metadata::ListResourceMetadata {
                type_name: ENVIRONMENT.to_string(),
            }],
        }))
    }

    type ListResourceStream = std::pin::Pin<
        Box<dyn tokio_stream::Stream<Item = Result<pb::list_resource::Event, Status>> + Send>,
    >;

    /// The environments there are, each by its identity (and, when asked, its arguments as
    /// recorded, from which `-generate-config-out` writes configuration).
    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        let req = req.into_inner();
        let events = match self.list_events(&req).await {
            Ok(e) => e,
            Err(d) => vec![pb::list_resource::Event {
                diagnostic: diag::to_proto(&[d]),
                ..Default::default()
            }],
        };
        Ok(Response::new(Box::pin(tokio_stream::iter(
            events.into_iter().map(Ok),
        ))))
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::validate_list_resource_config::Response::default();
        let schema = try_diag!(self.list_schema(&req.type_name), empty);
        let config = try_diag!(
            decode_dv(
                req.config.as_ref(),
                &schema.block.implied_type(),
                "list configuration"
            ),
            empty
        );
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: match environment::listing::filters(&config) {
                Ok(_) => vec![],
                Err(d) => errs(d),
            },
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::validate_ephemeral_resource_config::Response::default();
        let schema = try_diag!(self.ephemeral_schema(&req.type_name), empty);
        let config = try_diag!(
            decode_dv(
                req.config.as_ref(),
                &schema.block.implied_type(),
                "configuration"
            ),
            empty
        );
        let id = config.get("environment_id");
        let bad = id.as_str().is_some_and(|s| s.rsplit_once('-').is_none());
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: if bad {
                    errs(Diagnostic::error("Invalid environment_id", "An environment id is `<name>-<stage>`, such as `edulibra-prod` (`edulibra_environment.x.id`).").at("environment_id"))
                } else {
                    vec![]
                },
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::open_ephemeral_resource::Response::default();
        let schema = try_diag!(self.ephemeral_schema(&req.type_name), empty);
        let ty = schema.block.implied_type();
        let config = try_diag!(decode_dv(req.config.as_ref(), &ty, "configuration"), empty);
        let id = try_diag!(
            config
                .get("environment_id")
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| {
                    Diagnostic::error(
                        "environment_id not known",
                        "The environment id must be known when the credentials are read.",
                    )
                    .at("environment_id")
                }),
            empty
        );
        let c = try_diag!(self.configured().await, empty);
        let aws = try_diag!(
            c.aws.as_ref().ok_or_else(|| Diagnostic::error(
                "AWS is not configured",
                "The provider has no usable AWS configuration (region, credentials); see the provider block."
            )),
            empty
        );
        let value = try_diag!(crate::ephemeral::open(aws, &id).await, empty);
        let dv = try_diag!(encode_dv(&value, &ty, "credentials"), empty);
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: vec![],
            result: Some(dv),
            private: None,
        }))
    }

    /// Nothing to renew: the credentials hold for the run.
    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: vec![],
            private: req.into_inner().private,
        }))
    }

    /// Nothing to close: reading the secret opened nothing.
    async fn close_ephemeral_resource(
        &self,
        _: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(
            pb::close_ephemeral_resource::Response::default(),
        ))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        use environment::identity::{ATTRIBUTES, VERSION};
        use pb::resource_identity_schema::IdentityAttribute;
        let schema = pb::ResourceIdentitySchema {
            version: VERSION,
            identity_attributes: ATTRIBUTES
                .iter()
                .map(|(name, required, description)| IdentityAttribute {
                    name: name.to_string(),
                    r#type: crate::value::Type::String.to_json_bytes(),
                    required_for_import: *required,
                    optional_for_import: !*required,
                    description: description.to_string(),
                })
                .collect(),
        };
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: [(ENVIRONMENT.to_string(), schema)].into_iter().collect(),
            diagnostics: vec![],
        }))
    }

    /// Version 0 is the only identity there has been: it comes back as it is.
    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::upgrade_resource_identity::Response::default();
        let ty = environment::identity::identity_type();
        let raw = req.raw_identity.map(|r| r.json).unwrap_or_default();
        let identity = try_diag!(
            crate::codec::decode_state_json(&raw, &ty)
                .map_err(|e| Diagnostic::error("Cannot read the stored identity", e.to_string())),
            empty
        );
        let dv = try_diag!(encode_dv(&identity, &ty, "identity"), empty);
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(pb::ResourceIdentityData {
                identity_data: Some(dv),
            }),
            diagnostics: vec![],
        }))
    }

    async fn prepare_provider_config(
        &self,
        req: Request<pb::prepare_provider_config::Request>,
    ) -> Result<Response<pb::prepare_provider_config::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::prepare_provider_config::Response::default();
        let ty = self.inner.provider.block.implied_type();
        let cfg = try_diag!(
            decode_dv(req.config.as_ref(), &ty, "provider configuration"),
            empty
        );
        let (_, diags) = config::read(&cfg);
        Ok(Response::new(pb::prepare_provider_config::Response {
            prepared_config: req.config,
            diagnostics: diag::to_proto(&diags),
        }))
    }

    async fn validate_resource_type_config(
        &self,
        req: Request<pb::validate_resource_type_config::Request>,
    ) -> Result<Response<pb::validate_resource_type_config::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::validate_resource_type_config::Response::default();
        let schema = try_diag!(self.resource_schema(&req.type_name), empty);
        let cfg = try_diag!(
            decode_dv(
                req.config.as_ref(),
                &schema.block.implied_type(),
                "configuration"
            ),
            empty
        );
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics: diag::to_proto(&plan::validate(&cfg)),
        }))
    }

    async fn validate_data_source_config(
        &self,
        req: Request<pb::validate_data_source_config::Request>,
    ) -> Result<Response<pb::validate_data_source_config::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::validate_data_source_config::Response::default();
        let schema = try_diag!(self.data_source_schema(&req.type_name), empty);
        let cfg = try_diag!(
            decode_dv(
                req.config.as_ref(),
                &schema.block.implied_type(),
                "configuration"
            ),
            empty
        );
        let diags = if req.type_name == TOPOLOGY {
            plan::validate(&cfg)
        } else {
            vec![]
        };
        Ok(Response::new(pb::validate_data_source_config::Response {
            diagnostics: diag::to_proto(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::upgrade_resource_state::Response::default();
        let schema = try_diag!(self.resource_schema(&req.type_name), empty);
        if req.version > schema.version {
            return Ok(Response::new(pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: errs(Diagnostic::error(
                    "State from a newer provider",
                    format!("The state was written by schema version {}; this provider knows version {}. Upgrade the provider.", req.version, schema.version),
                )),
            }));
        }
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            let d = Diagnostic::error("Unsupported state format", "Only JSON state (Terraform 0.12 and later) can be read; this state is in the pre-0.12 flatmap format.");
            return Ok(Response::new(pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: errs(d),
            }));
        }
        let ty = schema.block.implied_type();
        // Every version so far has had the same arguments (see spec::SCHEMA_VERSION): each
        // step from req.version up is the identity, and the JSON reads as the current shape.
        let value = try_diag!(
            codec::decode_state_json(&raw.json, &ty).map_err(|e| Diagnostic::error(
                "Cannot read the stored state",
                format!("{e} (state of schema version {})", req.version)
            )),
            empty
        );
        let dv = try_diag!(encode_dv(&value, &ty, "upgraded state"), empty);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: Some(dv),
            diagnostics: vec![],
        }))
    }

    async fn configure(
        &self,
        req: Request<pb::configure::Request>,
    ) -> Result<Response<pb::configure::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::configure::Response::default();
        let ty = self.inner.provider.block.implied_type();
        let cfg = try_diag!(
            decode_dv(req.config.as_ref(), &ty, "provider configuration"),
            empty
        );
        let (settings, diags) = config::read(&cfg);
        if diag::has_errors(&diags) {
            return Ok(Response::new(pb::configure::Response {
                diagnostics: diag::to_proto(&diags),
            }));
        }
        let aws = if settings.unknown.is_empty() {
            match AwsContext::from_settings(&settings).await {
                Ok(a) => Some(a),
                Err(e) => {
                    return Ok(Response::new(pb::configure::Response {
                        diagnostics: errs(
                            Diagnostic::error("Cannot configure AWS", e.to_string()).at("region"),
                        ),
                    }))
                }
            }
        } else {
            tracing::info!(unknown = ?settings.unknown, "provider configuration has unknown values; AWS calls wait for them");
            None
        };
        let gate = match verdicts::Gate::load(&settings.policy) {
            Ok(g) => g,
            Err(d) => {
                return Ok(Response::new(pb::configure::Response {
                    diagnostics: errs(d),
                }))
            }
        };
        tracing::info!(terraform_version = %req.terraform_version, region = ?aws.as_ref().and_then(|a| a.sdk.region().map(|r| r.to_string())), "provider configured");
        *self.inner.configured.write().await = Some(Arc::new(Configured {
            settings,
            aws,
            gate,
            identity: OnceCell::new(),
            zones: OnceCell::new(),
            registry: std::sync::OnceLock::new(),
        }));
        Ok(Response::new(pb::configure::Response {
            diagnostics: diag::to_proto(&diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::read_resource::Response {
            private: req.private.clone(),
            ..Default::default()
        };
        let schema = try_diag!(self.resource_schema(&req.type_name), empty);
        let ty = schema.block.implied_type();
        let current = try_diag!(
            decode_dv(req.current_state.as_ref(), &ty, "current state"),
            empty
        );
        let unchanged = try_diag!(encode_dv(&current, &ty, "state"), empty);
        let kept = pb::read_resource::Response {
            new_state: Some(unchanged),
            diagnostics: vec![],
            private: req.private.clone(),
            new_identity: self.identity_data(&current).await,
        };
        if current.is_null() || current.get("provisioned").is_null() {
            return Ok(Response::new(kept));
        }
        let id = current.get("id").as_str().unwrap_or_default().to_string();
        let setup = try_diag!(self.engine(&id).await, kept);
        let read = match lifecycle::read(&setup, &current).await {
            Ok(v) => v,
            Err(d) => {
                return Ok(Response::new(pb::read_resource::Response {
                    diagnostics: diag::to_proto(&d),
                    ..kept
                }))
            }
        };
        let dv = try_diag!(encode_dv(&read, &ty, "state"), kept);
        Ok(Response::new(pb::read_resource::Response {
            new_state: Some(dv),
            diagnostics: vec![],
            private: req.private,
            new_identity: self.identity_data(&read).await,
        }))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::plan_resource_change::Response {
            planned_private: req.prior_private.clone(),
            ..Default::default()
        };
        let schema = try_diag!(self.resource_schema(&req.type_name), empty);
        let ty = schema.block.implied_type();
        let prior = try_diag!(
            decode_dv(req.prior_state.as_ref(), &ty, "prior state"),
            empty
        );
        let proposed = try_diag!(
            decode_dv(req.proposed_new_state.as_ref(), &ty, "proposed state"),
            empty
        );
        let config = try_diag!(decode_dv(req.config.as_ref(), &ty, "configuration"), empty);
        if proposed.is_null() {
            // Destroy (Terraform sends it since we announce `plan_destroy`): nothing to plan,
            // but the plan says what the destroy will keep and what would stop it.
            return Ok(Response::new(pb::plan_resource_change::Response {
                planned_state: req.proposed_new_state,
                planned_private: req.prior_private,
                diagnostics: diag::to_proto(&plan::destroy_notes(&prior)),
                ..Default::default()
            }));
        }
        let (placement, default_tags) = try_diag!(self.placement().await, empty);
        let skip = match self.configured().await {
            Ok(c) => c.settings.skip_types.clone(),
            Err(_) => Default::default(),
        };
        let ctx = plan::PlanContext {
            placement,
            default_tags,
            skip,
        };
        let planned = plan::plan(&ctx, &prior, &proposed, &config);
        if diag::has_errors(&planned.diagnostics) {
            return Ok(Response::new(pb::plan_resource_change::Response {
                diagnostics: diag::to_proto(&planned.diagnostics),
                ..empty
            }));
        }
        let mut diagnostics = planned.diagnostics.clone();
        if let Some(t) = &planned.topology {
            tracing::info!(environment = ?planned.state.get("id").as_str(), children = t.children.len(), "planned the environment's topology");
            let configured = self.configured().await.ok();
            if let Some(gate) = configured.as_ref().and_then(|c| c.gate.as_ref()) {
                let found = gate.check(&planned.state);
                tracing::info!(
                    findings = found.len(),
                    "checked the planned environment against the policies"
                );
                diagnostics.extend(found);
            }
        }
        if diag::has_errors(&diagnostics) {
            return Ok(Response::new(pb::plan_resource_change::Response {
                diagnostics: diag::to_proto(&diagnostics),
                ..empty
            }));
        }
        let dv = try_diag!(encode_dv(&planned.state, &ty, "planned state"), empty);
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_identity: self.identity_data(&planned.state).await,
            planned_state: Some(dv),
            requires_replace: planned
                .requires_replace
                .iter()
                .map(|p| diag::to_proto_path(p))
                .collect(),
            planned_private: req.prior_private,
            diagnostics: diag::to_proto(&diagnostics),
            legacy_type_system: false,
        }))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::apply_resource_change::Response::default();
        let schema = try_diag!(self.resource_schema(&req.type_name), empty);
        let ty = schema.block.implied_type();
        let planned = try_diag!(
            decode_dv(req.planned_state.as_ref(), &ty, "planned state"),
            empty
        );
        let prior = try_diag!(
            decode_dv(req.prior_state.as_ref(), &ty, "prior state"),
            empty
        );
        if planned.is_null() && prior.is_null() {
            return Ok(Response::new(empty));
        }
        let keep = try_diag!(encode_dv(&prior, &ty, "state"), empty);
        let failed = pb::apply_resource_change::Response {
            new_state: Some(keep),
            private: req.planned_private.clone(),
            ..Default::default()
        };
        // The environment being created or changed, else the one being destroyed.
        let id = [&planned, &prior]
            .iter()
            .find_map(|v| v.get("id").as_str().map(str::to_string))
            .unwrap_or_default();
        let setup = try_diag!(self.engine(&id).await, failed);
        let applied = lifecycle::apply(&setup, &prior, &planned).await;
        let new_state = try_diag!(encode_dv(&applied.state, &ty, "new state"), failed);
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state: Some(new_state),
            private: req.planned_private,
            diagnostics: diag::to_proto(&applied.diagnostics),
            legacy_type_system: false,
            new_identity: self.identity_data(&applied.state).await,
        }))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::import_resource_state::Response::default();
        let schema = try_diag!(self.resource_schema(&req.type_name), empty);
        let ty = schema.block.implied_type();
        // `import { identity = {...} }` (Terraform 1.12+) sends an identity and no id.
        let id = match req.identity.as_ref().and_then(|i| i.identity_data.as_ref()) {
            Some(dv) if req.id.is_empty() => {
                let identity = try_diag!(
                    decode_dv(
                        Some(dv),
                        &environment::identity::identity_type(),
                        "identity"
                    ),
                    empty
                );
                let (placement, _) = try_diag!(self.placement().await, empty);
                let placement = try_diag!(
                    placement.ok_or_else(|| Diagnostic::error(
                        "Provider configuration not known",
                        "Import by identity needs the provider's region and account."
                    )),
                    empty
                );
                try_diag!(
                    environment::identity::import_id(&identity, &placement),
                    empty
                )
            }
            _ => req.id.clone(),
        };
        let setup = try_diag!(self.engine(&id).await, empty);
        let state = match lifecycle::import(&setup, &id, &ty).await {
            Ok(s) => s,
            Err(d) => {
                return Ok(Response::new(pb::import_resource_state::Response {
                    imported_resources: vec![],
                    diagnostics: diag::to_proto(&d),
                }))
            }
        };
        let dv = try_diag!(encode_dv(&state, &ty, "imported state"), empty);
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: vec![pb::import_resource_state::ImportedResource {
                identity: self.identity_data(&state).await,
                type_name: req.type_name,
                state: Some(dv),
                private: vec![],
            }],
            diagnostics: vec![],
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        let empty = pb::read_data_source::Response::default();
        let schema = try_diag!(self.data_source_schema(&req.type_name), empty);
        let ty = schema.block.implied_type();
        let config = try_diag!(decode_dv(req.config.as_ref(), &ty, "configuration"), empty);
        let state = match req.type_name.as_str() {
            CALLER_IDENTITY => {
                let c = try_diag!(self.configured().await, empty);
                let identity = try_diag!(
                    c.identity().await.map_err(|e| Diagnostic::error(
                        "Cannot read the caller identity",
                        format!("STS GetCallerIdentity failed: {e}")
                    )),
                    empty
                );
                data_sources::caller_identity_state(&identity)
            }
            _ => {
                let (placement, tags) = try_diag!(self.placement().await, empty);
                let placement = try_diag!(
                    placement.ok_or_else(|| Diagnostic::error(
                        "Provider configuration not known",
                        "edulibra_topology needs the provider's region and account."
                    )),
                    empty
                );
                match data_sources::read_topology(&config, &placement, &tags) {
                    Ok(s) => s,
                    Err(d) => {
                        return Ok(Response::new(pb::read_data_source::Response {
                            state: None,
                            diagnostics: diag::to_proto(&d),
                        }))
                    }
                }
            }
        };
        let dv = try_diag!(encode_dv(&state, &ty, "data source state"), empty);
        Ok(Response::new(pb::read_data_source::Response {
            state: Some(dv),
            diagnostics: vec![],
        }))
    }

    async fn stop(
        &self,
        _: Request<pb::stop::Request>,
    ) -> Result<Response<pb::stop::Response>, Status> {
        tracing::info!("Terraform asked running operations to stop");
        let _ = self.inner.stop.send(true);
        Ok(Response::new(pb::stop::Response {
            error: String::new(),
        }))
    }
}

/// Zone names in zone-id order, from (zone id, zone name) pairs.
pub fn zone_names(mut zones: Vec<(String, String)>) -> Vec<String> {
    zones.sort();
    zones.dedup();
    zones.into_iter().map(|(_, name)| name).collect()
}

/// The protocol capabilities this provider announces (GetProviderSchema and GetMetadata).
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
    }
}
