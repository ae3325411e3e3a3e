//! CloudWatch log groups: found by their unique name.

use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_cloudwatchlogs::Client;
use serde_json::Value as Json;

use super::{absent_ok, attr, named, not_visible, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::pages;
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

super::service_client!(Logs, Client);
resources!(Logs, { "aws_cloudwatch_log_group" => CloudwatchLogGroup });
tags::tagging!(map Client, resource_arn;
    list_tags_for_resource "ListTagsForResource" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

/// Log group ARNs as hashicorp/aws gives them: without the `:*` that DescribeLogGroups adds.
fn bare_arn(arn: &str) -> String {
    arn.strip_suffix(":*").unwrap_or(arn).to_string()
}

/// The state's name; an empty one is a group that is not there.
fn name_of(a: &Attrs) -> &str {
    a.get("name").map(String::as_str).unwrap_or("")
}

impl Logs {
    async fn group(&self, name: &str) -> Result<Option<LogGroup>, CallError> {
        // A prefix matches other groups too (`/aws/lambda/x` and `/aws/lambda/x-y`).
        let call = self.reads.describe_log_groups().log_group_name_prefix(name);
        pages::find(
            call.into_paginator().send(),
            "DescribeLogGroups",
            |p| p.log_groups(),
            |g| g.log_group_name() == Some(name),
        )
        .await
    }

    fn attrs_of(g: &LogGroup) -> Attrs {
        named(g.log_group_name(), Some(&bare_arn(g.arn().unwrap_or(""))))
    }
}

impl Resource for CloudwatchLogGroup<'_> {
    const KEYS: &'static [&'static str] = &["tags", "retention_in_days", "kms_key_id"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let group = self.group(d.str("name")?).await?;
        Ok(group.as_ref().map(Logs::attrs_of))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("name")?;
        self.client
            .create_log_group()
            .log_group_name(name)
            .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
            .set_tags(Some(tags::to_map(&d.tags())?))
            .send()
            .await
            .op("CreateLogGroup")?;
        let found = self.group(name).await?;
        Ok(Logs::attrs_of(
            &found.ok_or_else(|| not_visible("DescribeLogGroups", name))?,
        ))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(g) = self.group(name_of(a)).await? else {
            return Ok(None);
        };
        let tags = self
            .reads
            .read_tags(&bare_arn(g.arn().unwrap_or("")))
            .await?;
        let retention = g.retention_in_days().map(Json::from).unwrap_or(Json::Null);
        let key = g.kms_key_id().map(Json::from).unwrap_or(Json::Null);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("retention_in_days", retention),
            ("kms_key_id", key),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let (c, name) = (&self.client, name_of(a));
        for key in changed {
            match *key {
                "tags" => tags::sync(&self.reads, c, attr(a, "arn")?, &d.tags()).await?,
                "retention_in_days" => match d.int("retention_in_days").filter(|n| *n > 0) {
                    Some(days) => {
                        let r = c.put_retention_policy().log_group_name(name);
                        let r = r.retention_in_days(days as i32);
                        r.send().await.op("PutRetentionPolicy")?;
                    }
                    None => {
                        let r = c.delete_retention_policy().log_group_name(name);
                        r.send().await.op("DeleteRetentionPolicy")?;
                    }
                },
                _ => match d.opt_str("kms_key_id") {
                    Some(k) => {
                        let r = c.associate_kms_key().log_group_name(name).kms_key_id(k);
                        r.send().await.op("AssociateKmsKey")?;
                    }
                    None => {
                        let r = c.disassociate_kms_key().log_group_name(name);
                        r.send().await.op("DisassociateKmsKey")?;
                    }
                },
            }
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_log_group().log_group_name(name_of(a));
        absent_ok(r.send().await.op("DeleteLogGroup"))?;
        Ok(())
    }
}
