//! RDS: the database's subnet group and its PostgreSQL instance (encrypted with the environment
//! key, master password kept by RDS in Secrets Manager). Both are found by their unique names.

use std::time::Duration;

use aws_sdk_rds::types::{DbInstance, DbSubnetGroup, Tag};
use aws_sdk_rds::Client;
use serde_json::Value as Json;

use super::{
    absent_ok, attr, attrs, empty_answer, first_of, named, not_visible, observed, sdk_tag, tag_map,
    until_gone, wait_until, Absent, Call, States,
};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::resource::{converge, resources, same_set, Modify, Resource};
use crate::apply::tags::{self, Tagging};

const SUBNET_GROUP: &str = "aws_db_subnet_group";
const INSTANCE: &str = "aws_db_instance";

/// How long a new or modified instance may take to become `available` (AWS: minutes, a
/// multi-AZ create 15 to 20; moto: at once).
const AVAILABLE_WITHIN: Duration = Duration::from_secs(60 * 60);

/// An instance's statuses ("Viewing Amazon RDS DB instance status", RDS User Guide, 2026): a
/// wait for `available` stops at once on those it does not leave without someone acting. The
/// SDK's `wait_until_db_instance_available` knows only `failed`, `incompatible-restore` and
/// `incompatible-parameters` of these (and treats `deleted`/`deleting` as failures too, which
/// this table adds), so the table is written here from the guide's.
const INSTANCE_STATES: States = States {
    // storage-optimization: usable while storage is reorganised (hours).
    ready: &["available", "storage-optimization"],
    terminal: &[
        "failed",
        "inaccessible-encryption-credentials",
        "inaccessible-encryption-credentials-recoverable",
        "incompatible-network",
        "incompatible-option-group",
        "incompatible-parameters",
        "incompatible-restore",
        "incompatible-credentials",
        "insufficient-capacity",
        "restore-error",
        "storage-full",
        "deleting",
        "deleted",
    ],
};

/// True when the instance is usable; an error when it is in a terminal status.
pub(crate) fn instance_ready(identifier: &str, status: Option<&str>) -> Result<bool, CallError> {
    let what = format!("DB instance {identifier}");
    INSTANCE_STATES.judge("DescribeDBInstances", &what, status, Absent::Pending)
}

/// The final snapshot's identifier for one destroy: the configured prefix and the time, so a
/// second destroy of a re-created environment never meets the first one's snapshot
/// (`DBSnapshotAlreadyExists`). AWS allows 1 to 255 letters, digits and hyphens, starting with a
/// letter, with no double or trailing hyphen (DeleteDBInstance, RDS API Reference).
pub(crate) fn final_snapshot_id(prefix: &str, unix_seconds: u64) -> String {
    let mut base: String = prefix
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while base.contains("--") {
        base = base.replace("--", "-");
    }
    let base = base.trim_matches('-');
    let base = if base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base.to_string()
    } else {
        format!("db-{base}")
    };
    let stamp = format!("-{unix_seconds}");
    let room = 255 - stamp.len();
    let base = base[..base.len().min(room)].trim_end_matches('-');
    format!("{base}{stamp}")
}

/// True when `desired` asks for another version than `current` runs: `16` is satisfied by any
/// 16.x (RDS picks the default minor of a major given alone and may upgrade minors itself), a
/// full `16.6` only by itself.
pub(crate) fn version_differs(desired: &str, current: &str) -> bool {
    if desired.contains('.') {
        desired != current
    } else {
        current.split('.').next() != Some(desired)
    }
}

super::service_client!(Rds, Client);
resources!(Rds, { SUBNET_GROUP => DbSubnetGroupKind, INSTANCE => DbInstanceKind });

sdk_tag!(Tag, infallible);
tags::tagging!(list Client, Tag, resource_name;
    list_tags_for_resource "ListTagsForResource" => tag_list,
    add_tags_to_resource "AddTagsToResource" => set_tags,
    remove_tags_from_resource "RemoveTagsFromResource" => set_tag_keys);

impl Rds {
    async fn subnet_group(&self, name: &str) -> Result<Option<DbSubnetGroup>, CallError> {
        let r = self
            .reads
            .describe_db_subnet_groups()
            .db_subnet_group_name(name)
            .send()
            .await;
        first_of(r.op("DescribeDBSubnetGroups"), |r| r.db_subnet_groups())
    }

    async fn instance(&self, identifier: &str) -> Result<Option<DbInstance>, CallError> {
        let r = self
            .reads
            .describe_db_instances()
            .db_instance_identifier(identifier)
            .send()
            .await;
        first_of(r.op("DescribeDBInstances"), |r| r.db_instances())
    }

