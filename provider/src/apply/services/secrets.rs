//! The application's Secrets Manager secret: created without a value (the application writes
//! it), so no secret ever passes through Terraform or its state.

use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use serde_json::Value as Json;

use super::{absent_ok, attrs, not_visible, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags;

const KIND: &str = "aws_secretsmanager_secret";

super::service_client!(Secrets, Client);
resources!(Secrets, { KIND => SecretsmanagerSecret });
super::sdk_tag!(Tag, infallible);
tags::tagging!(list Client, Tag, secret_id;
    describe_secret "DescribeSecret" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

/// The state's ARN; an empty one is a secret that is not there.
fn arn_of(a: &Attrs) -> &str {
    a.get("arn").map(String::as_str).unwrap_or("")
}

type Described = aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;

impl Secrets {
    async fn describe(&self, id: &str) -> Result<Option<Described>, CallError> {
        let r = self.reads.describe_secret().secret_id(id).send().await;
        absent_ok(r.op("DescribeSecret"))
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

impl Resource for SecretsmanagerSecret<'_> {
    const KEYS: &'static [&'static str] = &["tags", "description", "kms_key_id"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        Ok(self
            .describe(d.str("name")?)
            .await?
            .filter(|s| s.deleted_date().is_none())
            .map(|s| Secrets::attrs_of(&s, Some(d), None)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let c = &self.client;
        let name = d.str("name")?;
        if self.describe(name).await?.is_some() {
            // Destroyed with a recovery window: take it back rather than fail on the name.
            let r = c.restore_secret().secret_id(name).send().await;
            r.op("RestoreSecret")?;
        } else {
            c.create_secret()
                .name(name)
                .set_description(d.opt_str("description").map(str::to_string))
                .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
                .set_tags(Some(tags::sdk(&d.tags())?))
                .send()
                .await
                .op("CreateSecret")?;
        }
        let found = self.describe(name).await?;
        let s = found.ok_or_else(|| not_visible("DescribeSecret", name))?;
        Ok(Secrets::attrs_of(&s, Some(d), None))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(s) = self.describe(arn_of(a)).await? else {
            return Ok(None);
        };
        if s.deleted_date().is_some() {
            return Ok(None);
        }
        let text = |v: Option<&str>| v.map(Json::from).unwrap_or(Json::Null);
        Ok(Some(observed([
            ("tags", tag_map(tags::read(s.tags()))),
            ("description", text(s.description())),
            ("kms_key_id", text(s.kms_key_id())),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let c = &self.client;
        if changed.contains(&"tags") {
            tags::sync(&self.reads, c, arn_of(a), &d.tags()).await?;
        }
        if changed.iter().any(|k| *k != "tags") {
            let update = c.update_secret().secret_id(arn_of(a));
            let r = update
                .set_description(d.opt_str("description").map(str::to_string))
                .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string));
            r.send().await.op("UpdateSecret")?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let window: i64 = a
            .get("recovery_window_in_days")
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        let call = self.client.delete_secret().secret_id(arn_of(a));
        let call = if window == 0 {
            call.force_delete_without_recovery(true)
        } else {
            call.recovery_window_in_days(window)
        };
        absent_ok(call.send().await.op("DeleteSecret"))?;
        Ok(())
    }
}
