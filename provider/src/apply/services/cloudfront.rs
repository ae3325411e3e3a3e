//! CloudFront: the origin access control that signs the distribution's requests to the site
//! bucket (found by its unique name: it carries no tags), and the distribution itself (found by
//! its `edulibra:*` tags, created with a caller reference derived from the child, so that a
//! create whose answer was lost is recognised when it is retried).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CustomOriginConfig,
    DefaultCacheBehavior, Distribution, DistributionConfig, DistributionConfigWithTags,
    GeoRestriction, GeoRestrictionType, HttpVersion, LoggingConfig, Method, MinimumProtocolVersion,
    Origin, OriginAccessControlConfig, OriginAccessControlOriginTypes,
    OriginAccessControlSigningBehaviors, OriginAccessControlSigningProtocols, OriginProtocolPolicy,
    OriginSslProtocols, Origins, PriceClass, Restrictions, S3OriginConfig, SslProtocol,
    SslSupportMethod, Tag, TagKeys, Tags, ViewerCertificate, ViewerProtocolPolicy,
};
use aws_sdk_cloudfront::Client;
use serde_json::{json, Value as Json};

use super::{
    absent_ok, attr, attrs, built, for_states, observed, tag_map, until_gone, wait_until, Absent,
    Call, States,
};
use super::{empty_answer, not_visible};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::driver::{Block, Fields};
use crate::apply::pages;
use crate::apply::resource::{converge, resources, sorted, Resource};
use crate::apply::tags::{self, Tagging};

const OAC: &str = "aws_cloudfront_origin_access_control";
const DISTRIBUTION: &str = "aws_cloudfront_distribution";

resources!(CloudFront, { OAC => CloudfrontOriginAccessControl, DISTRIBUTION => CloudfrontDistribution });

/// The hosted zone of every CloudFront distribution: what a Route 53 alias points into.
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

/// How long a distribution may take to deploy a change (AWS: minutes, sometimes much more;
/// moto: at once). A timeout is transient, so the engine's retry extends it.
const DEPLOYED_WITHIN: Duration = Duration::from_secs(60 * 60);

/// Errors that mean another writer moved the ETag on between our read and our write: the
/// engine's retry reads again.
const ETAG_MOVED: &[&str] = &["PreconditionFailed", "InvalidIfMatchVersion"];

type Obj = Block;

pub struct CloudFront {
    client: Client,
    reads: Client,
}

fn need<'a>(d: &Desired<'_>, m: &'a Obj, k: &str) -> Result<&'a str, CallError> {
    m.text(k)
        .ok_or_else(|| CallError::bad_value(d.address, k, "must be a string"))
}

/// CloudFront's lists carry their length beside their items.
fn count<T>(items: &[T]) -> i32 {
    i32::try_from(items.len()).unwrap_or(i32::MAX)
}

fn allowed_methods(m: &Obj) -> Result<Option<AllowedMethods>, CallError> {
    let list = |k: &str| -> Vec<Method> {
        m.texts(k)
            .iter()
            .map(|s| Method::from(s.as_str()))
            .collect()
    };
    let allowed = list("allowed_methods");
    if allowed.is_empty() {
        return Ok(None);
    }
    let cached = list("cached_methods");
    let mut b = AllowedMethods::builder()
        .quantity(count(&allowed))
        .set_items(Some(allowed));
    if !cached.is_empty() {
        b = b.cached_methods(built(
            CachedMethods::builder()
                .quantity(count(&cached))
                .set_items(Some(cached))
                .build(),
            "cached_methods",
        )?);
    }
    built(b.build(), "allowed_methods").map(Some)
}

fn cloudfront_tags(d: &Desired<'_>) -> Result<Tags, CallError> {
    let items = tags::sdk(&d.tags())?;
    Ok(Tags::builder().set_items(Some(items)).build())
}