    fn group_attrs(g: &DbSubnetGroup) -> Attrs {
        named(g.db_subnet_group_name(), g.db_subnet_group_arn())
    }

    fn instance_attrs(i: &DbInstance) -> Attrs {
        let identifier = i.db_instance_identifier().unwrap_or("").to_string();
        let address = i
            .endpoint()
            .and_then(|e| e.address())
            .unwrap_or("")
            .to_string();
        let port = i.endpoint().and_then(|e| e.port()).unwrap_or(5432);
        let mut a = attrs([
            ("id", identifier.clone()),
            ("identifier", identifier),
            ("arn", i.db_instance_arn().unwrap_or("").to_string()),
            ("endpoint", format!("{address}:{port}")),
            ("address", address),
            ("port", port.to_string()),
        ]);
        if let Some(secret) = i.master_user_secret().and_then(|s| s.secret_arn()) {
            a.insert("master_user_secret_arn".into(), secret.to_string());
        }
        a
    }

    /// What the state keeps of an instance: what AWS assigned, plus how this stage ends its
    /// database, since destroy has only the state to go by.
    fn instance_state(i: &DbInstance, d: &Desired<'_>) -> Attrs {
        let mut a = Self::instance_attrs(i);
        let skip = d.bool("skip_final_snapshot").unwrap_or(false);
        a.insert("skip_final_snapshot".into(), skip.to_string());
        if let Some(s) = d.opt_str("final_snapshot_identifier") {
            a.insert("final_snapshot_identifier".into(), s.to_string());
        }
        a
    }

    async fn wait_available(&self, identifier: &str) -> Result<DbInstance, CallError> {
        wait_until(identifier, AVAILABLE_WITHIN, || async {
            let i = self.instance(identifier).await?;
            instance_ready(identifier, i.as_ref().and_then(|i| i.db_instance_status()))
        })
        .await?;
        self.instance(identifier)
            .await?
            .ok_or_else(|| not_visible("DescribeDBInstances", identifier))
    }

    async fn create_instance(&self, d: &Desired<'_>) -> Result<(), CallError> {
        self.client
            .create_db_instance()
            .db_instance_identifier(d.str("identifier")?)
            .engine(d.str("engine")?)
            .set_engine_version(d.opt_str("engine_version").map(str::to_string))
            .db_instance_class(d.str("instance_class")?)
            .set_allocated_storage(d.int32("allocated_storage")?)
            .set_max_allocated_storage(d.int32("max_allocated_storage")?)
            .set_storage_type(d.opt_str("storage_type").map(str::to_string))
            .set_storage_encrypted(d.bool("storage_encrypted"))
            .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
            .set_db_name(d.opt_str("db_name").map(str::to_string))
            .set_master_username(d.opt_str("username").map(str::to_string))
            .set_manage_master_user_password(d.bool("manage_master_user_password"))
            .set_master_user_secret_kms_key_id(
                d.opt_str("master_user_secret_kms_key_id")
                    .map(str::to_string),
            )
            .set_multi_az(d.bool("multi_az"))
            .set_backup_retention_period(d.int32("backup_retention_period")?)
            .set_deletion_protection(d.bool("deletion_protection"))
            .set_db_subnet_group_name(d.opt_str("db_subnet_group_name").map(str::to_string))
            .set_vpc_security_group_ids(Some(d.strings("vpc_security_group_ids")))
            .set_publicly_accessible(d.bool("publicly_accessible"))
            .set_enable_iam_database_authentication(d.bool("iam_database_authentication_enabled"))
            .set_enable_cloudwatch_logs_exports(Some(d.strings("enabled_cloudwatch_logs_exports")))
            .set_enable_performance_insights(d.bool("performance_insights_enabled"))
            .set_performance_insights_kms_key_id(
                d.opt_str("performance_insights_kms_key_id")
                    .map(str::to_string),
            )
            .set_monitoring_interval(d.int32("monitoring_interval")?)
            .set_monitoring_role_arn(d.opt_str("monitoring_role_arn").map(str::to_string))
            .set_auto_minor_version_upgrade(d.bool("auto_minor_version_upgrade"))
            .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateDBInstance")?;
        Ok(())
    }

