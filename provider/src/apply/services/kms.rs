//! The environment's KMS key and its alias. Keys have no unique name, so an interrupted create
//! is found again by its tags.

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, Tag};
use aws_sdk_kms::Client;

use super::{absent_ok, attr as get, attrs, empty_answer, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

super::service_client!(Kms, Client);
resources!(Kms, { "aws_kms_key" => KmsKey, "aws_kms_alias" => KmsAlias });

fn gone(state: Option<&KeyState>) -> bool {
    matches!(
        state,
        Some(KeyState::PendingDeletion) | Some(KeyState::PendingReplicaDeletion)
    )
}

/// The tag on a key that destroy keeps: the expansion puts it where the stage keeps encrypted
/// data after the environment is gone.
pub const RETAIN_TAG: &str = "edulibra:retain-on-destroy";

/// An error that says the caller may not use the key: a key of someone else's, skipped.
fn denied(e: &CallError) -> bool {
    e.code.contains("AccessDenied") || e.code == "KMSInvalidStateException"
}

/// KMS names its tag fields `TagKey` and `TagValue`.
impl tags::SdkTag for Tag {
    fn pair(&self) -> Option<(String, String)> {
        Some((self.tag_key().to_string(), self.tag_value().to_string()))
    }
    fn of(key: &str, value: &str) -> Result<Self, CallError> {
        super::built(Tag::builder().tag_key(key).tag_value(value).build(), "tags")
    }
}
tags::tagging!(list Client, Tag, key_id;
    list_resource_tags "ListResourceTags" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

impl Kms {
    async fn key_attrs(&self, key_id: &str, d: &Desired<'_>) -> Ensured {
        let r = self
            .client
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .op("DescribeKey")?;
        let meta = r.key_metadata().ok_or_else(|| {
            CallError::new(
                "DescribeKey",
                "NoMetadata",
                "no key metadata",
                ErrorClass::Permanent,
            )
        })?;
        Ok(attrs([
            ("id", meta.key_id().to_string()),
            ("key_id", meta.key_id().to_string()),
            ("arn", meta.arn().unwrap_or("").to_string()),
            (
                "deletion_window_in_days",
                d.int("deletion_window_in_days").unwrap_or(30).to_string(),
            ),
            (
                "retain_on_destroy",
                d.tags().iter().any(|(k, _)| k == RETAIN_TAG).to_string(),
            ),
        ]))
    }

    /// The key of this child. Keys are found by their aliases first (`alias/<environment>` and
    /// the environment's other aliases): one ListAliases instead of a DescribeKey per key in the
    /// account. Only when no alias leads to it (an alias deleted, a create killed before its
    /// alias) are the account's other keys read, skipping AWS-managed keys and keys whose
    /// policy does not let the caller read them.
    async fn find_key(&self, d: &Desired<'_>) -> Result<Option<String>, CallError> {
        let mut ours = Vec::new();
        let mut skip = std::collections::BTreeSet::new();
        let mut pages = self.reads.list_aliases().into_paginator().send();
        while let Some(page) = pages.next().await {
            for a in page.op("ListAliases")?.aliases() {
                let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) else {
                    continue;
                };
                if name.starts_with("alias/aws/") {
                    skip.insert(target.to_string());
                } else if name
                    .strip_prefix("alias/")
                    .is_some_and(|n| n.starts_with(d.environment))
                {
                    ours.push(target.to_string());
                }
            }
        }
        for id in &ours {
            if self.is_this(id, d).await? {
                return Ok(Some(id.clone()));
            }
            skip.insert(id.clone());
        }
        let mut pages = self.reads.list_keys().into_paginator().send();
        while let Some(page) = pages.next().await {
            for k in page.op("ListKeys")?.keys() {
                let Some(id) = k.key_id() else { continue };
                if !skip.contains(id) && self.is_this(id, d).await? {
                    return Ok(Some(id.to_string()));
                }
            }
        }
        Ok(None)
    }

    /// True when key `id` carries this child's tags and is not on its way out. A key whose
    /// policy denies the caller is someone else's: not an error.
    async fn is_this(&self, id: &str, d: &Desired<'_>) -> Result<bool, CallError> {
        let tags = match self.reads.read_tags(id).await {
            Ok(tags) => tags,
            Err(e) if denied(&e) || e.is_not_found() => return Ok(false),
            Err(e) => return Err(e),
        };
        if !d.owns(&tags) {
            return Ok(false);
        }
        let meta = self
            .reads
            .describe_key()
            .key_id(id)
            .send()
            .await
            .op("DescribeKey")?;
        Ok(!gone(meta.key_metadata().and_then(|m| m.key_state())))
    }

    async fn alias_target(&self, name: &str) -> Result<Option<String>, CallError> {
        let mut pages = self.reads.list_aliases().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.op("ListAliases")?;
            if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(name)) {
                return Ok(Some(a.target_key_id().unwrap_or("").to_string()));
            }
        }
        Ok(None)
    }

    fn alias_attrs(name: &str, target: &str, arn: String) -> Attrs {
        attrs([
            ("id", name.to_string()),
            ("name", name.to_string()),
            ("target_key_id", target.to_string()),
            ("arn", arn),
        ])
    }
}

