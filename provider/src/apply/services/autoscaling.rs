//! Application Auto Scaling for the ECS service: its scalable target (found by namespace,
//! resource id and dimension, which identify a target) and its target-tracking policy (found by
//! name on that target: policies carry no tags).
//!
//! The target's tags are set when it is registered and never read back: moto implements neither
//! TagResource nor ListTagsForResource for this service, so a change of tags replaces the target
//! (see `kinds`) rather than retagging it in place.

use std::collections::HashMap;

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTarget,
    ScalingPolicy, ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_applicationautoscaling::Client;
use serde_json::Value as Json;

use super::{absent_ok, attr, attrs, built, not_visible, observed, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Fields, Found, Observed};
use crate::apply::pages;
use crate::apply::resource::{resources, Resource};

const TARGET: &str = "aws_appautoscaling_target";
const POLICY: &str = "aws_appautoscaling_policy";

/// Application Auto Scaling refuses a change while another one on the same target is in
/// flight: worth retrying.
fn settling(e: CallError) -> CallError {
    e.transient_on(&["ConcurrentUpdateException"])
}

/// What identifies a scalable target, and the policies on it.
struct Key<'a> {
    namespace: &'a str,
    resource_id: &'a str,
    dimension: &'a str,
}

impl<'a> Key<'a> {
    fn of(d: &Desired<'a>) -> Result<Key<'a>, CallError> {
        Ok(Key {
            namespace: d.str("service_namespace")?,
            resource_id: d.str("resource_id")?,
            dimension: d.str("scalable_dimension")?,
        })
    }

    fn from_state(a: &'a Attrs) -> Result<Key<'a>, CallError> {
        Ok(Key {
            namespace: attr(a, "service_namespace")?,
            resource_id: attr(a, "resource_id")?,
            dimension: attr(a, "scalable_dimension")?,
        })
    }

    fn namespace(&self) -> ServiceNamespace {
        ServiceNamespace::from(self.namespace)
    }

    fn dimension(&self) -> ScalableDimension {
        ScalableDimension::from(self.dimension)
    }

    fn attrs(&self) -> Attrs {
        attrs([
            ("service_namespace", self.namespace.to_string()),
            ("resource_id", self.resource_id.to_string()),
            ("scalable_dimension", self.dimension.to_string()),
        ])
    }
}

fn target_attrs(k: &Key<'_>, t: &ScalableTarget) -> Attrs {
    let mut a = k.attrs();
    a.insert("id".into(), t.resource_id().to_string());
    if let Some(arn) = t.scalable_target_arn() {
        a.insert("arn".into(), arn.to_string());
    }
    a
}

fn policy_attrs(k: &Key<'_>, name: &str, arn: &str, policy_type: &str) -> Attrs {
    let mut a = k.attrs();
    a.insert("id".into(), name.to_string());
    a.insert("name".into(), name.to_string());
    a.insert("arn".into(), arn.to_string());
    a.insert("policy_type".into(), policy_type.to_string());
    a
}

/// True when a block the topology may carry is present and says something.
fn given(d: &Desired<'_>, k: &str) -> bool {
    d.get(k)
        .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
}

/// The desired target-tracking configuration, from the hashicorp/aws block.
fn tracking(
    d: &Desired<'_>,
) -> Result<Option<TargetTrackingScalingPolicyConfiguration>, CallError> {
    const KEY: &str = "target_tracking_scaling_policy_configuration";
    let Some(b) = d.block(KEY) else {
        return Ok(None);
    };
    if b.get("customized_metric_specification")
        .and_then(Json::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return Err(CallError::bad_value(
            d.address,
            KEY,
            "has a customized_metric_specification, which this driver does not register",
        ));
    }
    let target_value = b
        .get("target_value")
        .and_then(Json::as_f64)
        .ok_or_else(|| CallError::bad_value(d.address, KEY, "needs a numeric target_value"))?;
    let metric = match b.first("predefined_metric_specification") {
        None => None,
        Some(m) => Some(built(
            PredefinedMetricSpecification::builder()
                .set_predefined_metric_type(
                    m.string("predefined_metric_type").map(MetricType::from),
                )
                .set_resource_label(m.string("resource_label").map(str::to_string))
                .build(),
            KEY,
        )?),
    };
    Ok(Some(built(
        TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(target_value)
            .set_predefined_metric_specification(metric)
            .set_scale_in_cooldown(b.int32("scale_in_cooldown"))
            .set_scale_out_cooldown(b.int32("scale_out_cooldown"))
            .set_disable_scale_in(b.flag("disable_scale_in"))
            .build(),
        KEY,
    )?))
}

/// True when the policy in AWS already does what the configuration says. What the
/// configuration leaves out (a cooldown) is AWS's to choose.
fn same_tracking(
    want: &TargetTrackingScalingPolicyConfiguration,
    got: &TargetTrackingScalingPolicyConfiguration,
) -> bool {
    let metric = |c: &TargetTrackingScalingPolicyConfiguration| {
        c.predefined_metric_specification().map(|m| {
            (
                m.predefined_metric_type().as_str().to_string(),
                m.resource_label().map(str::to_string),
            )
        })
    };
    (want.target_value() - got.target_value()).abs() < 1e-9
        && (want.scale_in_cooldown().is_none()
            || want.scale_in_cooldown() == got.scale_in_cooldown())
        && (want.scale_out_cooldown().is_none()
            || want.scale_out_cooldown() == got.scale_out_cooldown())
        && want.disable_scale_in().unwrap_or(false) == got.disable_scale_in().unwrap_or(false)
        && metric(want) == metric(got)
}

super::service_client!(AppAutoScaling, Client);
resources!(AppAutoScaling, { TARGET => AppautoscalingTarget, POLICY => AppautoscalingPolicy });

impl AppAutoScaling {
    async fn target(&self, k: &Key<'_>) -> Result<Option<ScalableTarget>, CallError> {
        let call = self
            .reads
            .describe_scalable_targets()
            .service_namespace(k.namespace());
        let call = call
            .resource_ids(k.resource_id)
            .scalable_dimension(k.dimension());
        pages::find(
            call.into_paginator().send(),
            "DescribeScalableTargets",
            |p| p.scalable_targets(),
            |t| t.resource_id() == k.resource_id && t.scalable_dimension().as_str() == k.dimension,
        )
        .await
    }

    /// The named policy on the target. The name filter is repeated in our code: moto ignores
    /// `PolicyNames` and matches the resource id as a substring.
    async fn policy(&self, k: &Key<'_>, name: &str) -> Result<Option<ScalingPolicy>, CallError> {
        let call = self.reads.describe_scaling_policies().policy_names(name);
        let call = call
            .service_namespace(k.namespace())
            .resource_id(k.resource_id);
        pages::find(
            call.scalable_dimension(k.dimension())
                .into_paginator()
                .send(),
            "DescribeScalingPolicies",
            |p| p.scaling_policies(),
            |p| {
                p.policy_name() == name
                    && p.resource_id() == k.resource_id
                    && p.scalable_dimension().as_str() == k.dimension
            },
        )
        .await
    }

    async fn register(
        &self,
        k: &Key<'_>,
        min: Option<i32>,
        max: Option<i32>,
        tags: Option<HashMap<String, String>>,
    ) -> Result<(), CallError> {
        self.client
            .register_scalable_target()
            .service_namespace(k.namespace())
            .resource_id(k.resource_id)
            .scalable_dimension(k.dimension())
            .set_min_capacity(min)
            .set_max_capacity(max)
            .set_tags(tags)
            .send()
            .await
            .op("RegisterScalableTarget")
            .map_err(settling)?;
        Ok(())
    }

    /// PutScalingPolicy creates or replaces the policy of that name on the target.
    async fn put_policy(&self, d: &Desired<'_>) -> Ensured {
        let (k, name) = (Key::of(d)?, d.str("name")?);
        if given(d, "step_scaling_policy_configuration") {
            return Err(CallError::bad_value(
                d.address,
                "step_scaling_policy_configuration",
                "is not registered by this driver",
            ));
        }
        // AWS's own default when the type is left out.
        let policy_type = d.opt_str("policy_type").unwrap_or("StepScaling");
        let r = self
            .client
            .put_scaling_policy()
            .policy_name(name)
            .service_namespace(k.namespace())
            .resource_id(k.resource_id)
            .scalable_dimension(k.dimension())
            .policy_type(PolicyType::from(policy_type))
            .set_target_tracking_scaling_policy_configuration(tracking(d)?)
            .send()
            .await
            .op("PutScalingPolicy")
            .map_err(settling)?;
        Ok(policy_attrs(&k, name, r.policy_arn(), policy_type))
    }
}

/// Registering again is how a target changes; tags apply at creation only.
impl Resource for AppautoscalingTarget<'_> {
    const KEYS: &'static [&'static str] = &["min_capacity", "max_capacity"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let k = Key::of(d)?;
        Ok(self.target(&k).await?.map(|t| target_attrs(&k, &t)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let k = Key::of(d)?;
        let (min, max) = (d.int32("min_capacity")?, d.int32("max_capacity")?);
        let tags: HashMap<String, String> = d.tags().into_iter().collect();
        self.register(&k, min, max, (!tags.is_empty()).then_some(tags))
            .await?;
        let t = self.target(&k).await?;
        let t = t.ok_or_else(|| not_visible("DescribeScalableTargets", k.resource_id))?;
        Ok(target_attrs(&k, &t))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(t) = self.target(&Key::from_state(a)?).await? else {
            return Ok(None);
        };
        Ok(Some(observed([
            ("min_capacity", Json::from(t.min_capacity())),
            ("max_capacity", Json::from(t.max_capacity())),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, _a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        let (min, max) = (d.int32("min_capacity")?, d.int32("max_capacity")?);
        self.register(&Key::of(d)?, min, max, None).await
    }

    /// Looked up first: moto answers a missing target with a ValidationException (AWS:
    /// ObjectNotFoundException), which would otherwise read as a real failure.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let k = Key::from_state(a)?;
        if self.target(&k).await?.is_none() {
            return Ok(());
        }
        let r = self
            .client
            .deregister_scalable_target()
            .service_namespace(k.namespace());
        let r = r
            .resource_id(k.resource_id)
            .scalable_dimension(k.dimension());
        absent_ok(
            r.send()
                .await
                .op("DeregisterScalableTarget")
                .map_err(settling),
        )?;
        Ok(())
    }
}

impl Resource for AppautoscalingPolicy<'_> {
    const KEYS: &'static [&'static str] = &["policy_type"];
    /// The tracking configuration, compared by `same_tracking` (AWS fills in what it defaults).
    const UNREAD: &'static [&'static str] = &["target_tracking_scaling_policy_configuration"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (k, name) = (Key::of(d)?, d.str("name")?);
        let p = self.policy(&k, name).await?;
        Ok(p.map(|p| policy_attrs(&k, name, p.policy_arn(), p.policy_type().as_str())))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.put_policy(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(p) = self.policy(&Key::from_state(a)?, attr(a, "name")?).await? else {
            return Ok(None);
        };
        Ok(Some(observed([(
            "policy_type",
            Json::from(p.policy_type().as_str()),
        )])))
    }

    async fn update(&self, d: &Desired<'_>, _a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let current = self.policy(&Key::of(d)?, d.str("name")?).await?;
        let tracking = tracking(d)?;
        let same = current.as_ref().is_some_and(|p| {
            match (&tracking, p.target_tracking_scaling_policy_configuration()) {
                (Some(w), Some(g)) => same_tracking(w, g),
                (None, None) => true,
                _ => false,
            }
        });
        if !same || changed.contains(&"policy_type") {
            self.put_policy(d).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let (k, name) = (Key::from_state(a)?, attr(a, "name")?);
        if self.policy(&k, name).await?.is_none() {
            return Ok(());
        }
        let r = self.client.delete_scaling_policy().policy_name(name);
        let r = r
            .service_namespace(k.namespace())
            .resource_id(k.resource_id);
        let r = r.scalable_dimension(k.dimension()).send().await;
        absent_ok(r.op("DeleteScalingPolicy").map_err(settling))?;
        Ok(())
    }
}