    /// Applies the arguments that change in place (see `kinds`) where they differ, at once.
    async fn modify_instance(&self, d: &Desired<'_>, i: &DbInstance) -> Result<(), CallError> {
        let current = i.engine_version().unwrap_or("");
        let upgrade = d
            .opt_str("engine_version")
            .filter(|v| version_differs(v, current));
        let call = self.client.modify_db_instance();
        let call = call.db_instance_identifier(d.str("identifier")?);
        // Only where AWS reports one: storage autoscaling that is off has none.
        let max_storage = d
            .int32("max_allocated_storage")?
            .filter(|want| i.max_allocated_storage().is_some_and(|have| have != *want));
        let m = Modify::new(call.apply_immediately(true))
            .set(
                d.opt_str("instance_class"),
                i.db_instance_class(),
                |m, v| m.db_instance_class(v),
            )
            // A major version upgrade in place (RDS refuses a downgrade with its own error); the
            // data stays, unlike a replacement.
            .with(upgrade, |m, v| {
                let major = current.split('.').next() != v.split('.').next();
                m.engine_version(v).allow_major_version_upgrade(major)
            })
            .set(
                d.int32("monitoring_interval")?,
                i.monitoring_interval(),
                |m, v| m.monitoring_interval(v),
            )
            .set(
                d.opt_str("monitoring_role_arn"),
                i.monitoring_role_arn(),
                |m, v| m.monitoring_role_arn(v),
            )
            .set(d.bool("multi_az"), i.multi_az(), |m, v| m.multi_az(v))
            .set(
                d.bool("deletion_protection"),
                i.deletion_protection(),
                |m, v| m.deletion_protection(v),
            )
            .set(
                d.int32("backup_retention_period")?,
                i.backup_retention_period(),
                |m, v| m.backup_retention_period(v),
            )
            .set(
                d.int32("allocated_storage")?,
                i.allocated_storage(),
                |m, v| m.allocated_storage(v),
            )
            .with(max_storage, |m, v| m.max_allocated_storage(v));
        if let Some(m) = m.call() {
            m.send().await.op("ModifyDBInstance")?;
        }
        Ok(())
    }

    async fn modify_subnet_group(&self, d: &Desired<'_>, name: &str) -> Result<(), CallError> {
        let description = d.opt_str("description").unwrap_or("Managed by EduLibra");
        let Some(g) = self.subnet_group(name).await? else {
            return Err(not_visible("DescribeDBSubnetGroups", name));
        };
        let current = g.subnets().iter().filter_map(|s| s.subnet_identifier());
        let wanted = d.strings("subnet_ids");
        if !same_set(current, &wanted) || g.db_subnet_group_description() != Some(description) {
            self.client
                .modify_db_subnet_group()
                .db_subnet_group_name(name)
                .db_subnet_group_description(description)
                .set_subnet_ids(Some(wanted))
                .send()
                .await
                .op("ModifyDBSubnetGroup")?;
        }
        Ok(())
    }
}