/// The distribution id a `DistributionAlreadyExists` message names ("... Already exists: ID").
fn named_in(message: &str) -> Option<String> {
    let (_, tail) = message.rsplit_once("exists:")?;
    let id: String = tail
        .trim()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!id.is_empty()).then_some(id)
}

// What this driver compares of a distribution's configuration: only what it sets, in one form.
// AWS fills in defaults for everything else (TTLs, origin timeouts, trusted signers...) and
// answers lists in its own order, so comparing whole configurations would update every time.

fn some(s: Option<&str>) -> Json {
    s.filter(|s| !s.is_empty())
        .map(Json::from)
        .unwrap_or(Json::Null)
}

fn methods_shape(a: Option<&AllowedMethods>) -> Json {
    let allowed = a.map(|a| a.items()).unwrap_or_default();
    let cached = a
        .and_then(|a| a.cached_methods())
        .map(|c| c.items())
        .unwrap_or_default();
    json!({
        "allowed": sorted(allowed.iter().map(Method::as_str)),
        "cached": sorted(cached.iter().map(Method::as_str)),
    })
}

/// The default and the ordered behaviours have the same getters on different types.
macro_rules! behaviour_shape {
    ($b:expr, $path:expr) => {{
        let b = $b;
        json!({
            "path": $path,
            "target": b.target_origin_id(),
            "viewer": b.viewer_protocol_policy().as_str(),
            "methods": methods_shape(b.allowed_methods()),
            "cache": some(b.cache_policy_id()),
            "request": some(b.origin_request_policy_id()),
            "headers": some(b.response_headers_policy_id()),
            "compress": b.compress().unwrap_or(false),
        })
    }};
}

fn origin_shape(o: &Origin) -> Json {
    let custom = o.custom_origin_config().map(|k| {
        let protocols = k
            .origin_ssl_protocols()
            .map(|p| p.items())
            .unwrap_or_default();
        json!({
            "http": k.http_port(),
            "https": k.https_port(),
            "policy": k.origin_protocol_policy().as_str(),
            "ssl": sorted(protocols.iter().map(SslProtocol::as_str)),
        })
    });
    json!({
        "id": o.id(),
        "domain": o.domain_name(),
        "path": some(o.origin_path()),
        "oac": some(o.origin_access_control_id()),
        "identity": some(o.s3_origin_config().map(|s| s.origin_access_identity())),
        "custom": custom,
    })
}

fn shape(c: &DistributionConfig) -> Json {
    let mut origins: Vec<Json> = c
        .origins()
        .map(|o| o.items())
        .unwrap_or_default()
        .iter()
        .map(origin_shape)
        .collect();
    origins.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let default = c
        .default_cache_behavior()
        .map(|b| behaviour_shape!(b, Json::Null));
    let ordered: Vec<Json> = c
        .cache_behaviors()
        .map(|b| b.items())
        .unwrap_or_default()
        .iter()
        .map(|b| behaviour_shape!(b, b.path_pattern()))
        .collect();
    let aliases = c.aliases().map(|a| a.items()).unwrap_or_default();
    let logging = c.logging().filter(|l| l.enabled()).map(|l| {
        json!({
            "bucket": l.bucket(),
            "prefix": l.prefix(),
            "cookies": l.include_cookies(),
        })
    });
    // With the default certificate CloudFront ignores the protocol settings and answers TLSv1.
    let viewer = c.viewer_certificate().map(|v| {
        if v.cloud_front_default_certificate().unwrap_or(false) {
            json!({ "default": true })
        } else {
            json!({
                "acm": some(v.acm_certificate_arn()),
                "iam": some(v.iam_certificate_id()),
                "ssl": v.ssl_support_method().map(SslSupportMethod::as_str),
                "minimum": v.minimum_protocol_version().map(MinimumProtocolVersion::as_str),
            })
        }
    });
    let restrictions = c.restrictions().and_then(|r| r.geo_restriction()).map(|g| {
        json!({
            "type": g.restriction_type().as_str(),
            "items": sorted(g.items().iter().map(String::as_str)),
        })
    });
    json!({
        "aliases": sorted(aliases.iter().map(String::as_str)),
        "root": some(c.default_root_object()),
        "origins": origins,
        "default": default,
        "ordered": ordered,
        "comment": c.comment(),
        "logging": logging,
        "price": c.price_class().map(PriceClass::as_str),
        "enabled": c.enabled(),
        "viewer": viewer,
        "restrictions": restrictions,
        "waf": some(c.web_acl_id()),
        "http": c.http_version().map(HttpVersion::as_str),
        "ipv6": c.is_ipv6_enabled().unwrap_or(false),
    })
}

