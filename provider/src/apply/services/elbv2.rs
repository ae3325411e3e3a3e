//! ELBv2: the application load balancer over the public subnets, its target group (IP targets,
//! as Fargate tasks register) and its listener. The balancer and the group are found by their
//! unique names; a listener by its balancer and port, or by its component tag when the port is
//! what changed.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, IpAddressType, Listener,
    LoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, Matcher,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag, TargetGroup,
    TargetGroupAttribute, TargetGroupIpAddressTypeEnum, TargetTypeEnum,
};
use aws_sdk_elasticloadbalancingv2::Client;
use serde_json::{json, Value as Json};

use super::{
    absent_ok, attr, attrs, codes, empty_answer, first_of, for_states, not_visible, reported,
    tag_map, until_gone, while_busy, Absent, Call, States, Status,
};
use crate::apply::driver::{
    Attrs, CallError, Desired, Ensured, ErrorClass, Fields, Found, Observed,
};
use crate::apply::pages;
use crate::apply::resource::{resources, same_set, Resource};
use crate::apply::tags::{self, Tagging};

const LOAD_BALANCER: &str = "aws_lb";
const TARGET_GROUP: &str = "aws_lb_target_group";
const LISTENER: &str = "aws_lb_listener";

/// How long a new balancer may stay `provisioning` (AWS: a few minutes; moto: active on the
/// first describe). A timeout is transient, so the engine's retry extends it.
const ACTIVE_WITHIN: Duration = Duration::from_secs(15 * 60);
const GONE_WITHIN: Duration = Duration::from_secs(10 * 60);
/// How long to wait for AWS to see a log bucket policy that a sibling child has just applied.
const POLICY_WITHIN: Duration = Duration::from_secs(3 * 60);
/// How long a target group may stay "in use" after the listener that used it was deleted.
const RELEASE_WITHIN: Duration = Duration::from_secs(3 * 60);

/// hashicorp/aws `aws_lb` arguments that are load balancer attributes, by attribute key.
const LB_ATTRIBUTES: &[(&str, &str)] = &[
    ("enable_deletion_protection", "deletion_protection.enabled"),
    ("idle_timeout", "idle_timeout.timeout_seconds"),
    (
        "drop_invalid_header_fields",
        "routing.http.drop_invalid_header_fields.enabled",
    ),
    ("enable_http2", "routing.http2.enabled"),
    (
        "desync_mitigation_mode",
        "routing.http.desync_mitigation_mode",
    ),
    (
        "preserve_host_header",
        "routing.http.preserve_host_header.enabled",
    ),
    (
        "enable_tls_version_and_cipher_suite_headers",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
    ),
    (
        "enable_xff_client_port",
        "routing.http.xff_client_port.enabled",
    ),
    (
        "xff_header_processing_mode",
        "routing.http.xff_header_processing.mode",
    ),
    ("enable_waf_fail_open", "waf.fail_open.enabled"),
    ("client_keep_alive", "client_keep_alive.seconds"),
    ("enable_zonal_shift", "zonal_shift.config.enabled"),
];

/// The same for network and gateway balancers only: an application balancer refuses them.
const NLB_ATTRIBUTES: &[(&str, &str)] = &[
    (
        "enable_cross_zone_load_balancing",
        "load_balancing.cross_zone.enabled",
    ),
    (
        "dns_record_client_routing_policy",
        "dns_record.client_routing_policy",
    ),
];

/// Log blocks of `aws_lb` and the prefix of their attributes (`<prefix>enabled`, `bucket`,
/// `prefix`), which AWS wants together when logging is switched on.
const LOG_BLOCKS: &[(&str, &str)] = &[
    ("access_logs", "access_logs.s3."),
    ("connection_logs", "connection_logs.s3."),
];

/// hashicorp/aws `aws_lb_target_group` arguments that are target group attributes.
const TG_ATTRIBUTES: &[(&str, &str)] = &[
    (
        "deregistration_delay",
        "deregistration_delay.timeout_seconds",
    ),
    ("slow_start", "slow_start.duration_seconds"),
    (
        "load_balancing_algorithm_type",
        "load_balancing.algorithm.type",
    ),
    (
        "load_balancing_cross_zone_enabled",
        "load_balancing.cross_zone.enabled",
    ),
];

super::service_client!(Elbv2, Client);
resources!(Elbv2, { LOAD_BALANCER => Lb, TARGET_GROUP => LbTargetGroup, LISTENER => LbListener });

fn elb_tags(d: &Desired<'_>) -> Result<Option<Vec<Tag>>, CallError> {
    let tags: Vec<Tag> = tags::sdk(&d.tags())?;
    Ok((!tags.is_empty()).then_some(tags))
}