impl Resource for DbSubnetGroupKind<'_> {
    const KEYS: &'static [&'static str] = &["tags"];
    /// A set of subnets, compared as one by `update`.
    const UNREAD: &'static [&'static str] = &["subnets"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let group = self.subnet_group(d.str("name")?).await?;
        Ok(group.as_ref().map(Rds::group_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("name")?;
        let r = self
            .client
            .create_db_subnet_group()
            .db_subnet_group_name(name)
            .db_subnet_group_description(d.opt_str("description").unwrap_or("Managed by EduLibra"))
            .set_subnet_ids(Some(d.strings("subnet_ids")))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateDBSubnetGroup")?;
        let group = r.db_subnet_group();
        Ok(Rds::group_attrs(group.ok_or_else(|| {
            empty_answer("CreateDBSubnetGroup", name)
        })?))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(g) = self.subnet_group(attr(a, "name")?).await? else {
            return Ok(None);
        };
        let tags = self
            .reads
            .read_tags(g.db_subnet_group_arn().unwrap_or(""))
            .await?;
        Ok(Some(observed([("tags", tag_map(tags))])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        if changed.contains(&"subnets") {
            self.modify_subnet_group(d, attr(a, "name")?).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self
            .client
            .delete_db_subnet_group()
            .db_subnet_group_name(attr(a, "name")?);
        absent_ok(r.send().await.op("DeleteDBSubnetGroup"))?;
        Ok(())
    }
}

impl Resource for DbInstanceKind<'_> {
    const KEYS: &'static [&'static str] = &[
        "tags",
        "multi_az",
        "deletion_protection",
        "backup_retention_period",
        "instance_class",
    ];
    /// A version given as a major only, storage that grows by itself, monitoring: compared by
    /// `modify_instance` against the instance as described.
    const UNREAD: &'static [&'static str] = &["settings"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let i = self.instance(d.str("identifier")?).await?;
        Ok(i.map(|i| Rds::instance_state(&i, d)))
    }

    /// The endpoint is known once the instance is available: `ensure` answers with it.
    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.create_instance(d).await?;
        Ok(attrs([("identifier", d.str("identifier")?.to_string())]))
    }

    async fn ready(&self, d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        self.wait_available(d.str("identifier")?).await.map(drop)
    }

    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        converge(self, d, existing).await?;
        // `converge` waited for `available`: the endpoint is there to read.
        let identifier = d.str("identifier")?;
        let i = self.instance(identifier).await?;
        let i = i.ok_or_else(|| not_visible("DescribeDBInstances", identifier))?;
        Ok(Rds::instance_state(&i, d))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(i) = self.instance(attr(a, "identifier")?).await? else {
            return Ok(None);
        };
        let tags = self
            .reads
            .read_tags(i.db_instance_arn().unwrap_or(""))
            .await?;
        let or_null = |v: Option<Json>| v.unwrap_or(Json::Null);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("multi_az", or_null(i.multi_az().map(Json::Bool))),
            (
                "deletion_protection",
                or_null(i.deletion_protection().map(Json::Bool)),
            ),
            (
                "backup_retention_period",
                or_null(i.backup_retention_period().map(Json::from)),
            ),
            (
                "instance_class",
                or_null(i.db_instance_class().map(Json::from)),
            ),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let identifier = attr(a, "identifier")?;
        let i = self.instance(identifier).await?;
        let i = i.ok_or_else(|| not_visible("DescribeDBInstances", identifier))?;
        if changed.iter().any(|k| *k != "tags") {
            self.modify_instance(d, &i).await?;
        }
        if changed.contains(&"tags") {
            let arn = i.db_instance_arn().unwrap_or("");
            tags::sync(&self.reads, &self.client, arn, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let identifier = attr(a, "identifier")?;
        let Some(i) = self.instance(identifier).await? else {
            return Ok(());
        };
        if i.deletion_protection() == Some(true) {
            // Honoured, never switched off behind the configuration's back.
            return Err(CallError::new(
                "DeleteDBInstance",
                "DeletionProtection",
                format!("{identifier} has deletion protection: set database.deletion_protection = false, apply, then destroy"),
                ErrorClass::Permanent,
            ));
        }
        let gone = || async { Ok(self.instance(identifier).await?.is_some()) };
        if i.db_instance_status() == Some("deleting") {
            // An earlier attempt's delete was accepted: wait for it, do not ask again.
            return until_gone(identifier, AVAILABLE_WITHIN, gone).await;
        }
        // A final snapshot is taken unless the state says the stage skips it (a state that
        // cannot say keeps the data).
        let skip = a.get("skip_final_snapshot").map(String::as_str) == Some("true");
        let mut call = self
            .client
            .delete_db_instance()
            .db_instance_identifier(identifier)
            .skip_final_snapshot(skip);
        if !skip {
            let prefix = a
                .get("final_snapshot_identifier")
                .cloned()
                .unwrap_or_else(|| format!("{identifier}-final"));
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let name = final_snapshot_id(&prefix, now);
            tracing::info!(identifier, snapshot = %name, "deleting the database after a final snapshot, which is kept");
            call = call.final_db_snapshot_identifier(name);
        }
        absent_ok(call.send().await.op("DeleteDBInstance"))?;
        // The subnet group and the key can go only once the instance is gone.
        until_gone(identifier, AVAILABLE_WITHIN, gone).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_stop_the_wait_and_name_the_status() {
        assert_eq!(instance_ready("db", Some("available")), Ok(true));
        assert_eq!(instance_ready("db", Some("backing-up")), Ok(false));
        assert_eq!(instance_ready("db", Some("creating")), Ok(false));
        let e = instance_ready("db", Some("storage-full")).unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent);
        assert!(e.message.contains("`storage-full`"), "{}", e.message);
        assert!(instance_ready("db", Some("inaccessible-encryption-credentials")).is_err());
    }

    #[test]
    fn final_snapshots_are_unique_and_valid_identifiers() {
        let a = final_snapshot_id("edulibra-prod-db-final", 1_800_000_000);
        let b = final_snapshot_id("edulibra-prod-db-final", 1_800_000_001);
        assert_ne!(a, b);
        assert_eq!(a, "edulibra-prod-db-final-1800000000");
        let odd = final_snapshot_id("9--x_", 5);
        assert!(odd.starts_with(|c: char| c.is_ascii_alphabetic()), "{odd}");
        assert!(!odd.contains("--") && !odd.ends_with('-'), "{odd}");
        assert!(final_snapshot_id(&"a".repeat(300), 1).len() <= 255);
    }

    #[test]
    fn a_major_version_is_met_by_any_of_its_minors() {
        assert!(!version_differs("16", "16.6"));
        assert!(version_differs("17", "16.6"));
        assert!(version_differs("16.8", "16.6"));
        assert!(!version_differs("16.6", "16.6"));
    }
}