fn oac_shape(c: &OriginAccessControlConfig) -> [&str; 5] {
    [
        c.name(),
        c.description().unwrap_or(""),
        c.signing_protocol().as_str(),
        c.signing_behavior().as_str(),
        c.origin_access_control_origin_type().as_str(),
    ]
}

super::sdk_tag!(Tag, fallible);

/// Distributions: the tags sit in an `items` list.
impl Tagging for Client {
    async fn read_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, CallError> {
        let r = self.list_tags_for_resource().resource(arn).send().await;
        Ok(tags::read(
            r.op("ListTagsForResource")?
                .tags()
                .map(|t| t.items())
                .unwrap_or_default(),
        ))
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), CallError> {
        let keys = TagKeys::builder().set_items(Some(keys)).build();
        let r = self.untag_resource().resource(arn).tag_keys(keys);
        r.send().await.op("UntagResource").map(drop)
    }
    async fn tag(&self, arn: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
        let tags = Tags::builder().set_items(Some(tags::sdk(&tags)?)).build();
        let r = self.tag_resource().resource(arn).tags(tags);
        r.send().await.op("TagResource").map(drop)
    }
}

impl CloudFront {
    pub fn new(client: Client, reads: Client) -> CloudFront {
        CloudFront { client, reads }
    }

    // ---- origin access control ----

    async fn oac(
        &self,
        id: &str,
    ) -> Result<Option<(OriginAccessControlConfig, String)>, CallError> {
        let Some(r) = absent_ok(
            self.reads
                .get_origin_access_control()
                .id(id)
                .send()
                .await
                .op("GetOriginAccessControl"),
        )?
        else {
            return Ok(None);
        };
        let config = r
            .origin_access_control()
            .and_then(|o| o.origin_access_control_config())
            .cloned()
            .ok_or_else(|| {
                CallError::new(
                    "GetOriginAccessControl",
                    "EmptyAnswer",
                    format!("no configuration in the answer for {id}"),
                    ErrorClass::Transient,
                )
            })?;
        Ok(Some((config, r.e_tag().unwrap_or("").to_string())))
    }

    async fn oac_named(&self, name: &str) -> Result<Option<String>, CallError> {
        let found = pages::find(
            self.reads
                .list_origin_access_controls()
                .into_paginator()
                .send(),
            "ListOriginAccessControls",
            |p| {
                p.origin_access_control_list()
                    .map(|l| l.items())
                    .unwrap_or_default()
            },
            |s| s.name() == name,
        );
        Ok(found.await?.map(|s| s.id().to_string()))
    }

    fn oac_config(d: &Desired<'_>) -> Result<OriginAccessControlConfig, CallError> {
        built(
            OriginAccessControlConfig::builder()
                .name(d.str("name")?)
                .description(d.opt_str("description").unwrap_or(""))
                .signing_protocol(OriginAccessControlSigningProtocols::from(
                    d.opt_str("signing_protocol").unwrap_or("sigv4"),
                ))
                .signing_behavior(OriginAccessControlSigningBehaviors::from(
                    d.opt_str("signing_behavior").unwrap_or("always"),
                ))
                .origin_access_control_origin_type(OriginAccessControlOriginTypes::from(
                    d.str("origin_access_control_origin_type")?,
                ))
                .build(),
            "origin_access_control",
        )
    }

