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
    absent_ok, attr, built, empty_answer, for_states, named, observed, sdk_tag, tag_map, Absent,
    Call, States,
};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Fields, Found, Observed};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

super::service_client!(DynamoDb, Client);
resources!(DynamoDb, { "aws_dynamodb_table" => DynamodbTable });
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
        named(t.table_name(), t.table_arn())
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
        let enabled = block.and_then(|b| b.flag("enabled")).unwrap_or(false);
        let key = block
            .and_then(|b| b.string("kms_key_arn"))
            .map(str::to_string);
        SseSpecification::builder()
            .enabled(enabled)
            .set_sse_type(enabled.then_some(SseType::Kms))
            .set_kms_master_key_id(key.filter(|_| enabled))
            .build()
    }

    fn wants_pitr(d: &Desired<'_>) -> bool {
        let block = d.block("point_in_time_recovery");
        block.and_then(|b| b.flag("enabled")).unwrap_or(false)
    }

    async fn create_table(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("name")?;
        let hash = d.str("hash_key")?;
        let range = d.opt_str("range_key");
        let mut definitions = Vec::new();
        for a in d.values.blocks("attribute") {
            let (an, at) = (
                a.string("name").unwrap_or(""),
                a.string("type").unwrap_or("S"),
            );
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
        let r = self
            .client
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
        let table = r.table_description();
        let table = table.ok_or_else(|| empty_answer("CreateTable", name))?;
        Ok(Self::attrs_of(table))
    }
}

impl Resource for DynamodbTable<'_> {
    const KEYS: &'static [&'static str] = &[
        "tags",
        "deletion_protection_enabled",
        "point_in_time_recovery",
        "server_side_encryption",
    ];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let table = self.table(d.str("name")?).await?;
        Ok(table.as_ref().map(DynamoDb::attrs_of))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.create_table(d).await
    }

    /// Point-in-time recovery and later settings need an ACTIVE table.
    async fn ready(&self, d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        let name = d.str("name")?;
        let status = || async {
            let t = self.table(name).await?;
            Ok(t.and_then(|t| t.table_status().map(|s| s.as_str().to_string())))
        };
        let what = format!("table {name}");
        let budget = Duration::from_secs(600);
        for_states(
            "DescribeTable",
            &what,
            budget,
            &TABLE,
            Absent::Pending,
            status,
        )
        .await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let name = attr(a, "name")?;
        let Some(t) = self.table(name).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(t.table_arn().unwrap_or("")).await?;
        let pitr = self.point_in_time_recovery(name).await?;
        let sse = t.sse_description();
        let key = sse.and_then(|s| s.kms_master_key_arn());
        let enabled = sse.and_then(|s| s.status()).map(|s| s.as_str()) == Some("ENABLED");
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            (
                "deletion_protection_enabled",
                Json::Bool(t.deletion_protection_enabled().unwrap_or(false)),
            ),
            ("point_in_time_recovery", json!([{ "enabled": pitr }])),
            (
                "server_side_encryption",
                json!([{ "enabled": enabled, "kms_key_arn": key }]),
            ),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let name = attr(a, "name")?;
        for key in changed {
            let update = self.client.update_table().table_name(name);
            match *key {
                "tags" => {
                    tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
                }
                "deletion_protection_enabled" => {
                    let want = d.bool("deletion_protection_enabled").unwrap_or(false);
                    let r = update.deletion_protection_enabled(want);
                    r.send().await.op("UpdateTable")?;
                }
                "server_side_encryption" => {
                    let r = update.sse_specification(DynamoDb::sse(d));
                    r.send().await.op("UpdateTable")?;
                }
                _ => {
                    let pitr = PointInTimeRecoverySpecification::builder()
                        .point_in_time_recovery_enabled(DynamoDb::wants_pitr(d))
                        .build();
                    self.client
                        .update_continuous_backups()
                        .table_name(name)
                        .point_in_time_recovery_specification(built(
                            pitr,
                            "point_in_time_recovery",
                        )?)
                        .send()
                        .await
                        .op("UpdateContinuousBackups")?;
                }
            }
        }
        Ok(())
    }

    /// A table with deletion protection refuses, and the apply stops with AWS's own words:
    /// protection is switched off by changing the environment, never behind its back.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_table().table_name(attr(a, "name")?);
        absent_ok(r.send().await.op("DeleteTable"))?;
        Ok(())
    }
}