super::sdk_tag!(Tag, infallible);

/// Balancers, target groups and listeners: DescribeTags answers per resource.
impl Tagging for Client {
    async fn read_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, CallError> {
        let r = self
            .describe_tags()
            .resource_arns(arn)
            .send()
            .await
            .op("DescribeTags")?;
        Ok(r.tag_descriptions()
            .iter()
            .flat_map(|t| tags::read(t.tags()))
            .collect())
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), CallError> {
        let r = self
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(keys));
        r.send().await.op("RemoveTags").map(drop)
    }
    async fn tag(&self, arn: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
        let r = self
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(tags::sdk(&tags)?));
        r.send().await.op("AddTags").map(drop)
    }
}

/// What `arn_suffix` means in hashicorp/aws: the part CloudWatch names the resource by
/// (`app/<name>/<id>` for a balancer, `targetgroup/<name>/<id>` for a group).
fn balancer_suffix(arn: &str) -> String {
    arn.split_once(":loadbalancer/")
        .map(|(_, s)| s.to_string())
        .unwrap_or_default()
}

fn target_group_suffix(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or("").to_string()
}

/// AWS checks that it may write to the log bucket when access logs are switched on; a bucket
/// policy applied a moment ago by a sibling child may not be visible to that check yet.
fn log_bucket_not_ready(e: &CallError) -> bool {
    e.code == "InvalidConfigurationRequest"
        && e.message
            .to_ascii_lowercase()
            .contains("access denied for bucket")
}

/// The attributes to send: those that differ, plus the rest of a log group whose setting
/// differs (AWS checks bucket, prefix and switch together).
fn changed_attributes(
    wanted: &[(String, String)],
    current: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let differs = |k: &String, v: &String| current.get(k) != Some(v);
    let groups: Vec<&str> = wanted
        .iter()
        .filter(|(k, v)| differs(k, v))
        .filter_map(|(k, _)| {
            LOG_BLOCKS
                .iter()
                .map(|(_, p)| *p)
                .find(|p| k.starts_with(p))
        })
        .collect();
    wanted
        .iter()
        .filter(|(k, v)| differs(k, v) || groups.iter().any(|p| k.starts_with(p)))
        .cloned()
        .collect()
}

/// The health check block of a target group, as far as the topology gives it.
#[derive(Default)]
struct HealthCheck {
    enabled: Option<bool>,
    path: Option<String>,
    port: Option<String>,
    protocol: Option<String>,
    matcher: Option<String>,
    interval: Option<i32>,
    timeout: Option<i32>,
    healthy: Option<i32>,
    unhealthy: Option<i32>,
}

impl HealthCheck {
    fn of(d: &Desired<'_>) -> HealthCheck {
        let Some(b) = d.block("health_check") else {
            return HealthCheck::default();
        };
        HealthCheck {
            enabled: b.flag("enabled"),
            path: b.spelled("path"),
            port: b.spelled("port"),
            protocol: b.spelled("protocol"),
            matcher: b.spelled("matcher"),
            interval: b.int32("interval"),
            timeout: b.int32("timeout"),
            healthy: b.int32("healthy_threshold"),
            unhealthy: b.int32("unhealthy_threshold"),
        }
    }

    /// True when a setting the topology gives differs from the group's (unset ones are AWS's
    /// defaults and left alone).
    fn differs(&self, tg: &TargetGroup) -> bool {
        let s = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_some_and(|w| have != Some(w))
        };
        let n = |want: Option<i32>, have: Option<i32>| want.is_some_and(|w| have != Some(w));
        self.enabled
            .is_some_and(|w| tg.health_check_enabled() != Some(w))
            || s(&self.path, tg.health_check_path())
            || s(&self.port, tg.health_check_port())
            || s(
                &self.protocol,
                tg.health_check_protocol().map(ProtocolEnum::as_str),
            )
            || s(&self.matcher, tg.matcher().and_then(|m| m.http_code()))
            || n(self.interval, tg.health_check_interval_seconds())
            || n(self.timeout, tg.health_check_timeout_seconds())
            || n(self.healthy, tg.healthy_threshold_count())
            || n(self.unhealthy, tg.unhealthy_threshold_count())
    }
}

