//! CloudWatch metric alarms, found by their unique name. `PutMetricAlarm` creates or replaces an
//! alarm whole, so every argument but the name changes in place.
//!
//! The crate stays at `aws-sdk-cloudwatch = "=1.99.0"`: later versions speak CBOR, which the
//! moto server does not understand (see `docs/aws-emulator-gaps.md`).

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag};
use aws_sdk_cloudwatch::Client;
use serde_json::{Map, Value as Json};

use super::{
    absent_ok, attr, attrs, observed, stale_keys, tag_map, tags_missing, unsupported, Call,
};
use crate::apply::driver::{Attrs, CallError, Desired, ErrorClass};

const KIND: &str = "aws_cloudwatch_metric_alarm";

pub struct CloudWatch {
    client: Client,
    reads: Client,
}

impl CloudWatch {
    pub fn new(client: Client, reads: Client) -> CloudWatch {
        CloudWatch { client, reads }
    }

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

    async fn tags(
        &self,
        arn: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, CallError> {
        let r = self
            .reads
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .op("ListTagsForResource")?;
        Ok(r.tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect())
    }

    fn attrs_of(a: &MetricAlarm) -> Attrs {
        let name = a.alarm_name().unwrap_or("").to_string();
        attrs([
            ("id", name.clone()),
            ("name", name),
            ("arn", a.alarm_arn().unwrap_or("").to_string()),
        ])
    }

    async fn find_kind(&self, d: &Desired<'_>) -> Result<Option<Attrs>, CallError> {
        if d.kind != KIND {
            return Err(unsupported(d.kind));
        }
        Ok(self
            .alarm(d.str("alarm_name")?)
            .await?
            .as_ref()
            .map(Self::attrs_of))
    }

    async fn ensure_kind(
        &self,
        d: &Desired<'_>,
        _existing: Option<&Attrs>,
    ) -> Result<Attrs, CallError> {
        if d.kind != KIND {
            return Err(unsupported(d.kind));
        }
        let name = d.str("alarm_name")?;
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
        let tags: Vec<Tag> = d
            .tags()
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        self.client
            .put_metric_alarm()
            .alarm_name(name)
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
            // Tags given here apply on creation only; an update goes through TagResource below.
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .op("PutMetricAlarm")?;
        let alarm = self.alarm(name).await?.ok_or_else(|| {
            CallError::new(
                "DescribeAlarms",
                "NotVisible",
                format!("{name} was put but is not described yet"),
                ErrorClass::Transient,
            )
        })?;
        let arn = alarm.alarm_arn().unwrap_or("").to_string();
        let current = self.tags(&arn).await?;
        let stale = stale_keys(&current, &d.tags());
        if !stale.is_empty() {
            self.client
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .op("UntagResource")?;
        }
        if tags_missing(&current, &d.tags()) {
            self.client
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags))
                .send()
                .await
                .op("TagResource")?;
        }
        Ok(Self::attrs_of(&alarm))
    }

    async fn read_kind(
        &self,
        kind: &str,
        a: &Attrs,
    ) -> Result<Option<Map<String, Json>>, CallError> {
        if kind != KIND {
            return Err(unsupported(kind));
        }
        let Some(alarm) = self.alarm(attr(a, "name")?).await? else {
            return Ok(None);
        };
        let tags = self.tags(alarm.alarm_arn().unwrap_or("")).await?;
        let int = |v: Option<i32>| v.map(Json::from).unwrap_or(Json::Null);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            (
                "alarm_description",
                alarm
                    .alarm_description()
                    .map(Json::from)
                    .unwrap_or(Json::Null),
            ),
            ("period", int(alarm.period())),
            ("evaluation_periods", int(alarm.evaluation_periods())),
        ])))
    }

    async fn delete_kind(&self, kind: &str, a: &Attrs) -> Result<(), CallError> {
        if kind != KIND {
            return Err(unsupported(kind));
        }
        absent_ok(
            self.client
                .delete_alarms()
                .alarm_names(attr(a, "name")?)
                .send()
                .await
                .op("DeleteAlarms"),
        )?;
        Ok(())
    }
}

delegate_driver!(CloudWatch);
