//! CloudWatch log groups: found by their unique name.

use aws_sdk_cloudwatchlogs::Client;
use serde_json::{Map, Value as Json};

use super::{absent_ok, attrs, observed, stale_keys, tag_map, unsupported, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Driver, ErrorClass, Fut};

pub struct Logs {
    client: Client,
    /// The same service for calls that only read: the SDK retries those itself.
    reads: Client,
}

/// Log group ARNs as hashicorp/aws gives them: without the `:*` that DescribeLogGroups adds.
fn bare_arn(arn: &str) -> String {
    arn.strip_suffix(":*").unwrap_or(arn).to_string()
}

impl Logs {
    pub fn new(client: Client, reads: Client) -> Logs {
        Logs { client, reads }
    }

    async fn group(
        &self,
        name: &str,
    ) -> Result<Option<aws_sdk_cloudwatchlogs::types::LogGroup>, CallError> {
        // A prefix matches other groups too (`/aws/lambda/x` and `/aws/lambda/x-y`), and the
        // answer comes in pages: every page is read until the group is found.
        let mut pages = self
            .reads
            .describe_log_groups()
            .log_group_name_prefix(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.op("DescribeLogGroups")?;
            if let Some(g) = page
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(name))
            {
                return Ok(Some(g.clone()));
            }
        }
        Ok(None)
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
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    fn attrs_of(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> Attrs {
        let name = g.log_group_name().unwrap_or("").to_string();
        attrs([
            ("id", name.clone()),
            ("name", name),
            ("arn", bare_arn(g.arn().unwrap_or(""))),
        ])
    }
}

impl Driver for Logs {
    fn find<'a>(&'a self, d: &'a Desired<'a>) -> Fut<'a, Option<Attrs>> {
        Box::pin(async move {
            if d.kind != "aws_cloudwatch_log_group" {
                return Err(unsupported(d.kind));
            }
            Ok(self
                .group(d.str("name")?)
                .await?
                .as_ref()
                .map(Self::attrs_of))
        })
    }

    fn ensure<'a>(&'a self, d: &'a Desired<'a>, _existing: Option<&'a Attrs>) -> Fut<'a, Attrs> {
        Box::pin(async move {
            if d.kind != "aws_cloudwatch_log_group" {
                return Err(unsupported(d.kind));
            }
            let c = &self.client;
            let name = d.str("name")?;
            let group = match self.group(name).await? {
                Some(g) => {
                    let arn = bare_arn(g.arn().unwrap_or(""));
                    if g.kms_key_id() != d.opt_str("kms_key_id") {
                        match d.opt_str("kms_key_id") {
                            Some(k) => {
                                c.associate_kms_key()
                                    .log_group_name(name)
                                    .kms_key_id(k)
                                    .send()
                                    .await
                                    .op("AssociateKmsKey")?;
                            }
                            None => {
                                c.disassociate_kms_key()
                                    .log_group_name(name)
                                    .send()
                                    .await
                                    .op("DisassociateKmsKey")?;
                            }
                        }
                    }
                    let stale = stale_keys(&self.tags(&arn).await?, &d.tags());
                    if !stale.is_empty() {
                        c.untag_resource()
                            .resource_arn(&arn)
                            .set_tag_keys(Some(stale))
                            .send()
                            .await
                            .op("UntagResource")?;
                    }
                    c.tag_resource()
                        .resource_arn(&arn)
                        .set_tags(Some(d.tags().into_iter().collect()))
                        .send()
                        .await
                        .op("TagResource")?;
                    g
                }
                None => {
                    c.create_log_group()
                        .log_group_name(name)
                        .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
                        .set_tags(Some(d.tags().into_iter().collect()))
                        .send()
                        .await
                        .op("CreateLogGroup")?;
                    self.group(name).await?.ok_or_else(|| {
                        CallError::new(
                            "CreateLogGroup",
                            "NotVisible",
                            format!("{name} was created but is not listed yet"),
                            ErrorClass::Transient,
                        )
                    })?
                }
            };
            match d.int("retention_in_days").filter(|n| *n > 0) {
                Some(days) => {
                    c.put_retention_policy()
                        .log_group_name(name)
                        .retention_in_days(days as i32)
                        .send()
                        .await
                        .op("PutRetentionPolicy")?;
                }
                None => {
                    c.delete_retention_policy()
                        .log_group_name(name)
                        .send()
                        .await
                        .op("DeleteRetentionPolicy")?;
                }
            }
            Ok(Self::attrs_of(&group))
        })
    }

    fn read_one<'a>(&'a self, kind: &'a str, a: &'a Attrs) -> Fut<'a, Option<Map<String, Json>>> {
        Box::pin(async move {
            if kind != "aws_cloudwatch_log_group" {
                return Err(unsupported(kind));
            }
            let name = a.get("name").map(String::as_str).unwrap_or("");
            let Some(g) = self.group(name).await? else {
                return Ok(None);
            };
            let tags = self.tags(&bare_arn(g.arn().unwrap_or(""))).await?;
            Ok(Some(observed([
                ("tags", tag_map(tags)),
                (
                    "retention_in_days",
                    g.retention_in_days().map(Json::from).unwrap_or(Json::Null),
                ),
                (
                    "kms_key_id",
                    g.kms_key_id().map(Json::from).unwrap_or(Json::Null),
                ),
            ])))
        })
    }

    fn delete<'a>(&'a self, kind: &'a str, a: &'a Attrs) -> Fut<'a, ()> {
        Box::pin(async move {
            if kind != "aws_cloudwatch_log_group" {
                return Err(unsupported(kind));
            }
            let name = a.get("name").map(String::as_str).unwrap_or("");
            absent_ok(
                self.client
                    .delete_log_group()
                    .log_group_name(name)
                    .send()
                    .await
                    .op("DeleteLogGroup"),
            )?;
            Ok(())
        })
    }
}