/// CreateTargetGroup and ModifyTargetGroup take the health check settings under the same names,
/// on builders of different types.
macro_rules! with_health_check {
    ($call:expr, $hc:expr) => {
        $call
            .set_health_check_enabled($hc.enabled)
            .set_health_check_path($hc.path.clone())
            .set_health_check_port($hc.port.clone())
            .set_health_check_protocol($hc.protocol.as_deref().map(ProtocolEnum::from))
            .set_health_check_interval_seconds($hc.interval)
            .set_health_check_timeout_seconds($hc.timeout)
            .set_healthy_threshold_count($hc.healthy)
            .set_unhealthy_threshold_count($hc.unhealthy)
            .set_matcher(
                $hc.matcher
                    .clone()
                    .map(|c| Matcher::builder().http_code(c).build()),
            )
    };
}

/// CreateListener and ModifyListener take the same settings, on builders of different types.
macro_rules! with_listener_spec {
    ($call:expr, $spec:expr) => {
        $call
            .set_port($spec.port)
            .set_protocol($spec.protocol.as_deref().map(ProtocolEnum::from))
            .set_ssl_policy($spec.ssl_policy.clone())
            .set_certificates($spec.certificates())
            .set_alpn_policy($spec.alpn.clone().map(|a| vec![a]))
            .set_default_actions(Some($spec.actions.clone()))
    };
}

/// The listener's default actions from its `default_action` blocks.
fn default_actions(d: &Desired<'_>) -> Result<Vec<Action>, CallError> {
    let bad = |why: &str| CallError::bad_value(d.address, "default_action", why);
    let list = d
        .get("default_action")
        .and_then(Json::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| bad("must be a non-empty list of blocks"))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let a = a.as_object().ok_or_else(|| bad("must hold objects"))?;
        let kind = a.string("type").ok_or_else(|| bad("needs a `type`"))?;
        let mut b = Action::builder().r#type(ActionTypeEnum::from(kind));
        match a.int32("order") {
            Some(o) => b = b.order(o),
            // AWS orders several actions only when told to.
            None if list.len() > 1 => b = b.order(i as i32 + 1),
            None => {}
        }
        match kind {
            "forward" => {
                let tg = a
                    .spelled("target_group_arn")
                    .ok_or_else(|| bad("of type forward needs a `target_group_arn`"))?;
                b = b.target_group_arn(tg);
            }
            "redirect" => {
                let r = a
                    .first("redirect")
                    .ok_or_else(|| bad("of type redirect needs a `redirect` block"))?;
                let status = r
                    .spelled("status_code")
                    .ok_or_else(|| bad("redirect needs a `status_code`"))?;
                b = b.redirect_config(
                    RedirectActionConfig::builder()
                        .set_protocol(r.spelled("protocol"))
                        .set_port(r.spelled("port"))
                        .set_host(r.spelled("host"))
                        .set_path(r.spelled("path"))
                        .set_query(r.spelled("query"))
                        .status_code(RedirectActionStatusCodeEnum::from(status.as_str()))
                        .build(),
                );
            }
            "fixed-response" => {
                let f = a
                    .first("fixed_response")
                    .ok_or_else(|| bad("of type fixed-response needs a `fixed_response` block"))?;
                b = b.fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .set_status_code(f.spelled("status_code"))
                        .set_content_type(f.spelled("content_type"))
                        .set_message_body(f.spelled("message_body"))
                        .build(),
                );
            }
            other => {
                return Err(bad(&format!(
                    "of type `{other}` is not provisioned by this version"
                )))
            }
        }
        out.push(b.build());
    }
    Ok(out)
}

/// True when `have` does what `want` asks (fields `want` leaves unset are AWS's defaults).
fn same_action(want: &Action, have: &Action) -> bool {
    if want.r#type() != have.r#type() {
        return false;
    }
    let given = |w: Option<&str>, h: Option<&str>| w.is_none() || w == h;
    match want.r#type() {
        Some(ActionTypeEnum::Forward) => {
            // AWS answers with a forward config of one group as well as the group's ARN.
            let current = have.target_group_arn().or_else(|| {
                have.forward_config().and_then(|f| match f.target_groups() {
                    [one] => one.target_group_arn(),
                    _ => None,
                })
            });
            want.target_group_arn() == current
        }
        Some(ActionTypeEnum::Redirect) => match (want.redirect_config(), have.redirect_config()) {
            (Some(w), Some(h)) => {
                w.status_code() == h.status_code()
                    && given(w.protocol(), h.protocol())
                    && given(w.port(), h.port())
                    && given(w.host(), h.host())
                    && given(w.path(), h.path())
                    && given(w.query(), h.query())
            }
            _ => false,
        },
        Some(ActionTypeEnum::FixedResponse) => {
            match (want.fixed_response_config(), have.fixed_response_config()) {
                (Some(w), Some(h)) => {
                    w.status_code() == h.status_code()
                        && given(w.content_type(), h.content_type())
                        && given(w.message_body(), h.message_body())
                }
                _ => false,
            }
        }
        _ => true,
    }
}

