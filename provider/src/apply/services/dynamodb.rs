//! DynamoDB tables: on demand, encrypted with the environment key, with point-in-time recovery.
//! Found by their unique name.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, ScalarAttributeType, SseSpecification, SseType, TableDescription,
    Tag,
};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Value as Json};
use std::time::Duration;

use super::{
    absent_ok, attr, attrs, built, for_states, not_visible, observed, sdk_tag, tag_map, Absent,
    Call, States,
};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::tags::{self, Tagging};

service_driver!(DynamoDb, Client, ["aws_dynamodb_table"]);
sdk_tag!(Tag, fallible);
tags::tagging!(list Client, Tag, resource_arn;
    list_tags_of_resource "ListTagsOfResource" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

/// "TableStatus", Amazon DynamoDB API Reference: the states a table does not leave by itself
/// are a key disabled or gone, or the archive made for that.
const TABLE: States = States {
    ready: &["ACTIVE"],
    terminal: &[
        "INACCESSIBLE_ENCRYPTION_CREDENTIALS",
        "ARCHIVED",
        "ARCHIVING",
    ],
};

impl DynamoDb {
    async fn table(&self, name: &str) -> Result<Option<TableDescription>, CallError> {
        let r = absent_ok(
            self.reads
                .describe_table()
                .table_name(name)
                .send()
                .await
                .op("DescribeTable"),
        )?;
        Ok(r.and_then(|r| r.table().cloned()))
    }

    fn attrs_of(t: &TableDescription) -> Attrs {
        let name = t.table_name().unwrap_or("").to_string();
        attrs([
            ("id", name.clone()),
            ("name", name),
            ("arn", t.table_arn().unwrap_or("").to_string()),
        ])
    }

    async fn point_in_time_recovery(&self, name: &str) -> Result<bool, CallError> {
        let r = self
            .reads
            .describe_continuous_backups()
            .table_name(name)
            .send()
            .await
            .op("DescribeContinuousBackups")?;
        Ok(r.continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            == Some(&PointInTimeRecoveryStatus::Enabled))
    }

    fn sse(d: &Desired<'_>) -> SseSpecification {
        let block = d.block("server_side_encryption");
        let enabled = block
            .and_then(|b| b.get("enabled"))
            .and_then(Json::as_bool)
            .unwrap_or(false);
        let key = block
            .and_then(|b| b.get("kms_key_arn"))
            .and_then(Json::as_str)
            .map(str::to_string);
        SseSpecification::builder()
            .enabled(enabled)
            .set_sse_type(enabled.then_some(SseType::Kms))
            .set_kms_master_key_id(key.filter(|_| enabled))
            .build()
    }

    fn wants_pitr(d: &Desired<'_>) -> bool {
        d.block("point_in_time_recovery")
            .and_then(|b| b.get("enabled"))
            .and_then(Json::as_bool)
            .unwrap_or(false)
    }

    async fn create(&self, d: &Desired<'_>) -> Result<(), CallError> {
        let name = d.str("name")?;
        let hash = d.str("hash_key")?;
        let range = d.opt_str("range_key");
        let mut definitions = Vec::new();
        for a in d
            .get("attribute")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let an = a.get("name").and_then(Json::as_str).unwrap_or("");
            let at = a.get("type").and_then(Json::as_str).unwrap_or("S");
            definitions.push(built(
                AttributeDefinition::builder()
                    .attribute_name(an)
                    .attribute_type(ScalarAttributeType::from(at))
                    .build(),
                "attribute",
            )?);
        }
        let mut keys = vec![built(
            KeySchemaElement::builder()
                .attribute_name(hash)
                .key_type(KeyType::Hash)
                .build(),
            "hash_key",
        )?];
        if let Some(r) = range {
            keys.push(built(
                KeySchemaElement::builder()
                    .attribute_name(r)
                    .key_type(KeyType::Range)
                    .build(),
                "range_key",
            )?);
        }
        self.client
            .create_table()
            .table_name(name)
            .set_attribute_definitions(Some(definitions))
            .set_key_schema(Some(keys))
            .billing_mode(BillingMode::from(
                d.opt_str("billing_mode").unwrap_or("PAY_PER_REQUEST"),
            ))
            .sse_specification(Self::sse(d))
            .deletion_protection_enabled(d.bool("deletion_protection_enabled").unwrap_or(false))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateTable")?;
        Ok(())
    }

    async fn find_kind(&self, d: &Desired<'_>) -> Found {
        Ok(self
            .table(d.str("name")?)
            .await?
            .as_ref()
            .map(Self::attrs_of))
    }

    async fn ensure_kind(&self, d: &Desired<'_>, _existing: Option<&Attrs>) -> Ensured {
        let name = d.str("name")?;
        let existing = self.table(name).await?;
        let fresh = existing.is_none();
        if fresh {
            self.create(d).await?;
        }
        // Point-in-time recovery and later settings need an ACTIVE table.
        let what = format!("table {name}");
        for_states(
            "DescribeTable",
            &what,
            Duration::from_secs(600),
            &TABLE,
            Absent::Pending,
            || async {
                Ok(self
                    .table(name)
                    .await?
                    .and_then(|t| t.table_status().map(|s| s.as_str().to_string())))
            },
        )
        .await?;
        let table = self
            .table(name)
            .await?
            .ok_or_else(|| not_visible("DescribeTable", name))?;
        let arn = table.table_arn().unwrap_or("").to_string();
        if !fresh {
            let want = d.bool("deletion_protection_enabled").unwrap_or(false);
            if table.deletion_protection_enabled() != Some(want) {
                self.client
                    .update_table()
                    .table_name(name)
                    .deletion_protection_enabled(want)
                    .send()
                    .await
                    .op("UpdateTable")?;
            }
            let key = table
                .sse_description()
                .and_then(|s| s.kms_master_key_arn())
                .map(str::to_string);
            let want_key = d
                .block("server_side_encryption")
                .and_then(|b| b.get("kms_key_arn"))
                .and_then(Json::as_str)
                .map(str::to_string);
            if key != want_key {
                self.client
                    .update_table()
                    .table_name(name)
                    .sse_specification(Self::sse(d))
                    .send()
                    .await
                    .op("UpdateTable")?;
            }
            tags::sync(&self.reads, &self.client, &arn, &d.tags()).await?;
        }
        let want_pitr = Self::wants_pitr(d);
        if self.point_in_time_recovery(name).await? != want_pitr {
            self.client
                .update_continuous_backups()
                .table_name(name)
                .point_in_time_recovery_specification(built(
                    PointInTimeRecoverySpecification::builder()
                        .point_in_time_recovery_enabled(want_pitr)
                        .build(),
                    "point_in_time_recovery",
                )?)
                .send()
                .await
                .op("UpdateContinuousBackups")?;
        }
        Ok(Self::attrs_of(&table))
    }

    async fn read_kind(&self, _kind: &str, a: &Attrs) -> Observed {
        let name = attr(a, "name")?;
        let Some(t) = self.table(name).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(t.table_arn().unwrap_or("")).await?;
        let pitr = self.point_in_time_recovery(name).await?;
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            (
                "deletion_protection_enabled",
                Json::Bool(t.deletion_protection_enabled().unwrap_or(false)),
            ),
            ("point_in_time_recovery", json!([{ "enabled": pitr }])),
        ])))
    }

    async fn delete_kind(&self, _kind: &str, a: &Attrs) -> Result<(), CallError> {
        // A table with deletion protection refuses, and the apply stops with AWS's own words:
        // protection is switched off by changing the environment, never behind its back.
        absent_ok(
            self.client
                .delete_table()
                .table_name(attr(a, "name")?)
                .send()
                .await
                .op("DeleteTable"),
        )?;
        Ok(())
    }
}
