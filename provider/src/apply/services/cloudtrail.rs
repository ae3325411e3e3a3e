//! The environment's CloudTrail trail, found by its unique name, and kept logging.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types::{Tag, Trail};
use aws_sdk_cloudtrail::Client;
use serde_json::Value as Json;

use super::not_visible;
use super::{absent_ok, attr, built, named, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

const KIND: &str = "aws_cloudtrail";

super::service_client!(CloudTrail, Client);
resources!(CloudTrail, { KIND => Cloudtrail });
super::sdk_tag!(Tag, fallible);

/// Trails: ListTags answers per resource, and RemoveTags takes tags (keys only).
impl Tagging for Client {
    async fn read_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, CallError> {
        let r = self
            .list_tags()
            .resource_id_list(arn)
            .send()
            .await
            .op("ListTags")?;
        Ok(r.resource_tag_list()
            .iter()
            .flat_map(|t| tags::read(t.tags_list()))
            .collect())
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), CallError> {
        let gone = keys
            .iter()
            .map(|k| built(Tag::builder().key(k).build(), "tags"));
        let r = self.remove_tags().resource_id(arn);
        let r = r.set_tags_list(Some(gone.collect::<Result<_, _>>()?));
        r.send().await.op("RemoveTags").map(drop)
    }
    async fn tag(&self, arn: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
        let r = self
            .add_tags()
            .resource_id(arn)
            .set_tags_list(Some(tags::sdk(&tags)?));
        r.send().await.op("AddTags").map(drop)
    }
}

impl CloudTrail {
    async fn trail(&self, name: &str) -> Result<Option<Trail>, CallError> {
        let r = absent_ok(
            self.reads
                .get_trail()
                .name(name)
                .send()
                .await
                .op("GetTrail"),
        )?;
        Ok(r.and_then(|r| r.trail().cloned()))
    }

    async fn logging(&self, name: &str) -> Result<bool, CallError> {
        let r = self
            .reads
            .get_trail_status()
            .name(name)
            .send()
            .await
            .op("GetTrailStatus")?;
        Ok(r.is_logging().unwrap_or(false))
    }

    fn attrs_of(t: &Trail) -> Attrs {
        named(t.name(), t.trail_arn())
    }
}

/// CreateTrail and UpdateTrail take the same settings, on builders of different types.
macro_rules! with_settings {
    ($call:expr, $d:expr) => {{
        let d = $d;
        let text = |k: &str| d.opt_str(k).map(str::to_string);
        $call
            .name(d.str("name")?)
            .s3_bucket_name(d.str("s3_bucket_name")?)
            .set_s3_key_prefix(text("s3_key_prefix"))
            .set_is_multi_region_trail(d.bool("is_multi_region_trail"))
            .set_include_global_service_events(d.bool("include_global_service_events"))
            .set_enable_log_file_validation(d.bool("enable_log_file_validation"))
            .set_kms_key_id(text("kms_key_id"))
            .set_cloud_watch_logs_log_group_arn(text("cloud_watch_logs_group_arn"))
            .set_cloud_watch_logs_role_arn(text("cloud_watch_logs_role_arn"))
            .set_sns_topic_name(text("sns_topic_name"))
    }};
}

impl Resource for Cloudtrail<'_> {
    const KEYS: &'static [&'static str] = &["tags", "enable_logging"];
    /// UpdateTrail sets every argument given, so one call converges whatever changed.
    const UNREAD: &'static [&'static str] = &["settings"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let trail = self.trail(d.str("name")?).await?;
        Ok(trail.as_ref().map(CloudTrail::attrs_of))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        with_settings!(self.client.create_trail(), d)
            .set_tags_list(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateTrail")?;
        let name = d.str("name")?;
        let trail = self.trail(name).await?;
        Ok(CloudTrail::attrs_of(
            &trail.ok_or_else(|| not_visible("GetTrail", name))?,
        ))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let name = attr(a, "name")?;
        let Some(t) = self.trail(name).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(t.trail_arn().unwrap_or("")).await?;
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("enable_logging", Json::Bool(self.logging(name).await?)),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let c = &self.client;
        if changed.contains(&"settings") {
            let r = with_settings!(c.update_trail(), d);
            r.send().await.op("UpdateTrail")?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, c, attr(a, "arn")?, &d.tags()).await?;
        }
        if changed.contains(&"enable_logging") {
            let name = attr(a, "name")?;
            if d.bool("enable_logging").unwrap_or(true) {
                c.start_logging()
                    .name(name)
                    .send()
                    .await
                    .op("StartLogging")?;
            } else {
                c.stop_logging().name(name).send().await.op("StopLogging")?;
            }
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_trail().name(attr(a, "name")?);
        absent_ok(r.send().await.op("DeleteTrail"))?;
        Ok(())
    }
}