fn same_actions(want: &[Action], have: &[Action]) -> bool {
    want.len() == have.len() && want.iter().zip(have).all(|(w, h)| same_action(w, h))
}

/// A listener's settings as the topology gives them.
struct ListenerSpec {
    port: Option<i32>,
    protocol: Option<String>,
    ssl_policy: Option<String>,
    certificate: Option<String>,
    alpn: Option<String>,
    actions: Vec<Action>,
}

impl ListenerSpec {
    fn of(d: &Desired<'_>) -> Result<ListenerSpec, CallError> {
        Ok(ListenerSpec {
            port: d.int32("port")?,
            protocol: d.opt_str("protocol").map(str::to_string),
            ssl_policy: d.opt_str("ssl_policy").map(str::to_string),
            certificate: d.opt_str("certificate_arn").map(str::to_string),
            alpn: d.opt_str("alpn_policy").map(str::to_string),
            actions: default_actions(d)?,
        })
    }

    fn certificates(&self) -> Option<Vec<Certificate>> {
        self.certificate
            .as_ref()
            .map(|c| vec![Certificate::builder().certificate_arn(c).build()])
    }

    fn differs(&self, l: &Listener) -> bool {
        self.port.is_some_and(|p| l.port() != Some(p))
            || self
                .protocol
                .as_deref()
                .is_some_and(|p| l.protocol().map(ProtocolEnum::as_str) != Some(p))
            || self
                .ssl_policy
                .as_deref()
                .is_some_and(|s| l.ssl_policy() != Some(s))
            || self.certificate.as_deref().is_some_and(|c| {
                l.certificates().first().and_then(|x| x.certificate_arn()) != Some(c)
            })
            || self
                .alpn
                .as_deref()
                .is_some_and(|a| l.alpn_policy().first().map(String::as_str) != Some(a))
            || !same_actions(&self.actions, l.default_actions())
    }
}

impl Elbv2 {
    // ----- lookups -------------------------------------------------------------------------

    async fn balancer_named(&self, name: &str) -> Result<Option<LoadBalancer>, CallError> {
        let r = self
            .reads
            .describe_load_balancers()
            .names(name)
            .send()
            .await;
        first_of(r.op("DescribeLoadBalancers"), |r| r.load_balancers())
    }

    async fn balancer(&self, arn: &str) -> Result<Option<LoadBalancer>, CallError> {
        let r = self
            .reads
            .describe_load_balancers()
            .load_balancer_arns(arn)
            .send()
            .await;
        first_of(r.op("DescribeLoadBalancers"), |r| r.load_balancers())
    }

    async fn balancer_attributes(&self, arn: &str) -> Result<BTreeMap<String, String>, CallError> {
        let r = self
            .reads
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .op("DescribeLoadBalancerAttributes")?;
        Ok(r.attributes()
            .iter()
            .filter_map(|a| Some((a.key()?.to_string(), a.value().unwrap_or("").to_string())))
            .collect())
    }

    async fn target_group_named(&self, name: &str) -> Result<Option<TargetGroup>, CallError> {
        let r = self.reads.describe_target_groups().names(name).send().await;
        first_of(r.op("DescribeTargetGroups"), |r| r.target_groups())
    }

    async fn target_group(&self, arn: &str) -> Result<Option<TargetGroup>, CallError> {
        let r = self
            .reads
            .describe_target_groups()
            .target_group_arns(arn)
            .send()
            .await;
        first_of(r.op("DescribeTargetGroups"), |r| r.target_groups())
    }

