//! The environment's KMS key and its alias. Keys have no unique name, so an interrupted create
//! is found again by its tags.

use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, Tag};
use aws_sdk_kms::Client;

use super::{absent_ok, attr as get, attrs, observed, tag_map, unsupported, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::tags::{self, Tagging};

super::service_driver!(Kms, Client, ["aws_kms_key", "aws_kms_alias"]);

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

    async fn find_kind(&self, d: &Desired<'_>) -> Found {
        match d.kind {
            "aws_kms_key" => match self.find_key(d).await? {
                Some(id) => Ok(Some(self.key_attrs(&id, d).await?)),
                None => Ok(None),
            },
            "aws_kms_alias" => {
                let name = d.str("name")?;
                Ok(self
                    .alias_target(name)
                    .await?
                    .map(|t| Self::alias_attrs(name, &t, String::new())))
            }
            k => Err(unsupported(k)),
        }
    }

    async fn ensure_kind(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        let c = &self.client;
        match d.kind {
            "aws_kms_key" => {
                let id = match existing.and_then(|a| a.get("key_id")).cloned() {
                    Some(id) => Some(id),
                    None => self.find_key(d).await?,
                };
                let id = match id {
                    Some(id) => {
                        c.update_key_description()
                            .key_id(&id)
                            .description(d.opt_str("description").unwrap_or(""))
                            .send()
                            .await
                            .op("UpdateKeyDescription")?;
                        if let Some(p) = d.opt_str("policy") {
                            c.put_key_policy()
                                .key_id(&id)
                                .policy_name("default")
                                .policy(p)
                                .send()
                                .await
                                .op("PutKeyPolicy")?;
                        }
                        tags::sync(&self.reads, c, &id, &d.tags()).await?;
                        id
                    }
                    None => c
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
                        .op("CreateKey")?
                        .key_metadata()
                        .map(|m| m.key_id().to_string())
                        .ok_or_else(|| {
                            CallError::new(
                                "CreateKey",
                                "NoKey",
                                "AWS returned no key",
                                ErrorClass::Permanent,
                            )
                        })?,
                };
                if d.bool("enable_key_rotation").unwrap_or(false) {
                    c.enable_key_rotation()
                        .key_id(&id)
                        .set_rotation_period_in_days(
                            d.int("rotation_period_in_days").map(|n| n as i32),
                        )
                        .send()
                        .await
                        .op("EnableKeyRotation")?;
                } else {
                    c.disable_key_rotation()
                        .key_id(&id)
                        .send()
                        .await
                        .op("DisableKeyRotation")?;
                }
                self.key_attrs(&id, d).await
            }
            "aws_kms_alias" => {
                let (name, target) = (d.str("name")?, d.str("target_key_id")?);
                match self.alias_target(name).await? {
                    Some(t) if t == target => {}
                    Some(_) => {
                        c.update_alias()
                            .alias_name(name)
                            .target_key_id(target)
                            .send()
                            .await
                            .op("UpdateAlias")?;
                    }
                    None => {
                        c.create_alias()
                            .alias_name(name)
                            .target_key_id(target)
                            .send()
                            .await
                            .op("CreateAlias")?;
                    }
                }
                let arn = existing
                    .and_then(|a| a.get("arn"))
                    .cloned()
                    .unwrap_or_default();
                Ok(Self::alias_attrs(name, target, arn))
            }
            k => Err(unsupported(k)),
        }
    }

    async fn read_kind(&self, kind: &str, a: &Attrs) -> Observed {
        match kind {
            "aws_kms_key" => {
                let id = get(a, "key_id")?;
                let Some(meta) = absent_ok(
                    self.reads
                        .describe_key()
                        .key_id(id)
                        .send()
                        .await
                        .op("DescribeKey"),
                )?
                else {
                    return Ok(None);
                };
                let Some(meta) = meta.key_metadata() else {
                    return Ok(None);
                };
                if gone(meta.key_state()) {
                    return Ok(None);
                }
                let rotation = self
                    .reads
                    .get_key_rotation_status()
                    .key_id(id)
                    .send()
                    .await
                    .op("GetKeyRotationStatus")?;
                Ok(Some(observed([
                    ("tags", tag_map(self.client.read_tags(id).await?)),
                    ("description", meta.description().unwrap_or("").into()),
                    (
                        "enable_key_rotation",
                        rotation.key_rotation_enabled().into(),
                    ),
                ])))
            }
            "aws_kms_alias" => Ok(self
                .alias_target(get(a, "name")?)
                .await?
                .map(|t| observed([("target_key_id", t.into())]))),
            k => Err(unsupported(k)),
        }
    }

    async fn delete_kind(&self, kind: &str, a: &Attrs) -> Result<(), CallError> {
        let c = &self.client;
        match kind {
            "aws_kms_key" => {
                let id = get(a, "key_id")?;
                let window: i32 = a
                    .get("deletion_window_in_days")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(30);
                let meta = absent_ok(
                    self.reads
                        .describe_key()
                        .key_id(id)
                        .send()
                        .await
                        .op("DescribeKey"),
                )?;
                if meta
                    .as_ref()
                    .and_then(|m| m.key_metadata())
                    .map(|m| gone(m.key_state()))
                    .unwrap_or(true)
                {
                    return Ok(());
                }
                if a.get("retain_on_destroy").map(String::as_str) == Some("true") {
                    // Encrypted data outlives the environment (the final database snapshot,
                    // the vault's recovery points): the key stays, or they become unrestorable.
                    tracing::warn!(key = id, "keeping the environment's KMS key: it encrypts the final database snapshot and retained backups (tag {RETAIN_TAG})");
                    return Ok(());
                }
                // KMS keys are never deleted at once: scheduled deletion is the end of their life.
                c.schedule_key_deletion()
                    .key_id(id)
                    .pending_window_in_days(window)
                    .send()
                    .await
                    .op("ScheduleKeyDeletion")?;
            }
            "aws_kms_alias" => {
                c.delete_alias()
                    .alias_name(get(a, "name")?)
                    .send()
                    .await
                    .op("DeleteAlias")?;
            }
            k => return Err(unsupported(k)),
        }
        Ok(())
    }
}