    // ---- distribution ----

    async fn distribution(&self, id: &str) -> Result<Option<Distribution>, CallError> {
        let r = absent_ok(
            self.reads
                .get_distribution()
                .id(id)
                .send()
                .await
                .op("GetDistribution"),
        )?;
        Ok(r.and_then(|r| r.distribution().cloned()))
    }

    /// The configuration and the ETag that a write of it must carry.
    async fn config(&self, id: &str) -> Result<Option<(DistributionConfig, String)>, CallError> {
        let Some(r) = absent_ok(
            self.reads
                .get_distribution_config()
                .id(id)
                .send()
                .await
                .op("GetDistributionConfig"),
        )?
        else {
            return Ok(None);
        };
        match (r.distribution_config(), r.e_tag()) {
            (Some(c), Some(etag)) => Ok(Some((c.clone(), etag.to_string()))),
            _ => Err(CallError::new(
                "GetDistributionConfig",
                "EmptyAnswer",
                format!("no configuration or ETag in the answer for {id}"),
                ErrorClass::Transient,
            )),
        }
    }

    /// The distribution whose tags name this child, by listing: CloudFront has no tag filter.
    async fn find_distribution(&self, d: &Desired<'_>) -> Result<Option<String>, CallError> {
        let comment = d.opt_str("comment").unwrap_or("");
        let listed = pages::collect(
            self.reads.list_distributions().into_paginator().send(),
            "ListDistributions",
            |p| p.distribution_list().map(|l| l.items()).unwrap_or_default(),
        );
        let mut candidates: Vec<(bool, String, String)> = listed
            .await?
            .iter()
            .map(|s| {
                (
                    s.comment() != comment,
                    s.id().to_string(),
                    s.arn().to_string(),
                )
            })
            .collect();
        // Ours carry our comment: those are asked for their tags first.
        candidates.sort_by_key(|c| c.0);
        for (_, id, arn) in candidates {
            let Some(tags) = absent_ok(self.reads.read_tags(&arn).await)? else {
                continue;
            };
            // Distributions are global: the region tag tells this environment's from the same
            // environment's in another region.
            if d.owns(&tags) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn origin(d: &Desired<'_>, m: &Obj) -> Result<Origin, CallError> {
        let mut b = Origin::builder()
            .id(need(d, m, "origin_id")?)
            .domain_name(need(d, m, "domain_name")?)
            .set_origin_path(m.owned("origin_path"))
            .set_origin_access_control_id(m.owned("origin_access_control_id"))
            .set_connection_attempts(m.int32("connection_attempts"))
            .set_connection_timeout(m.int32("connection_timeout"));
        match m.first("custom_origin_config") {
            Some(c) => {
                let protocols: Vec<SslProtocol> = c
                    .texts("origin_ssl_protocols")
                    .iter()
                    .map(|s| SslProtocol::from(s.as_str()))
                    .collect();
                let config = CustomOriginConfig::builder()
                    .http_port(c.int32("http_port").unwrap_or(80))
                    .https_port(c.int32("https_port").unwrap_or(443))
                    .origin_protocol_policy(OriginProtocolPolicy::from(need(
                        d,
                        c,
                        "origin_protocol_policy",
                    )?))
                    .origin_ssl_protocols(built(
                        OriginSslProtocols::builder()
                            .quantity(count(&protocols))
                            .set_items(Some(protocols))
                            .build(),
                        "origin_ssl_protocols",
                    )?)
                    .set_origin_read_timeout(c.int32("origin_read_timeout"))
                    .set_origin_keepalive_timeout(c.int32("origin_keepalive_timeout"))
                    .build();
                b = b.custom_origin_config(built(config, "custom_origin_config")?);
            }
            None => {
                // An origin is custom or S3; an S3 origin reached through an origin access
                // control has an empty access identity (as hashicorp/aws sends it).
                let identity = m
                    .first("s3_origin_config")
                    .and_then(|s| s.text("origin_access_identity"))
                    .unwrap_or("");
                b = b.s3_origin_config(
                    S3OriginConfig::builder()
                        .origin_access_identity(identity)
                        .build(),
                );
            }
        }
        built(b.build(), "origin")
    }

    /// The configuration the child's values describe. Behaviours use cache policies (managed
    /// ones are passed by id); the legacy forwarded values and TTLs are not set.
    fn desired_config(
        d: &Desired<'_>,
        caller_reference: &str,
    ) -> Result<DistributionConfig, CallError> {
        // The default and the ordered behaviours take the same settings, on different builders.
        macro_rules! behaviour {
            ($builder:expr, $m:expr) => {{
                let m: &Obj = $m;
                $builder
                    .target_origin_id(need(d, m, "target_origin_id")?)
                    .viewer_protocol_policy(ViewerProtocolPolicy::from(need(
                        d,
                        m,
                        "viewer_protocol_policy",
                    )?))
                    .set_allowed_methods(allowed_methods(m)?)
                    .set_cache_policy_id(m.owned("cache_policy_id"))
                    .set_origin_request_policy_id(m.owned("origin_request_policy_id"))
                    .set_response_headers_policy_id(m.owned("response_headers_policy_id"))
                    .set_compress(m.flag("compress"))
            }};
        }

        let mut origins = Vec::new();
        for m in d.values.blocks("origin") {
            origins.push(Self::origin(d, m)?);
        }
        let origins = built(
            Origins::builder()
                .quantity(count(&origins))
                .set_items(Some(origins))
                .build(),
            "origin",
        )?;

        let default = d.block("default_cache_behavior").ok_or_else(|| {
            CallError::bad_value(d.address, "default_cache_behavior", "must be a block")
        })?;
        let default = built(
            behaviour!(DefaultCacheBehavior::builder(), default).build(),
            "default_cache_behavior",
        )?;
        let mut ordered = Vec::new();
        for m in d.values.blocks("ordered_cache_behavior") {
            let b = behaviour!(
                CacheBehavior::builder().path_pattern(need(d, m, "path_pattern")?),
                m
            );
            ordered.push(built(b.build(), "ordered_cache_behavior")?);
        }
        // Empty lists are sent with their zero count, so that an update removes what is gone.
        let n = count(&ordered);
        let ordered = built(
            CacheBehaviors::builder()
                .quantity(n)
                .set_items((n > 0).then_some(ordered))
                .build(),
            "ordered_cache_behavior",
        )?;

        let names = d.strings("aliases");
        let n = count(&names);
        let aliases = built(
            Aliases::builder()
                .quantity(n)
                .set_items((n > 0).then_some(names))
                .build(),
            "aliases",
        )?;

        let viewer = match d.block("viewer_certificate") {
            Some(v) => ViewerCertificate::builder()
                .set_cloud_front_default_certificate(v.flag("cloudfront_default_certificate"))
                .set_acm_certificate_arn(v.owned("acm_certificate_arn"))
                .set_iam_certificate_id(v.owned("iam_certificate_id"))
                .set_ssl_support_method(v.text("ssl_support_method").map(SslSupportMethod::from))
                .set_minimum_protocol_version(
                    v.text("minimum_protocol_version")
                        .map(MinimumProtocolVersion::from),
                )
                .build(),
            None => ViewerCertificate::builder()
                .cloud_front_default_certificate(true)
                .build(),
        };

        let geo = d
            .block("restrictions")
            .and_then(|r| r.first("geo_restriction"));
        let locations = geo.map(|g| g.texts("locations")).unwrap_or_default();
        let n = count(&locations);
        let geo = built(
            GeoRestriction::builder()
                .restriction_type(GeoRestrictionType::from(
                    geo.and_then(|g| g.text("restriction_type"))
                        .unwrap_or("none"),
                ))
                .quantity(n)
                .set_items((n > 0).then_some(locations))
                .build(),
            "restrictions",
        )?;

        // Logging switched off is sent explicitly, with the empty bucket and prefix AWS asks for.
        let logging = match d.block("logging_config") {
            Some(l) => LoggingConfig::builder()
                .enabled(true)
                .include_cookies(l.flag("include_cookies").unwrap_or(false))
                .bucket(need(d, l, "bucket")?)
                .prefix(l.text("prefix").unwrap_or(""))
                .build(),
            None => LoggingConfig::builder()
                .enabled(false)
                .include_cookies(false)
                .bucket("")
                .prefix("")
                .build(),
        };

        built(
            DistributionConfig::builder()
                .caller_reference(caller_reference)
                .aliases(aliases)
                .default_root_object(d.opt_str("default_root_object").unwrap_or(""))
                .origins(origins)
                .default_cache_behavior(default)
                .cache_behaviors(ordered)
                .comment(d.opt_str("comment").unwrap_or(""))
                .logging(logging)
                .set_price_class(d.opt_str("price_class").map(PriceClass::from))
                .enabled(d.bool("enabled").unwrap_or(true))
                .viewer_certificate(viewer)
                .restrictions(Restrictions::builder().geo_restriction(geo).build())
                // Sent empty when there is none, so that an update dissociates the web ACL.
                .web_acl_id(d.opt_str("web_acl_id").unwrap_or(""))
                .set_http_version(d.opt_str("http_version").map(HttpVersion::from))
                .set_is_ipv6_enabled(d.bool("is_ipv6_enabled"))
                .build(),
            "distribution_config",
        )
    }

    async fn create_with(&self, d: &Desired<'_>, reference: &str) -> Result<String, CallError> {
        let with_tags = DistributionConfigWithTags::builder()
            .distribution_config(Self::desired_config(d, reference)?)
            .tags(cloudfront_tags(d)?)
            .build();
        let r = self
            .client
            .create_distribution_with_tags()
            .distribution_config_with_tags(with_tags)
            .send()
            .await
            .op("CreateDistributionWithTags")?;
        r.distribution().map(|x| x.id().to_string()).ok_or_else(|| {
            CallError::new(
                "CreateDistributionWithTags",
                "EmptyAnswer",
                format!("no distribution in the answer for {}", d.address),
                ErrorClass::Transient,
            )
        })
    }

    /// Creates the distribution; a caller reference already used means an earlier attempt
    /// made it (its answer lost), and that distribution is adopted.
    async fn create_distribution(&self, d: &Desired<'_>) -> Result<String, CallError> {
        // Distributions are global: the environment's region keeps one environment name's
        // distributions in two regions apart.
        let reference = match d.environment_region() {
            Some(region) => format!("edulibra:{}:{region}:{}", d.environment, d.address),
            None => format!("edulibra:{}:{}", d.environment, d.address),
        };
        match self.create_with(d, &reference).await {
            Err(e) if e.code == "DistributionAlreadyExists" => {
                if let Some(id) = self.find_distribution(d).await? {
                    return Ok(id);
                }
                if let Some(id) = named_in(&e.message) {
                    if self.distribution(&id).await?.is_some() {
                        return Ok(id);
                    }
                }
                // The reference belongs to a distribution deleted since: a fresh one is needed.
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|t| t.as_secs())
                    .unwrap_or(0);
                self.create_with(d, &format!("{reference}:{secs}")).await
            }
            other => other,
        }
    }

    /// One update when anything this driver sets differs. The caller reference cannot change,
    /// so the current one is kept.
    async fn update_config(&self, d: &Desired<'_>, id: &str) -> Result<(), CallError> {
        let Some((current, etag)) = self.config(id).await? else {
            return Err(CallError::new(
                "GetDistributionConfig",
                "NotVisible",
                format!("{id} is not described (yet)"),
                ErrorClass::Transient,
            ));
        };
        let want = Self::desired_config(d, current.caller_reference())?;
        if shape(&current) != shape(&want) {
            self.client
                .update_distribution()
                .id(id)
                .if_match(etag)
                .distribution_config(want)
                .send()
                .await
                .op("UpdateDistribution")
                .map_err(|e| e.transient_on(ETAG_MOVED))?;
        }
        Ok(())
    }

    async fn wait_deployed(&self, id: &str) -> Result<Distribution, CallError> {
        // "Distribution.Status", CloudFront API Reference: InProgress until the change has
        // reached every edge location, then Deployed.
        let deployed = States {
            ready: &["Deployed"],
            terminal: &[],
        };
        for_states(
            "GetDistribution",
            id,
            DEPLOYED_WITHIN,
            &deployed,
            Absent::Pending,
            || async { Ok(self.distribution(id).await?.map(|x| x.status().to_string())) },
        )
        .await?;
        self.distribution(id)
            .await?
            .ok_or_else(|| not_visible("GetDistribution", id))
    }

    fn distribution_attrs(x: &Distribution) -> Attrs {
        attrs([
            ("id", x.id().to_string()),
            ("arn", x.arn().to_string()),
            ("domain_name", x.domain_name().to_string()),
            ("hosted_zone_id", CLOUDFRONT_ZONE.to_string()),
        ])
    }

    /// CloudFront deletes only a disabled distribution whose disabling has deployed.
    async fn delete_distribution(&self, id: &str) -> Result<(), CallError> {
        let Some((mut config, etag)) = self.config(id).await? else {
            return Ok(());
        };
        if config.enabled {
            config.enabled = false;
            absent_ok(
                self.client
                    .update_distribution()
                    .id(id)
                    .if_match(etag)
                    .distribution_config(config)
                    .send()
                    .await
                    .op("UpdateDistribution")
                    .map_err(|e| e.transient_on(ETAG_MOVED)),
            )?;
        }
        wait_until(id, DEPLOYED_WITHIN, || async {
            Ok(self.distribution(id).await?.is_none_or(|x| {
                x.status() == "Deployed" && !x.distribution_config().is_some_and(|c| c.enabled())
            }))
        })
        .await?;
        let Some((_, etag)) = self.config(id).await? else {
            return Ok(());
        };
        absent_ok(
            self.client
                .delete_distribution()
                .id(id)
                .if_match(etag)
                .send()
                .await
                .op("DeleteDistribution")
                // Not disabled yet as far as the delete can see: the disabling still spreads.
                .map_err(|e| {
                    e.transient_on(&[
                        "DistributionNotDisabled",
                        "PreconditionFailed",
                        "InvalidIfMatchVersion",
                    ])
                }),
        )?;
        until_gone(id, Duration::from_secs(600), || async {
            Ok(self.distribution(id).await?.is_some())
        })
        .await
    }
}

impl Resource for CloudfrontOriginAccessControl<'_> {
    const KEYS: &'static [&'static str] = &[
        "name",
        "description",
        "signing_behavior",
        "signing_protocol",
    ];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let name = d.str("name")?;
        let id = self.oac_named(name).await?;
        Ok(id.map(|id| attrs([("id", id), ("name", name.to_string())])))
    }

    /// The id in the state first: a rename is an update of that control, not a new one.
    async fn recorded(&self, a: &Attrs) -> Found {
        let id = attr(a, "id")?;
        let found = self.oac(id).await?;
        Ok(found.map(|(c, _)| attrs([("id", id.to_string()), ("name", c.name().to_string())])))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let want = CloudFront::oac_config(d)?;
        let name = want.name().to_string();
        let r = self
            .client
            .create_origin_access_control()
            .origin_access_control_config(want);
        let r = r.send().await.op("CreateOriginAccessControl")?;
        let id = r.origin_access_control().map(|o| o.id().to_string());
        let id = id.ok_or_else(|| empty_answer("CreateOriginAccessControl", &name))?;
        Ok(attrs([("id", id), ("name", name)]))
    }

    /// The state keeps the control's name as it is now.
    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        let a = converge(self, d, existing).await?;
        Ok(attrs([
            ("id", attr(&a, "id")?.to_string()),
            ("name", d.str("name")?.to_string()),
        ]))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some((c, _)) = self.oac(attr(a, "id")?).await? else {
            return Ok(None);
        };
        Ok(Some(observed([
            ("name", Json::from(c.name())),
            ("description", Json::from(c.description().unwrap_or(""))),
            (
                "signing_behavior",
                Json::from(c.signing_behavior().as_str()),
            ),
            (
                "signing_protocol",
                Json::from(c.signing_protocol().as_str()),
            ),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        let id = attr(a, "id")?;
        let (want, found) = (CloudFront::oac_config(d)?, self.oac(id).await?);
        let (current, etag) = found.ok_or_else(|| not_visible("GetOriginAccessControl", id))?;
        if oac_shape(&current) != oac_shape(&want) {
            self.client
                .update_origin_access_control()
                .id(id)
                .if_match(etag)
                .origin_access_control_config(want)
                .send()
                .await
                .op("UpdateOriginAccessControl")
                .map_err(|e| e.transient_on(ETAG_MOVED))?;
        }
        Ok(())
    }

    /// Checked first: moto answers a delete of an unknown control with HTTP 500. The
    /// distribution that used it may still be going away.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let id = attr(a, "id")?;
        let Some((_, etag)) = self.oac(id).await? else {
            return Ok(());
        };
        let busy = [
            "OriginAccessControlInUse",
            "PreconditionFailed",
            "InvalidIfMatchVersion",
        ];
        let r = self
            .client
            .delete_origin_access_control()
            .id(id)
            .if_match(etag);
        absent_ok(
            r.send()
                .await
                .op("DeleteOriginAccessControl")
                .map_err(|e| e.transient_on(&busy)),
        )?;
        Ok(())
    }
}

impl Resource for CloudfrontDistribution<'_> {
    /// Origins are not read: moto drops their origin access control and S3 settings.
    const KEYS: &'static [&'static str] = &["tags", "enabled", "price_class", "web_acl_id"];
    /// The whole configuration, compared by its `shape` (one UpdateDistribution).
    const UNREAD: &'static [&'static str] = &["config"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let Some(id) = self.find_distribution(d).await? else {
            return Ok(None);
        };
        Ok(self
            .distribution(&id)
            .await?
            .as_ref()
            .map(CloudFront::distribution_attrs))
    }

    async fn recorded(&self, a: &Attrs) -> Found {
        let x = self.distribution(attr(a, "id")?).await?;
        Ok(x.as_ref().map(CloudFront::distribution_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let id = self.create_distribution(d).await?;
        let x = self.distribution(&id).await?;
        Ok(CloudFront::distribution_attrs(
            &x.ok_or_else(|| not_visible("GetDistribution", &id))?,
        ))
    }

    async fn ready(&self, _d: &Desired<'_>, a: &Attrs) -> Result<(), CallError> {
        self.wait_deployed(attr(a, "id")?).await.map(drop)
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(x) = self.distribution(attr(a, "id")?).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(x.arn()).await?;
        let c = x.distribution_config();
        let price = c
            .and_then(|c| c.price_class())
            .map(|p| Json::from(p.as_str()));
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            (
                "enabled",
                c.map(|c| Json::Bool(c.enabled())).unwrap_or(Json::Null),
            ),
            ("price_class", price.unwrap_or(Json::Null)),
            ("web_acl_id", some(c.and_then(|c| c.web_acl_id()))),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let id = attr(a, "id")?;
        if changed.iter().any(|k| *k != "tags") {
            self.update_config(d, id).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_distribution(attr(a, "id")?).await
    }
}