    async fn target_group_attributes(
        &self,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, CallError> {
        let r = self
            .reads
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .op("DescribeTargetGroupAttributes")?;
        Ok(r.attributes()
            .iter()
            .filter_map(|a| Some((a.key()?.to_string(), a.value().unwrap_or("").to_string())))
            .collect())
    }

    async fn listener(&self, arn: &str) -> Result<Option<Listener>, CallError> {
        let r = self
            .reads
            .describe_listeners()
            .listener_arns(arn)
            .send()
            .await;
        first_of(r.op("DescribeListeners"), |r| r.listeners())
    }

    /// The balancer's listeners (None: the balancer is gone).
    async fn listeners_of(&self, balancer: &str) -> Result<Option<Vec<Listener>>, CallError> {
        let pages = self.reads.describe_listeners().load_balancer_arn(balancer);
        let listeners = pages::collect(pages.into_paginator().send(), "DescribeListeners", |p| {
            p.listeners()
        });
        absent_ok(listeners.await)
    }

    /// What a target group or a listener reads back: its tags, port and protocol.
    async fn port_read(
        &self,
        arn: &str,
        port: Option<i32>,
        protocol: Option<&ProtocolEnum>,
    ) -> Observed {
        let tags = tag_map(self.reads.read_tags(arn).await?);
        let protocol = protocol.map(|p| Json::from(p.as_str()));
        let port = port.map(Json::from);
        Ok(Some(reported([
            ("tags", Some(tags)),
            ("port", port),
            ("protocol", protocol),
        ])))
    }

    // ----- load balancer -------------------------------------------------------------------

    fn balancer_attrs(lb: &LoadBalancer) -> Attrs {
        let arn = lb.load_balancer_arn().unwrap_or("").to_string();
        attrs([
            ("id", arn.clone()),
            ("arn_suffix", balancer_suffix(&arn)),
            ("arn", arn),
            ("name", lb.load_balancer_name().unwrap_or("").to_string()),
            ("dns_name", lb.dns_name().unwrap_or("").to_string()),
            (
                "zone_id",
                lb.canonical_hosted_zone_id().unwrap_or("").to_string(),
            ),
            ("vpc_id", lb.vpc_id().unwrap_or("").to_string()),
        ])
    }

    async fn wait_active(&self, arn: &str) -> Result<LoadBalancer, CallError> {
        // "LoadBalancerState", ELB API Reference: provisioning, then active or active_impaired
        // (serving, short of capacity); `failed` stays so, with a reason.
        let states = States {
            ready: &["active", "active_impaired"],
            terminal: &["failed"],
        };
        for_states(
            "DescribeLoadBalancers",
            arn,
            ACTIVE_WITHIN,
            &states,
            Absent::Pending,
            || async {
                let lb = self.balancer(arn).await?;
                Ok(lb.map(|lb| Status {
                    // No state reported: the balancer is listed, so it serves.
                    state: lb
                        .state()
                        .and_then(|s| s.code())
                        .map_or("active", |c| c.as_str())
                        .to_string(),
                    reason: lb.state().and_then(|s| s.reason()).map(str::to_string),
                }))
            },
        )
        .await?;
        self.balancer(arn)
            .await?
            .ok_or_else(|| not_visible("DescribeLoadBalancers", arn))
    }

    /// The attributes the topology's values ask for, by key.
    fn wanted_balancer_attributes(
        d: &Desired<'_>,
        current: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, String)>, CallError> {
        let mut out = Vec::new();
        let application = d.opt_str("load_balancer_type").unwrap_or("application") == "application";
        let only_nlb = NLB_ATTRIBUTES.iter().filter(|_| !application);
        for (arg, key) in LB_ATTRIBUTES.iter().chain(only_nlb) {
            if let Some(v) = d.values.spelled(arg) {
                out.push((key.to_string(), v));
            }
        }
        for (block, prefix) in LOG_BLOCKS {
            let switch = format!("{prefix}enabled");
            match d.block(block) {
                Some(b) => {
                    let enabled = b.flag("enabled").unwrap_or(false);
                    out.push((switch, enabled.to_string()));
                    if enabled {
                        let bucket = b.spelled("bucket").ok_or_else(|| {
                            CallError::bad_value(
                                d.address,
                                &format!("{block}.bucket"),
                                "must be a string when logging is enabled",
                            )
                        })?;
                        out.push((format!("{prefix}bucket"), bucket));
                        out.push((
                            format!("{prefix}prefix"),
                            b.spelled("prefix").unwrap_or_default(),
                        ));
                    }
                }
                // No block: no logs, as in hashicorp/aws; only switched off when they are on.
                None => {
                    if current.get(&switch).map(String::as_str) == Some("true") {
                        out.push((switch, "false".to_string()));
                    }
                }
            }
        }
        Ok(out)
    }

    async fn set_balancer_attributes(&self, d: &Desired<'_>, arn: &str) -> Result<(), CallError> {
        let current = self.balancer_attributes(arn).await?;
        let wanted = Self::wanted_balancer_attributes(d, &current)?;
        let changed: Vec<LoadBalancerAttribute> = changed_attributes(&wanted, &current)
            .into_iter()
            .map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build())
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        // Past the wait, AWS's own words: the bucket policy is really wrong.
        while_busy(arn, POLICY_WITHIN, log_bucket_not_ready, || async {
            let r = self
                .client
                .modify_load_balancer_attributes()
                .load_balancer_arn(arn);
            let r = r.set_attributes(Some(changed.clone())).send().await;
            r.op("ModifyLoadBalancerAttributes")
        })
        .await
    }

