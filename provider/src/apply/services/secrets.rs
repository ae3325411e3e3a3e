//! The application's Secrets Manager secret: created without a value (the application writes
//! it), so no secret ever passes through Terraform or its state.

use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use serde_json::{Map, Value as Json};

use super::{absent_ok, attrs, observed, stale_keys, tag_map, unsupported, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Driver, ErrorClass, Fut};

pub struct Secrets {
    client: Client,
    /// The same service for calls that only read: the SDK retries those itself.
    reads: Client,
}

type Described = aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;

fn tags_of(s: &Described) -> std::collections::BTreeMap<String, String> {
    s.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

impl Secrets {
    pub fn new(client: Client, reads: Client) -> Secrets {
        Secrets { client, reads }
    }

    async fn describe(&self, id: &str) -> Result<Option<Described>, CallError> {
        absent_ok(
            self.reads
                .describe_secret()
                .secret_id(id)
                .send()
                .await
                .op("DescribeSecret"),
        )
    }

    fn attrs_of(s: &Described, d: Option<&Desired<'_>>, window: Option<String>) -> Attrs {
        let arn = s.arn().unwrap_or("").to_string();
        let window = window
            .or_else(|| {
                d.and_then(|d| d.int("recovery_window_in_days"))
                    .map(|n| n.to_string())
            })
            .unwrap_or_else(|| "30".into());
        attrs([
            ("id", arn.clone()),
            ("arn", arn),
            ("name", s.name().unwrap_or("").to_string()),
            ("recovery_window_in_days", window),
        ])
    }
}

impl Driver for Secrets {
    fn find<'a>(&'a self, d: &'a Desired<'a>) -> Fut<'a, Option<Attrs>> {
        Box::pin(async move {
            if d.kind != "aws_secretsmanager_secret" {
                return Err(unsupported(d.kind));
            }
            Ok(self
                .describe(d.str("name")?)
                .await?
                .filter(|s| s.deleted_date().is_none())
                .map(|s| Self::attrs_of(&s, Some(d), None)))
        })
    }

    fn ensure<'a>(&'a self, d: &'a Desired<'a>, _existing: Option<&'a Attrs>) -> Fut<'a, Attrs> {
        Box::pin(async move {
            if d.kind != "aws_secretsmanager_secret" {
                return Err(unsupported(d.kind));
            }
            let c = &self.client;
            let name = d.str("name")?;
            let tags: Vec<Tag> = d
                .tags()
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect();
            let s = match self.describe(name).await? {
                Some(s) => {
                    if s.deleted_date().is_some() {
                        // Destroyed with a recovery window: take it back rather than fail on the name.
                        c.restore_secret()
                            .secret_id(name)
                            .send()
                            .await
                            .op("RestoreSecret")?;
                    }
                    c.update_secret()
                        .secret_id(name)
                        .set_description(d.opt_str("description").map(str::to_string))
                        .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
                        .send()
                        .await
                        .op("UpdateSecret")?;
                    let stale = stale_keys(&tags_of(&s), &d.tags());
                    if !stale.is_empty() {
                        c.untag_resource()
                            .secret_id(name)
                            .set_tag_keys(Some(stale))
                            .send()
                            .await
                            .op("UntagResource")?;
                    }
                    c.tag_resource()
                        .secret_id(name)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .op("TagResource")?;
                    s
                }
                None => {
                    c.create_secret()
                        .name(name)
                        .set_description(d.opt_str("description").map(str::to_string))
                        .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .op("CreateSecret")?;
                    self.describe(name).await?.ok_or_else(|| {
                        CallError::new(
                            "CreateSecret",
                            "NotVisible",
                            format!("{name} is not visible yet"),
                            ErrorClass::Transient,
                        )
                    })?
                }
            };
            Ok(Self::attrs_of(&s, Some(d), None))
        })
    }

    fn read_one<'a>(&'a self, kind: &'a str, a: &'a Attrs) -> Fut<'a, Option<Map<String, Json>>> {
        Box::pin(async move {
            if kind != "aws_secretsmanager_secret" {
                return Err(unsupported(kind));
            }
            let Some(s) = self
                .describe(a.get("arn").map(String::as_str).unwrap_or(""))
                .await?
            else {
                return Ok(None);
            };
            if s.deleted_date().is_some() {
                return Ok(None);
            }
            Ok(Some(observed([
                ("tags", tag_map(tags_of(&s))),
                (
                    "description",
                    s.description().map(Json::from).unwrap_or(Json::Null),
                ),
            ])))
        })
    }

    fn delete<'a>(&'a self, kind: &'a str, a: &'a Attrs) -> Fut<'a, ()> {
        Box::pin(async move {
            if kind != "aws_secretsmanager_secret" {
                return Err(unsupported(kind));
            }
            let window: i64 = a
                .get("recovery_window_in_days")
                .and_then(|s| s.parse().ok())
                .unwrap_or(30);
            let mut call = self
                .client
                .delete_secret()
                .secret_id(a.get("arn").map(String::as_str).unwrap_or(""));
            call = if window == 0 {
                call.force_delete_without_recovery(true)
            } else {
                call.recovery_window_in_days(window)
            };
            absent_ok(call.send().await.op("DeleteSecret"))?;
            Ok(())
        })
    }
}
