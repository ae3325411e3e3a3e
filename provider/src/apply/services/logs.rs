//! CloudWatch log groups: found by their unique name.

use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_cloudwatchlogs::Client;
use serde_json::Value as Json;

use super::{absent_ok, attrs, not_visible, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::pages;
use crate::apply::tags::{self, Tagging};

const KIND: &str = "aws_cloudwatch_log_group";

super::service_driver!(Logs, Client, [KIND]);
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
        let name = g.log_group_name().unwrap_or("").to_string();
        attrs([
            ("id", name.clone()),
            ("name", name),
            ("arn", bare_arn(g.arn().unwrap_or(""))),
        ])
    }

    async fn find_kind(&self, d: &Desired<'_>) -> Found {
        let group = self.group(d.str("name")?).await?;
        Ok(group.as_ref().map(Self::attrs_of))
    }

    async fn ensure_kind(&self, d: &Desired<'_>, _existing: Option<&Attrs>) -> Ensured {
        let c = &self.client;
        let name = d.str("name")?;
        let key = d.opt_str("kms_key_id");
        let group = match self.group(name).await? {
            Some(g) => {
                if g.kms_key_id() != key {
                    match key {
                        Some(k) => {
                            let r = c.associate_kms_key().log_group_name(name).kms_key_id(k);
                            r.send().await.op("AssociateKmsKey")?;
                        }
                        None => {
                            let r = c.disassociate_kms_key().log_group_name(name);
                            r.send().await.op("DisassociateKmsKey")?;
                        }
                    }
                }
                tags::sync(&self.reads, c, &bare_arn(g.arn().unwrap_or("")), &d.tags()).await?;
                g
            }
            None => {
                c.create_log_group()
                    .log_group_name(name)
                    .set_kms_key_id(key.map(str::to_string))
                    .set_tags(Some(tags::to_map(&d.tags())?))
                    .send()
                    .await
                    .op("CreateLogGroup")?;
                let found = self.group(name).await?;
                found.ok_or_else(|| not_visible("DescribeLogGroups", name))?
            }
        };
        match d.int("retention_in_days").filter(|n| *n > 0) {
            Some(days) => {
                let r = c.put_retention_policy().log_group_name(name);
                r.retention_in_days(days as i32)
                    .send()
                    .await
                    .op("PutRetentionPolicy")?;
            }
            None => {
                let r = c.delete_retention_policy().log_group_name(name);
                r.send().await.op("DeleteRetentionPolicy")?;
            }
        }
        Ok(Self::attrs_of(&group))
    }

    async fn read_kind(&self, _kind: &str, a: &Attrs) -> Observed {
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

    async fn delete_kind(&self, _kind: &str, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_log_group().log_group_name(name_of(a));
        absent_ok(r.send().await.op("DeleteLogGroup"))?;
        Ok(())
    }
}