    /// Brings the settings that change in place without an attribute to the desired values.
    async fn converge_balancer(&self, d: &Desired<'_>, lb: &LoadBalancer) -> Result<(), CallError> {
        let arn = lb.load_balancer_arn().unwrap_or("");
        let want = d.strings("security_groups");
        if !want.is_empty() && !same_set(&want, lb.security_groups()) {
            self.client
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(Some(want))
                .send()
                .await
                .op("SetSecurityGroups")?;
        }
        let want = d.strings("subnets");
        let have = lb.availability_zones().iter().filter_map(|z| z.subnet_id());
        if !want.is_empty() && !same_set(&want, have) {
            self.client
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(Some(want))
                .send()
                .await
                .op("SetSubnets")?;
        }
        if let Some(t) = d.opt_str("ip_address_type") {
            if lb.ip_address_type().map(IpAddressType::as_str) != Some(t) {
                self.client
                    .set_ip_address_type()
                    .load_balancer_arn(arn)
                    .ip_address_type(IpAddressType::from(t))
                    .send()
                    .await
                    .op("SetIpAddressType")?;
            }
        }
        Ok(())
    }

    async fn create_balancer(&self, d: &Desired<'_>) -> Result<String, CallError> {
        let subnets = d.strings("subnets");
        if subnets.is_empty() {
            return Err(CallError::bad_value(
                d.address,
                "subnets",
                "must list at least one subnet",
            ));
        }
        let groups = d.strings("security_groups");
        let scheme = if d.bool("internal").unwrap_or(false) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let r = self
            .client
            .create_load_balancer()
            .name(d.str("name")?)
            .set_subnets(Some(subnets))
            .set_security_groups((!groups.is_empty()).then_some(groups))
            .scheme(scheme)
            .r#type(LoadBalancerTypeEnum::from(
                d.opt_str("load_balancer_type").unwrap_or("application"),
            ))
            .set_ip_address_type(d.opt_str("ip_address_type").map(IpAddressType::from))
            .set_tags(elb_tags(d)?)
            .send()
            .await
            .op("CreateLoadBalancer")?;
        let arn = r
            .load_balancers()
            .first()
            .and_then(|lb| lb.load_balancer_arn());
        Ok(arn
            .ok_or_else(|| empty_answer("CreateLoadBalancer", "load balancer"))?
            .to_string())
    }

    // ----- target group --------------------------------------------------------------------

    fn target_group_attrs(tg: &TargetGroup) -> Attrs {
        let arn = tg.target_group_arn().unwrap_or("").to_string();
        attrs([
            ("id", arn.clone()),
            ("arn_suffix", target_group_suffix(&arn)),
            ("arn", arn),
            ("name", tg.target_group_name().unwrap_or("").to_string()),
        ])
    }

    async fn set_target_group_attributes(
        &self,
        d: &Desired<'_>,
        arn: &str,
    ) -> Result<(), CallError> {
        let wanted: Vec<(String, String)> = TG_ATTRIBUTES
            .iter()
            .filter_map(|(arg, key)| d.values.spelled(arg).map(|v| (key.to_string(), v)))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let current = self.target_group_attributes(arn).await?;
        let changed: Vec<TargetGroupAttribute> = wanted
            .iter()
            .filter(|(k, v)| current.get(k) != Some(v))
            .map(|(k, v)| TargetGroupAttribute::builder().key(k).value(v).build())
            .collect();
        if !changed.is_empty() {
            self.client
                .modify_target_group_attributes()
                .target_group_arn(arn)
                .set_attributes(Some(changed))
                .send()
                .await
                .op("ModifyTargetGroupAttributes")?;
        }
        Ok(())
    }

    // ----- listener ------------------------------------------------------------------------

    fn listener_attrs(arn: &str) -> Attrs {
        attrs([("id", arn.to_string()), ("arn", arn.to_string())])
    }

    /// The listener of this child: the balancer's listener on the desired port, else the one
    /// tagged as this component (its port is what changed). The one the state names comes first,
    /// through `Resource::recorded`.
    async fn find_listener(&self, d: &Desired<'_>) -> Result<Option<Listener>, CallError> {
        let balancer = d.str("load_balancer_arn")?;
        let Some(all) = self.listeners_of(balancer).await? else {
            return Ok(None);
        };
        let port = d.int32("port")?;
        if let Some(l) = all.iter().find(|l| port.is_some() && l.port() == port) {
            return Ok(Some(l.clone()));
        }
        let arns: Vec<String> = all
            .iter()
            .filter_map(|l| l.listener_arn().map(str::to_string))
            .collect();
        // DescribeTags takes up to 20 resources.
        for chunk in arns.chunks(20) {
            let r = self
                .reads
                .describe_tags()
                .set_resource_arns(Some(chunk.to_vec()))
                .send()
                .await
                .op("DescribeTags")?;
            for t in r.tag_descriptions() {
                let tags = tags::read(t.tags());
                if tags.get("edulibra:environment").map(String::as_str) == Some(d.environment)
                    && tags.get("edulibra:component").map(String::as_str) == Some(d.address)
                {
                    if let Some(l) = all.iter().find(|l| l.listener_arn() == t.resource_arn()) {
                        return Ok(Some(l.clone()));
                    }
                }
            }
        }
        Ok(None)
    }
}

