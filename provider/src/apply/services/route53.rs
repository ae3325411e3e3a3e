//! Route 53 records in the hosted zone the environment names (the domain's aliases to the
//! distribution). Records carry no tags: one is found by its name and type in its zone.

use std::time::Duration;

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use aws_sdk_route53::Client;
use serde_json::{json, Map, Value as Json};

use super::{absent_ok, attr, attrs, built, for_states, Absent, Call, States};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::resource::{resources, Resource};

const RECORD: &str = "aws_route53_record";

/// How long a change may take to reach every Route 53 name server (AWS: about a minute;
/// moto: at once). A timeout is transient, so the engine's retry extends it.
const INSYNC_WITHIN: Duration = Duration::from_secs(15 * 60);

super::service_client!(Route53, Client);
resources!(Route53, { RECORD => Route53Record });

/// A DNS name as Route 53 compares names: no final dot, lower case, `*` unescaped (answers
/// carry the final dot and the `\052` escape).
fn dns(name: &str) -> String {
    name.trim_end_matches('.')
        .replace("\\052", "*")
        .to_ascii_lowercase()
}

/// True when `current` already answers as `want` does.
fn same(current: &ResourceRecordSet, want: &ResourceRecordSet) -> bool {
    let alias = |r: &ResourceRecordSet| {
        r.alias_target().map(|t| {
            (
                dns(t.dns_name()),
                t.hosted_zone_id().to_string(),
                t.evaluate_target_health(),
            )
        })
    };
    let values = |r: &ResourceRecordSet| {
        let mut v: Vec<String> = r
            .resource_records()
            .iter()
            .map(|x| x.value().to_string())
            .collect();
        v.sort();
        v
    };
    alias(current) == alias(want)
        && values(current) == values(want)
        && (want.alias_target().is_some() || current.ttl() == want.ttl())
}

/// A hosted zone that does not exist is the configuration's mistake, not a resource that is
/// not visible yet: retrying would not help.
fn zone_missing(zone: &str, e: CallError) -> CallError {
    if e.is_not_found() {
        let message = format!("hosted zone {zone}: {}", e.message);
        CallError {
            class: ErrorClass::Permanent,
            message,
            ..e
        }
    } else {
        e
    }
}

fn record_attrs(zone: &str, name: &str, kind: &str) -> Attrs {
    let fqdn = name.trim_end_matches('.').to_string();
    attrs([
        ("id", format!("{zone}_{fqdn}_{kind}")),
        ("zone_id", zone.to_string()),
        ("name", name.to_string()),
        ("fqdn", fqdn),
        ("type", kind.to_string()),
    ])
}

impl Route53 {
    /// The simple (not weighted, not failover...) record set of this name and type, if any.
    async fn record(
        &self,
        zone: &str,
        name: &str,
        kind: &str,
    ) -> Result<Option<ResourceRecordSet>, CallError> {
        let r = absent_ok(
            self.reads
                .list_resource_record_sets()
                .hosted_zone_id(zone)
                .start_record_name(name)
                .start_record_type(RrType::from(kind))
                .max_items(10)
                .send()
                .await
                .op("ListResourceRecordSets"),
        )?;
        let want = dns(name);
        Ok(r.and_then(|r| {
            r.resource_record_sets()
                .iter()
                .find(|s| {
                    dns(s.name()) == want
                        && s.r#type().as_str() == kind
                        && s.set_identifier().is_none()
                })
                .cloned()
        }))
    }

    fn record_set(d: &Desired<'_>) -> Result<ResourceRecordSet, CallError> {
        let mut b = ResourceRecordSet::builder()
            .name(d.str("name")?)
            .r#type(RrType::from(d.str("type")?));
        match d.block("alias") {
            Some(alias) => {
                let text = |k: &str| {
                    alias.get(k).and_then(Json::as_str).ok_or_else(|| {
                        CallError::bad_value(d.address, &format!("alias.{k}"), "must be a string")
                    })
                };
                let target = AliasTarget::builder()
                    .dns_name(text("name")?)
                    .hosted_zone_id(text("zone_id")?)
                    .evaluate_target_health(
                        alias
                            .get("evaluate_target_health")
                            .and_then(Json::as_bool)
                            .unwrap_or(false),
                    )
                    .build();
                b = b.alias_target(built(target, "alias")?);
            }
            None => {
                let records = d
                    .strings("records")
                    .into_iter()
                    .map(|v| built(ResourceRecord::builder().value(v).build(), "records"))
                    .collect::<Result<Vec<_>, _>>()?;
                b = b.set_ttl(d.int("ttl")).set_resource_records(Some(records));
            }
        }
        built(b.build(), "record")
    }

