//! The environment's CloudTrail trail, found by its unique name, and kept logging.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types::{Tag, Trail};
use aws_sdk_cloudtrail::Client;
use serde_json::Value as Json;

use super::not_visible;
use super::{absent_ok, attr, attrs, built, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::tags::{self, Tagging};

const KIND: &str = "aws_cloudtrail";

super::service_driver!(CloudTrail, Client, [KIND]);
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
        let name = t.name().unwrap_or("").to_string();
        attrs([
            ("id", name.clone()),
            ("name", name),
            ("arn", t.trail_arn().unwrap_or("").to_string()),
        ])
    }

    async fn find_kind(&self, d: &Desired<'_>) -> Found {
        Ok(self
            .trail(d.str("name")?)
            .await?
            .as_ref()
            .map(Self::attrs_of))
    }

    async fn ensure_kind(&self, d: &Desired<'_>, _existing: Option<&Attrs>) -> Ensured {
        let name = d.str("name")?;
        let text = |k: &str| d.opt_str(k).map(str::to_string);
        // CreateTrail and UpdateTrail take the same settings, on builders of different types.
        macro_rules! with_settings {
            ($call:expr) => {
                $call
                    .name(name)
                    .s3_bucket_name(d.str("s3_bucket_name")?)
                    .set_s3_key_prefix(text("s3_key_prefix"))
                    .set_is_multi_region_trail(d.bool("is_multi_region_trail"))
                    .set_include_global_service_events(d.bool("include_global_service_events"))
                    .set_enable_log_file_validation(d.bool("enable_log_file_validation"))
                    .set_kms_key_id(text("kms_key_id"))
                    .set_cloud_watch_logs_log_group_arn(text("cloud_watch_logs_group_arn"))
                    .set_cloud_watch_logs_role_arn(text("cloud_watch_logs_role_arn"))
                    .set_sns_topic_name(text("sns_topic_name"))
            };
        }
        let trail = match self.trail(name).await? {
            None => {
                with_settings!(self.client.create_trail())
                    .set_tags_list(Some(tags::sdk(&d.tags())?))
                    .send()
                    .await
                    .op("CreateTrail")?;
                self.trail(name).await?
            }
            Some(t) => {
                // UpdateTrail sets every argument given, so it converges whatever changed.
                with_settings!(self.client.update_trail())
                    .send()
                    .await
                    .op("UpdateTrail")?;
                let arn = t.trail_arn().unwrap_or("").to_string();
                tags::sync(&self.reads, &self.client, &arn, &d.tags()).await?;
                Some(t)
            }
        };
        let trail = trail.ok_or_else(|| not_visible("GetTrail", name))?;
        let want = d.bool("enable_logging").unwrap_or(true);
        if self.logging(name).await? != want {
            if want {
                self.client
                    .start_logging()
                    .name(name)
                    .send()
                    .await
                    .op("StartLogging")?;
            } else {
                self.client
                    .stop_logging()
                    .name(name)
                    .send()
                    .await
                    .op("StopLogging")?;
            }
        }
        Ok(Self::attrs_of(&trail))
    }

    async fn read_kind(&self, _kind: &str, a: &Attrs) -> Observed {
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

    async fn delete_kind(&self, _kind: &str, a: &Attrs) -> Result<(), CallError> {
        absent_ok(
            self.client
                .delete_trail()
                .name(attr(a, "name")?)
                .send()
                .await
                .op("DeleteTrail"),
        )?;
        Ok(())
    }
}