impl Resource for Lb<'_> {
    const KEYS: &'static [&'static str] = &[
        "tags",
        "internal",
        "enable_deletion_protection",
        "drop_invalid_header_fields",
        "idle_timeout",
        "access_logs",
    ];
    /// Security groups and subnets (sets), and the attributes, compared by `update`.
    const UNREAD: &'static [&'static str] = &["network", "attributes"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let lb = self.balancer_named(d.str("name")?).await?;
        Ok(lb.as_ref().map(Elbv2::balancer_attrs))
    }

    /// Attributes are set on an active balancer: after the wait.
    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let arn = self.create_balancer(d).await?;
        let lb = self.wait_active(&arn).await?;
        self.set_balancer_attributes(d, &arn).await?;
        Ok(Elbv2::balancer_attrs(&lb))
    }

    async fn ready(&self, _d: &Desired<'_>, a: &Attrs) -> Result<(), CallError> {
        self.wait_active(attr(a, "arn")?).await.map(drop)
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let arn = attr(a, "arn")?;
        let Some(lb) = self.balancer(arn).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(arn).await?;
        let current = self.balancer_attributes(arn).await?;
        let flag = |k: &str| current.get(k).map(|v| Json::Bool(v == "true"));
        let internal = lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal);
        let idle = current.get("idle_timeout.timeout_seconds");
        let idle = idle.and_then(|v| v.parse::<i64>().ok()).map(Json::from);
        let get = |k: &str| current.get(k).cloned().unwrap_or_default();
        let logs = current.get("access_logs.s3.enabled").map(|enabled| {
            let (bucket, prefix) = (get("access_logs.s3.bucket"), get("access_logs.s3.prefix"));
            json!([{ "bucket": bucket, "prefix": prefix, "enabled": enabled == "true" }])
        });
        // Only what AWS reports: a key it leaves out is not observed.
        Ok(Some(reported([
            ("tags", Some(tag_map(tags))),
            ("internal", Some(Json::Bool(internal))),
            (
                "enable_deletion_protection",
                flag("deletion_protection.enabled"),
            ),
            (
                "drop_invalid_header_fields",
                flag("routing.http.drop_invalid_header_fields.enabled"),
            ),
            ("idle_timeout", idle),
            ("access_logs", logs),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        if changed.contains(&"network") {
            let lb = self.balancer(arn).await?;
            let lb = lb.ok_or_else(|| not_visible("DescribeLoadBalancers", arn))?;
            self.converge_balancer(d, &lb).await?;
        }
        if changed
            .iter()
            .any(|k| !["tags", "network", "internal"].contains(k))
        {
            self.set_balancer_attributes(d, arn).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, arn, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        if self.balancer(arn).await?.is_none() {
            return Ok(());
        }
        // Deletion protection is honoured, never switched off behind the configuration's
        // back. AWS refuses with these words; the emulator would delete, so we ask first.
        let current = self.balancer_attributes(arn).await?;
        if current
            .get("deletion_protection.enabled")
            .map(String::as_str)
            == Some("true")
        {
            return Err(CallError::new(
                "DeleteLoadBalancer",
                "OperationNotPermitted",
                format!(
                    "Load balancer '{arn}' cannot be deleted because deletion protection is enabled (set it off in the configuration, apply, then destroy)"
                ),
                ErrorClass::Permanent,
            ));
        }
        let r = self.client.delete_load_balancer().load_balancer_arn(arn);
        absent_ok(r.send().await.op("DeleteLoadBalancer"))?;
        let exists = || async { Ok(self.balancer(arn).await?.is_some()) };
        until_gone(arn, GONE_WITHIN, exists).await
    }
}

impl Resource for LbTargetGroup<'_> {
    const KEYS: &'static [&'static str] = &["tags", "port", "protocol"];
    /// The health check and the attributes, compared by `update`.
    const UNREAD: &'static [&'static str] = &["health_check", "attributes"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let tg = self.target_group_named(d.str("name")?).await?;
        Ok(tg.as_ref().map(Elbv2::target_group_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let r = with_health_check!(self.client.create_target_group(), HealthCheck::of(d))
            .name(d.str("name")?)
            .set_protocol(d.opt_str("protocol").map(ProtocolEnum::from))
            .set_protocol_version(d.opt_str("protocol_version").map(str::to_string))
            .set_port(d.int32("port")?)
            .set_vpc_id(d.opt_str("vpc_id").map(str::to_string))
            .set_target_type(d.opt_str("target_type").map(TargetTypeEnum::from))
            .set_ip_address_type(
                d.opt_str("ip_address_type")
                    .map(TargetGroupIpAddressTypeEnum::from),
            )
            .set_tags(elb_tags(d)?)
            .send()
            .await
            .op("CreateTargetGroup")?;
        let tg = r.target_groups().first();
        let tg = tg.ok_or_else(|| empty_answer("CreateTargetGroup", "target group"))?;
        self.set_target_group_attributes(d, tg.target_group_arn().unwrap_or(""))
            .await?;
        Ok(Elbv2::target_group_attrs(tg))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let arn = attr(a, "arn")?;
        let Some(tg) = self.target_group(arn).await? else {
            return Ok(None);
        };
        self.port_read(arn, tg.port(), tg.protocol()).await
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        let tg = self.target_group(arn).await?;
        let tg = tg.ok_or_else(|| not_visible("DescribeTargetGroups", arn))?;
        let hc = HealthCheck::of(d);
        if hc.differs(&tg) {
            let r = with_health_check!(self.client.modify_target_group(), hc);
            r.target_group_arn(arn)
                .send()
                .await
                .op("ModifyTargetGroup")?;
        }
        self.set_target_group_attributes(d, arn).await?;
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, arn, &d.tags()).await?;
        }
        Ok(())
    }

    /// A listener deleted a moment ago may still hold the group.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        while_busy(arn, RELEASE_WITHIN, codes(&["ResourceInUse"]), || async {
            let r = self
                .client
                .delete_target_group()
                .target_group_arn(arn)
                .send()
                .await;
            absent_ok(r.op("DeleteTargetGroup"))
        })
        .await?;
        let exists = || async { Ok(self.target_group(arn).await?.is_some()) };
        until_gone(arn, GONE_WITHIN, exists).await
    }
}