impl Kms {
    /// The key's metadata, unless it is gone or on its way out.
    async fn live(&self, id: &str) -> Result<Option<KeyMetadata>, CallError> {
        let r = self.reads.describe_key().key_id(id);
        let r = absent_ok(r.send().await.op("DescribeKey"))?;
        Ok(r.and_then(|r| r.key_metadata().filter(|m| !gone(m.key_state())).cloned()))
    }
}

impl Resource for KmsKey<'_> {
    const KEYS: &'static [&'static str] = &["tags", "description", "enable_key_rotation"];
    /// AWS gives the policy back rewritten, and the rotation period only with rotation on.
    const UNREAD: &'static [&'static str] = &["policy", "rotation_period_in_days"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        match self.find_key(d).await? {
            Some(id) => Ok(Some(self.key_attrs(&id, d).await?)),
            None => Ok(None),
        }
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let r = self
            .client
            .create_key()
            .set_description(d.opt_str("description").map(str::to_string))
            .key_usage(KeyUsageType::from(
                d.opt_str("key_usage").unwrap_or("ENCRYPT_DECRYPT"),
            ))
            .key_spec(KeySpec::from(
                d.opt_str("customer_master_key_spec")
                    .unwrap_or("SYMMETRIC_DEFAULT"),
            ))
            .set_policy(d.opt_str("policy").map(str::to_string))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateKey")?;
        let id = r.key_metadata().map(|m| m.key_id().to_string());
        let id = id.ok_or_else(|| empty_answer("CreateKey", d.address))?;
        self.key_attrs(&id, d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let id = get(a, "key_id")?;
        let Some(meta) = self.live(id).await? else {
            return Ok(None);
        };
        let r = self.reads.get_key_rotation_status().key_id(id);
        let rotation = r.send().await.op("GetKeyRotationStatus")?;
        Ok(Some(observed([
            ("tags", tag_map(self.client.read_tags(id).await?)),
            ("description", meta.description().unwrap_or("").into()),
            (
                "enable_key_rotation",
                rotation.key_rotation_enabled().into(),
            ),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let (c, id) = (&self.client, get(a, "key_id")?);
        if changed.contains(&"tags") {
            tags::sync(&self.reads, c, id, &d.tags()).await?;
        }
        if changed.contains(&"description") {
            let r = c.update_key_description().key_id(id);
            let r = r.description(d.opt_str("description").unwrap_or(""));
            r.send().await.op("UpdateKeyDescription")?;
        }
        if let Some(p) = d.opt_str("policy").filter(|_| changed.contains(&"policy")) {
            let r = c
                .put_key_policy()
                .key_id(id)
                .policy_name("default")
                .policy(p);
            r.send().await.op("PutKeyPolicy")?;
        }
        if changed.contains(&"enable_key_rotation") || changed.contains(&"rotation_period_in_days")
        {
            if d.bool("enable_key_rotation").unwrap_or(false) {
                let period = d.int32("rotation_period_in_days")?;
                let r = c
                    .enable_key_rotation()
                    .key_id(id)
                    .set_rotation_period_in_days(period);
                r.send().await.op("EnableKeyRotation")?;
            } else {
                let r = c.disable_key_rotation().key_id(id);
                r.send().await.op("DisableKeyRotation")?;
            }
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let id = get(a, "key_id")?;
        let window: i32 = a
            .get("deletion_window_in_days")
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        if self.live(id).await?.is_none() {
            return Ok(());
        }
        if a.get("retain_on_destroy").map(String::as_str) == Some("true") {
            // Encrypted data outlives the environment (the final database snapshot, the vault's
            // recovery points): the key stays, or they become unrestorable.
            tracing::warn!(key = id, "keeping the environment's KMS key: it encrypts the final database snapshot and retained backups (tag {RETAIN_TAG})");
            return Ok(());
        }
        // KMS keys are never deleted at once: scheduled deletion is the end of their life.
        let r = self.client.schedule_key_deletion().key_id(id);
        r.pending_window_in_days(window)
            .send()
            .await
            .op("ScheduleKeyDeletion")?;
        Ok(())
    }
}

impl Resource for KmsAlias<'_> {
    const KEYS: &'static [&'static str] = &["target_key_id"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (name, target) = (d.str("name")?, d.str("target_key_id")?);
        let found = self.alias_target(name).await?;
        Ok(found.map(|_| Kms::alias_attrs(name, target, String::new())))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (name, target) = (d.str("name")?, d.str("target_key_id")?);
        let r = self
            .client
            .create_alias()
            .alias_name(name)
            .target_key_id(target);
        r.send().await.op("CreateAlias")?;
        Ok(Kms::alias_attrs(name, target, String::new()))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let target = self.alias_target(get(a, "name")?).await?;
        Ok(target.map(|t| observed([("target_key_id", t.into())])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        let r = self.client.update_alias().alias_name(get(a, "name")?);
        let r = r.target_key_id(d.str("target_key_id")?);
        r.send().await.op("UpdateAlias")?;
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_alias().alias_name(get(a, "name")?);
        r.send().await.op("DeleteAlias")?;
        Ok(())
    }
}