    /// Applies one change and waits until Route 53 has it on every name server.
    async fn change(
        &self,
        zone: &str,
        action: ChangeAction,
        set: ResourceRecordSet,
    ) -> Result<(), CallError> {
        let change = built(
            Change::builder()
                .action(action)
                .resource_record_set(set)
                .build(),
            "change",
        )?;
        let batch = built(
            ChangeBatch::builder().changes(change).build(),
            "change_batch",
        )?;
        let r = self
            .client
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch)
            .send()
            .await
            .op("ChangeResourceRecordSets")?;
        let Some(id) = r.change_info().map(|c| c.id().to_string()) else {
            return Ok(());
        };
        // "ChangeInfo.Status", Route 53 API Reference: PENDING, then INSYNC.
        let insync = States {
            ready: &["INSYNC"],
            terminal: &[],
        };
        for_states(
            "GetChange",
            &id,
            INSYNC_WITHIN,
            &insync,
            Absent::Pending,
            || async {
                let r = self
                    .reads
                    .get_change()
                    .id(&id)
                    .send()
                    .await
                    .op("GetChange")?;
                Ok(r.change_info().map(|c| c.status().as_str().to_string()))
            },
        )
        .await
    }

    /// UPSERT creates or replaces the record set: one call whichever is needed.
    async fn upsert(&self, d: &Desired<'_>) -> Result<(), CallError> {
        let zone = d.str("zone_id")?;
        let want = Self::record_set(d)?;
        let current = self.record(zone, d.str("name")?, d.str("type")?).await?;
        if !current.as_ref().is_some_and(|c| same(c, &want)) {
            let done = self.change(zone, ChangeAction::Upsert, want).await;
            done.map_err(|e| zone_missing(zone, e))?;
        }
        Ok(())
    }
}

impl Resource for Route53Record<'_> {
    const KEYS: &'static [&'static str] = &["alias"];
    /// Values and TTL, compared as Route 53 compares them (`same`).
    const UNREAD: &'static [&'static str] = &["records"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (zone, name, kind) = (d.str("zone_id")?, d.str("name")?, d.str("type")?);
        let found = self.record(zone, name, kind).await?;
        Ok(found.map(|_| record_attrs(zone, name, kind)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.upsert(d).await?;
        Ok(record_attrs(
            d.str("zone_id")?,
            d.str("name")?,
            d.str("type")?,
        ))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let (zone, name, kind) = (attr(a, "zone_id")?, attr(a, "name")?, attr(a, "type")?);
        let Some(r) = self.record(zone, name, kind).await? else {
            return Ok(None);
        };
        // Only the alias is observed, in the topology's shape (Route 53 adds the final dot).
        let mut out = Map::new();
        if let Some(t) = r.alias_target() {
            out.insert(
                "alias".to_string(),
                json!([{
                    "name": t.dns_name().trim_end_matches('.'),
                    "zone_id": t.hosted_zone_id(),
                    "evaluate_target_health": t.evaluate_target_health(),
                }]),
            );
        }
        Ok(Some(out))
    }

    async fn update(&self, d: &Desired<'_>, _a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        self.upsert(d).await
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let zone = attr(a, "zone_id")?;
        let Some(current) = self
            .record(zone, attr(a, "name")?, attr(a, "type")?)
            .await?
        else {
            return Ok(());
        };
        // Route 53 deletes a record set only when it is given exactly as it stands.
        match self.change(zone, ChangeAction::Delete, current).await {
            Err(e) if e.code == "InvalidChangeBatch" && e.message.contains("not found") => Ok(()),
            other => absent_ok(other).map(|_| ()),
        }
    }
}