impl Resource for LbListener<'_> {
    const KEYS: &'static [&'static str] = &["tags", "port", "protocol"];
    /// The certificates, policies and actions, compared by `ListenerSpec::differs`.
    const UNREAD: &'static [&'static str] = &["spec"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let l = self.find_listener(d).await?;
        Ok(l.and_then(|l| l.listener_arn().map(Elbv2::listener_attrs)))
    }

    /// The listener the state names: a port change updates it rather than making another.
    async fn recorded(&self, a: &Attrs) -> Found {
        let l = self.listener(attr(a, "arn")?).await?;
        Ok(l.and_then(|l| l.listener_arn().map(Elbv2::listener_attrs)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let spec = ListenerSpec::of(d)?;
        let r = with_listener_spec!(self.client.create_listener(), spec)
            .load_balancer_arn(d.str("load_balancer_arn")?)
            .set_tags(elb_tags(d)?)
            .send()
            .await
            .op("CreateListener")?;
        let arn = r.listeners().first().and_then(|l| l.listener_arn());
        Ok(Elbv2::listener_attrs(arn.ok_or_else(|| {
            empty_answer("CreateListener", "listener")
        })?))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let arn = attr(a, "arn")?;
        let Some(l) = self.listener(arn).await? else {
            return Ok(None);
        };
        self.port_read(arn, l.port(), l.protocol()).await
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        let l = self.listener(arn).await?;
        let l = l.ok_or_else(|| not_visible("DescribeListeners", arn))?;
        let spec = ListenerSpec::of(d)?;
        if spec.differs(&l) {
            let r = with_listener_spec!(self.client.modify_listener(), spec);
            r.listener_arn(arn).send().await.op("ModifyListener")?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, arn, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        absent_ok(
            self.client
                .delete_listener()
                .listener_arn(arn)
                .send()
                .await
                .op("DeleteListener"),
        )?;
        let exists = || async { Ok(self.listener(arn).await?.is_some()) };
        until_gone(arn, GONE_WITHIN, exists).await
    }
}
