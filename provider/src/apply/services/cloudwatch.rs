//! CloudWatch metric alarms, found by their unique name. `PutMetricAlarm` creates or replaces an
//! alarm whole, so every argument but the name changes in place.
//!
//! The crate stays at `aws-sdk-cloudwatch = "=1.99.0"`: later versions speak CBOR, which the
//! moto server does not understand (see `docs/aws-emulator-gaps.md`).

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag};
use aws_sdk_cloudwatch::Client;
use serde_json::Value as Json;

use super::not_visible;
use super::{absent_ok, attr, named, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

const KIND: &str = "aws_cloudwatch_metric_alarm";

super::service_client!(CloudWatch, Client);
resources!(CloudWatch, { KIND => CloudwatchMetricAlarm });
super::sdk_tag!(Tag, infallible);
tags::tagging!(list Client, Tag, resource_arn;
    list_tags_for_resource "ListTagsForResource" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

impl CloudWatch {
    async fn alarm(&self, name: &str) -> Result<Option<MetricAlarm>, CallError> {
        let r = self
            .reads
            .describe_alarms()
            .alarm_names(name)
            .send()
            .await
            .op("DescribeAlarms")?;
        Ok(r.metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some(name))
            .cloned())
    }

    fn attrs_of(a: &MetricAlarm) -> Attrs {
        named(a.alarm_name(), a.alarm_arn())
    }

    /// PutMetricAlarm, which creates or replaces the whole alarm.
    async fn put(&self, d: &Desired<'_>) -> Result<(), CallError> {
        let dimensions: Vec<Dimension> = d
            .get("dimensions")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some(Dimension::builder().name(k).value(v.as_str()?).build()))
            .collect();
        let number = |k: &str| {
            d.get(k)
                .and_then(Json::as_f64)
                .ok_or_else(|| CallError::bad_value(d.address, k, "must be a number"))
        };
        self.client
            .put_metric_alarm()
            .alarm_name(d.str("alarm_name")?)
            .set_alarm_description(d.opt_str("alarm_description").map(str::to_string))
            .namespace(d.str("namespace")?)
            .metric_name(d.str("metric_name")?)
            .statistic(Statistic::from(d.str("statistic")?))
            .period(number("period")? as i32)
            .evaluation_periods(number("evaluation_periods")? as i32)
            .threshold(number("threshold")?)
            .comparison_operator(ComparisonOperator::from(d.str("comparison_operator")?))
            .set_treat_missing_data(d.opt_str("treat_missing_data").map(str::to_string))
            .set_dimensions(Some(dimensions))
            .set_alarm_actions(Some(d.strings("alarm_actions")))
            .set_ok_actions(Some(d.strings("ok_actions")))
            // Tags given here apply on creation only; an update goes through TagResource.
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("PutMetricAlarm")?;
        Ok(())
    }
}

impl Resource for CloudwatchMetricAlarm<'_> {
    const KEYS: &'static [&'static str] =
        &["tags", "alarm_description", "period", "evaluation_periods"];
    /// The rest of the definition is put whole on every apply, as PutMetricAlarm takes it.
    const UNREAD: &'static [&'static str] = &["definition"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let alarm = self.alarm(d.str("alarm_name")?).await?;
        Ok(alarm.as_ref().map(CloudWatch::attrs_of))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.put(d).await?;
        let name = d.str("alarm_name")?;
        let alarm = self.alarm(name).await?;
        let alarm = alarm.ok_or_else(|| not_visible("DescribeAlarms", name))?;
        Ok(CloudWatch::attrs_of(&alarm))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(alarm) = self.alarm(attr(a, "name")?).await? else {
            return Ok(None);
        };
        let tags = self
            .reads
            .read_tags(alarm.alarm_arn().unwrap_or(""))
            .await?;
        let int = |v: Option<i32>| v.map(Json::from).unwrap_or(Json::Null);
        let text = alarm.alarm_description().map(Json::from);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("alarm_description", text.unwrap_or(Json::Null)),
            ("period", int(alarm.period())),
            ("evaluation_periods", int(alarm.evaluation_periods())),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        if changed.iter().any(|k| *k != "tags") {
            self.put(d).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_alarms().alarm_names(attr(a, "name")?);
        absent_ok(r.send().await.op("DeleteAlarms"))?;
        Ok(())
    }
}
