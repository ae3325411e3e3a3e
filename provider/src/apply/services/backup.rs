//! AWS Backup: the environment's vault (encrypted with the environment key), its daily plan, and
//! the selection that puts the database and the tables under that plan. The vault and the plan
//! are found by their unique names, the selection (which has neither tags nor an ARN) by its name
//! among its plan's selections.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_backup::operation::describe_backup_vault::DescribeBackupVaultOutput;
use aws_sdk_backup::operation::get_backup_plan::GetBackupPlanOutput;
use aws_sdk_backup::types::{
    BackupPlan, BackupPlanInput, BackupPlansListMember, BackupRuleInput, BackupSelection,
    BackupSelectionsListMember, Lifecycle, RecoveryPointByBackupVault, RecoveryPointStatus,
};
use aws_sdk_backup::Client;
use serde_json::{json, Map, Value as Json};

use super::not_visible;
use super::{absent_ok, attr, attrs, built, observed, tag_map, until_gone, wait_until, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Fields, Found, Observed};
use crate::apply::pages;
use crate::apply::resource::{converge, resources, Resource};
use crate::apply::tags::{self, Tagging};

const VAULT: &str = "aws_backup_vault";
const PLAN: &str = "aws_backup_plan";
const SELECTION: &str = "aws_backup_selection";

/// How AWS Backup may answer for a vault that does not exist, besides ResourceNotFoundException
/// (hashicorp/aws counts it as absent).
const ACCESS_DENIED: &str = "AccessDeniedException";

/// Deletes take effect at once in AWS; the wait only covers a lagging read.
const GONE_WITHIN: Duration = Duration::from_secs(5 * 60);

/// Deleting recovery points is asynchronous (they go through DELETING). A timeout is transient,
/// so the engine's retry extends it.
const EMPTIED_WITHIN: Duration = Duration::from_secs(30 * 60);

super::service_client!(Backup, Client);
resources!(Backup, { VAULT => BackupVault, PLAN => BackupPlanKind, SELECTION => BackupSelectionKind });

/// One backup rule in the terms of the topology's `rule` block: what is compared, created and
/// read back. Settings the topology leaves out are AWS's to default.
#[derive(Clone, Debug, PartialEq)]
struct Rule {
    name: String,
    vault: String,
    schedule: Option<String>,
    start_window: Option<i64>,
    completion_window: Option<i64>,
    delete_after: Option<i64>,
}

impl Rule {
    /// True when `current` (as AWS holds it) already is this desired rule. A setting the
    /// topology does not give matches whatever default AWS applied.
    fn satisfied_by(&self, current: &Rule) -> bool {
        self.name == current.name
            && self.vault == current.vault
            && self.delete_after == current.delete_after
            && (self.schedule.is_none() || self.schedule == current.schedule)
            && (self.start_window.is_none() || self.start_window == current.start_window)
            && (self.completion_window.is_none()
                || self.completion_window == current.completion_window)
    }

    fn input(&self) -> Result<BackupRuleInput, CallError> {
        built(
            BackupRuleInput::builder()
                .rule_name(self.name.clone())
                .target_backup_vault_name(self.vault.clone())
                .set_schedule_expression(self.schedule.clone())
                .set_start_window_minutes(self.start_window)
                .set_completion_window_minutes(self.completion_window)
                .set_lifecycle(
                    self.delete_after
                        .map(|days| Lifecycle::builder().delete_after_days(days).build()),
                )
                .build(),
            "rule",
        )
    }

    /// The rule as the topology shapes it (blocks are lists of one object).
    fn to_json(&self) -> Json {
        let lifecycle: Vec<Json> = self
            .delete_after
            .map(|days| vec![json!({ "delete_after": days })])
            .unwrap_or_default();
        json!({
            "rule_name": self.name,
            "target_vault_name": self.vault,
            "schedule": self.schedule,
            "start_window": self.start_window,
            "completion_window": self.completion_window,
            "lifecycle": lifecycle,
        })
    }
}

fn desired_rules(d: &Desired<'_>) -> Result<Vec<Rule>, CallError> {
    let blocks = d.get("rule").and_then(Json::as_array);
    let blocks = blocks
        .filter(|a| !a.is_empty())
        .ok_or_else(|| CallError::bad_value(d.address, "rule", "must hold at least one rule"))?;
    let mut rules = Vec::with_capacity(blocks.len());
    for b in blocks {
        let b = b
            .as_object()
            .ok_or_else(|| CallError::bad_value(d.address, "rule", "must be a list of blocks"))?;
        let text = |k: &str| b.string(k).map(str::to_string);
        let int = |k: &str| b.set(k).and_then(Json::as_i64);
        rules.push(Rule {
            name: text("rule_name").ok_or_else(|| {
                CallError::bad_value(d.address, "rule.rule_name", "must be a string")
            })?,
            vault: text("target_vault_name").ok_or_else(|| {
                CallError::bad_value(d.address, "rule.target_vault_name", "must be a string")
            })?,
            schedule: text("schedule"),
            start_window: int("start_window"),
            completion_window: int("completion_window"),
            delete_after: b
                .first("lifecycle")
                .and_then(|l| l.set("delete_after")?.as_i64()),
        });
    }
    Ok(rules)
}

fn current_rules(plan: &BackupPlan) -> Vec<Rule> {
    plan.rules()
        .iter()
        .map(|r| Rule {
            name: r.rule_name().to_string(),
            vault: r.target_backup_vault_name().to_string(),
            schedule: r.schedule_expression().map(str::to_string),
            start_window: r.start_window_minutes(),
            completion_window: r.completion_window_minutes(),
            delete_after: r.lifecycle().and_then(|l| l.delete_after_days()),
        })
        .collect()
}

/// Rule names are unique within a plan, so the order AWS lists them in does not matter.
fn same_rules(want: &[Rule], have: &[Rule]) -> bool {
    want.len() == have.len() && want.iter().all(|w| have.iter().any(|h| w.satisfied_by(h)))
}

fn plan_input(name: &str, rules: &[Rule]) -> Result<BackupPlanInput, CallError> {
    let rules = rules
        .iter()
        .map(Rule::input)
        .collect::<Result<Vec<_>, _>>()?;
    built(
        BackupPlanInput::builder()
            .backup_plan_name(name)
            .set_rules(Some(rules))
            .build(),
        "backup plan",
    )
}

/// Vaults and plans: ListTags pages.
impl Tagging for Client {
    async fn read_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, CallError> {
        let mut pages = self.list_tags().resource_arn(arn).into_paginator().send();
        let mut out = BTreeMap::new();
        while let Some(page) = pages.next().await {
            out.extend(tags::from_map(page.op("ListTags")?.tags()));
        }
        Ok(out)
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), CallError> {
        let r = self
            .untag_resource()
            .resource_arn(arn)
            .set_tag_key_list(Some(keys));
        r.send().await.op("UntagResource").map(drop)
    }
    async fn tag(&self, arn: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
        let r = self
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags::to_map(&tags)?));
        r.send().await.op("TagResource").map(drop)
    }
}

impl Backup {
    /// The observed tags, or nothing when AWS answers with none. Every child of ours carries
    /// the `edulibra:*` tags, so an empty answer says more about the endpoint than about the
    /// resource: moto answers the Rust SDK's ListTags (sent without the trailing slash boto3
    /// sends) with no tags at all, which would show as drift on every plan.
    async fn observed_tags(&self, arn: &str) -> Result<Option<Json>, CallError> {
        let tags = self.reads.read_tags(arn).await?;
        Ok((!tags.is_empty()).then(|| tag_map(tags)))
    }

    // --- vault -----------------------------------------------------------------------------

    async fn vault(&self, name: &str) -> Result<Option<DescribeBackupVaultOutput>, CallError> {
        match self
            .reads
            .describe_backup_vault()
            .backup_vault_name(name)
            .send()
            .await
            .op("DescribeBackupVault")
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            // AWS answers so both for a vault that does not exist and for a caller really
            // denied: the list of vaults tells which, so a denial never drops a vault.
            Err(e) if e.code == ACCESS_DENIED => {
                if self.vault_listed(name).await? {
                    Err(e)
                } else {
                    Ok(None)
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn vault_listed(&self, name: &str) -> Result<bool, CallError> {
        let vaults = pages::find(
            self.reads.list_backup_vaults().into_paginator().send(),
            "ListBackupVaults",
            |p| p.backup_vault_list(),
            |v| v.backup_vault_name() == Some(name),
        );
        Ok(vaults.await?.is_some())
    }

    /// What the state keeps of a vault: what AWS assigned, plus whether destroy may delete its
    /// recovery points, since destroy has only the state to go by.
    fn vault_attrs(name: &str, arn: &str, d: &Desired<'_>) -> Attrs {
        let force = d.bool("force_destroy").unwrap_or(false);
        attrs([
            ("id", name.to_string()),
            ("name", name.to_string()),
            ("arn", arn.to_string()),
            ("force_destroy", force.to_string()),
        ])
    }

    async fn create_vault(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("name")?;
        let created = self
            .client
            .create_backup_vault()
            .backup_vault_name(name)
            .set_encryption_key_arn(d.opt_str("kms_key_arn").map(str::to_string))
            .set_backup_vault_tags(Some(d.tags().into_iter().collect::<HashMap<_, _>>()))
            .send()
            .await
            .op("CreateBackupVault");
        match created {
            Ok(out) => Ok(Self::vault_attrs(
                name,
                out.backup_vault_arn().unwrap_or(""),
                d,
            )),
            // Another run created it since the lookup: adopt it (its tags converge next).
            Err(e) if e.code == "AlreadyExistsException" => match self.vault(name).await? {
                Some(v) => Ok(Self::vault_attrs(
                    name,
                    v.backup_vault_arn().unwrap_or(""),
                    d,
                )),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn recovery_points(
        &self,
        vault: &str,
    ) -> Result<Vec<RecoveryPointByBackupVault>, CallError> {
        let call = self
            .reads
            .list_recovery_points_by_backup_vault()
            .backup_vault_name(vault);
        let points = pages::collect(
            call.into_paginator().send(),
            "ListRecoveryPointsByBackupVault",
            |p| p.recovery_points(),
        );
        // A vault that is gone holds nothing.
        Ok(absent_ok(points.await)?.unwrap_or_default())
    }

    /// Deletes every recovery point of the vault (`force_destroy`) and waits until they are gone:
    /// AWS refuses to delete a vault that still holds any.
    async fn empty_vault(&self, vault: &str) -> Result<(), CallError> {
        for p in self.recovery_points(vault).await? {
            if p.status() == Some(&RecoveryPointStatus::Deleting) {
                continue;
            }
            let Some(arn) = p.recovery_point_arn() else {
                continue;
            };
            absent_ok(
                self.client
                    .delete_recovery_point()
                    .backup_vault_name(vault)
                    .recovery_point_arn(arn)
                    .send()
                    .await
                    .op("DeleteRecoveryPoint"),
            )?;
        }
        wait_until(vault, EMPTIED_WITHIN, || async {
            Ok(self.recovery_points(vault).await?.is_empty())
        })
        .await
    }

    async fn delete_vault(&self, a: &Attrs) -> Result<(), CallError> {
        let name = attr(a, "name")?;
        if self.vault(name).await?.is_none() {
            return Ok(());
        }
        // Recovery points are deleted only when the state says the stage allows it (a state
        // that cannot say keeps the backups).
        if a.get("force_destroy").map(String::as_str) == Some("true") {
            self.empty_vault(name).await?;
        }
        match self
            .client
            .delete_backup_vault()
            .backup_vault_name(name)
            .send()
            .await
            .op("DeleteBackupVault")
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            // AWS's own refusal, with the way out: backups are never deleted behind the
            // configuration's back.
            Err(mut e)
                if e.code == "InvalidRequestException"
                    && e.message.to_ascii_lowercase().contains("recovery point") =>
            {
                e.message = format!(
                    "{}: delete the vault's recovery points, or set the stage to dev (force_destroy) to let destroy delete them",
                    e.message
                );
                return Err(e);
            }
            Err(e) => return Err(e),
        }
        until_gone(name, GONE_WITHIN, || async {
            Ok(self.vault(name).await?.is_some())
        })
        .await
    }

    // --- plan ------------------------------------------------------------------------------

    async fn plan_by_name(&self, name: &str) -> Result<Option<BackupPlansListMember>, CallError> {
        pages::find(
            self.reads.list_backup_plans().into_paginator().send(),
            "ListBackupPlans",
            |p| p.backup_plans_list(),
            |p| p.backup_plan_name() == Some(name) && p.deletion_date().is_none(),
        )
        .await
    }

    async fn plan(&self, id: &str) -> Result<Option<GetBackupPlanOutput>, CallError> {
        let r = absent_ok(
            self.reads
                .get_backup_plan()
                .backup_plan_id(id)
                .send()
                .await
                .op("GetBackupPlan"),
        )?;
        // A deleted plan stays readable by id, with its deletion date.
        Ok(r.filter(|p| p.deletion_date().is_none()))
    }

    fn plan_attrs(id: &str, arn: &str, name: &str, version: &str) -> Attrs {
        attrs([
            ("id", id.to_string()),
            ("arn", arn.to_string()),
            ("name", name.to_string()),
            ("version", version.to_string()),
        ])
    }

    async fn create_plan(&self, d: &Desired<'_>, name: &str, rules: &[Rule]) -> Ensured {
        let out = self
            .client
            .create_backup_plan()
            .backup_plan(plan_input(name, rules)?)
            .set_backup_plan_tags(Some(d.tags().into_iter().collect::<HashMap<_, _>>()))
            .send()
            .await
            .op("CreateBackupPlan")?;
        Ok(Self::plan_attrs(
            out.backup_plan_id().unwrap_or(""),
            out.backup_plan_arn().unwrap_or(""),
            name,
            out.version_id().unwrap_or(""),
        ))
    }

    /// UpdateBackupPlan makes a new plan version: only when a rule really differs.
    async fn update_plan(&self, d: &Desired<'_>, id: &str) -> Result<(), CallError> {
        let (name, rules) = (d.str("name")?, desired_rules(d)?);
        let current = self.plan(id).await?;
        let current = current.ok_or_else(|| not_visible("GetBackupPlan", name))?;
        let have = current.backup_plan().map(current_rules).unwrap_or_default();
        if !same_rules(&rules, &have) {
            let r = self.client.update_backup_plan().backup_plan_id(id);
            let r = r.backup_plan(plan_input(name, &rules)?);
            r.send().await.op("UpdateBackupPlan")?;
        }
        Ok(())
    }

    async fn delete_plan(&self, a: &Attrs) -> Result<(), CallError> {
        let id = attr(a, "id")?;
        // AWS refuses while the plan has selections; the engine deletes them first.
        absent_ok(
            self.client
                .delete_backup_plan()
                .backup_plan_id(id)
                .send()
                .await
                .op("DeleteBackupPlan"),
        )?;
        until_gone(id, GONE_WITHIN, || async {
            Ok(self.plan(id).await?.is_some())
        })
        .await
    }

    // --- selection -------------------------------------------------------------------------

    async fn selection(
        &self,
        plan_id: &str,
        name: &str,
    ) -> Result<Option<BackupSelectionsListMember>, CallError> {
        let call = self.reads.list_backup_selections().backup_plan_id(plan_id);
        let found = pages::find(
            call.into_paginator().send(),
            "ListBackupSelections",
            |p| p.backup_selections_list(),
            |s| s.selection_name() == Some(name),
        );
        // No plan, no selection.
        Ok(absent_ok(found.await)?.flatten())
    }

    async fn selection_exists(&self, plan_id: &str, id: &str) -> Result<bool, CallError> {
        let r = absent_ok(
            self.reads
                .get_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(id)
                .send()
                .await
                .op("GetBackupSelection"),
        )?;
        Ok(r.is_some())
    }

    fn selection_attrs(id: &str, plan_id: &str, name: &str) -> Attrs {
        attrs([
            ("id", id.to_string()),
            ("plan_id", plan_id.to_string()),
            ("name", name.to_string()),
        ])
    }

    async fn create_selection(&self, d: &Desired<'_>) -> Ensured {
        let (plan_id, name) = (d.str("plan_id")?, d.str("name")?);
        let resources = d.strings("resources");
        if resources.is_empty() {
            return Err(CallError::bad_value(
                d.address,
                "resources",
                "must list at least one ARN",
            ));
        }
        let selection = BackupSelection::builder()
            .selection_name(name)
            .iam_role_arn(d.str("iam_role_arn")?)
            .set_resources(Some(resources))
            .build();
        let r = self
            .client
            .create_backup_selection()
            .backup_plan_id(plan_id);
        let r = r.backup_selection(built(selection, "backup selection")?);
        let out = r.send().await.op("CreateBackupSelection")?;
        Ok(Self::selection_attrs(
            out.selection_id().unwrap_or(""),
            plan_id,
            name,
        ))
    }

    async fn delete_selection(&self, a: &Attrs) -> Result<(), CallError> {
        let (plan_id, id) = (attr(a, "plan_id")?, attr(a, "id")?);
        absent_ok(
            self.client
                .delete_backup_selection()
                .backup_plan_id(plan_id)
                .selection_id(id)
                .send()
                .await
                .op("DeleteBackupSelection"),
        )?;
        // The plan can go only once its selections are gone.
        until_gone(id, GONE_WITHIN, || self.selection_exists(plan_id, id)).await
    }
}

impl Resource for BackupVault<'_> {
    /// The key is not read: AWS cannot change a vault's key (kinds.rs replaces the vault).
    const KEYS: &'static [&'static str] = &["tags"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let name = d.str("name")?;
        let v = self.vault(name).await?;
        Ok(v.map(|v| Backup::vault_attrs(name, v.backup_vault_arn().unwrap_or(""), d)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.create_vault(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(v) = self.vault(attr(a, "name")?).await? else {
            return Ok(None);
        };
        let mut seen = Map::new();
        if let Some(tags) = self
            .observed_tags(v.backup_vault_arn().unwrap_or(""))
            .await?
        {
            seen.insert("tags".into(), tags);
        }
        Ok(Some(seen))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_vault(a).await
    }
}

impl Resource for BackupPlanKind<'_> {
    const KEYS: &'static [&'static str] = &["rule", "tags"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let name = d.str("name")?;
        let p = self.plan_by_name(name).await?;
        Ok(p.map(|p| {
            let (id, arn) = (
                p.backup_plan_id().unwrap_or(""),
                p.backup_plan_arn().unwrap_or(""),
            );
            Backup::plan_attrs(id, arn, name, p.version_id().unwrap_or(""))
        }))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("name")?;
        match self.create_plan(d, name, &desired_rules(d)?).await {
            // Another run created it since the lookup: adopt it. (moto also answers this for a
            // name whose plan was deleted, which nothing here can adopt.)
            Err(e) if e.code == "AlreadyExistsException" => self.find(d).await?.ok_or(e),
            other => other,
        }
    }

    /// A changed rule makes a new plan version, which the state keeps.
    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        converge(self, d, existing).await?;
        self.find(d)
            .await?
            .ok_or_else(|| not_visible("ListBackupPlans", d.address))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(p) = self.plan(attr(a, "id")?).await? else {
            return Ok(None);
        };
        let rules = p.backup_plan().map(current_rules).unwrap_or_default();
        let rules = rules.iter().map(Rule::to_json).collect();
        let mut seen = observed([("rule", Json::Array(rules))]);
        let arn = match p.backup_plan_arn() {
            Some(arn) => arn,
            None => attr(a, "arn")?,
        };
        if let Some(tags) = self.observed_tags(arn).await? {
            seen.insert("tags".into(), tags);
        }
        Ok(Some(seen))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        if changed.contains(&"rule") {
            self.update_plan(d, attr(a, "id")?).await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_plan(a).await
    }
}

/// Every argument replaces the selection (AWS has no update for it): one of this name under
/// this plan is the one. A wrongly normalised value would replace it on every plan, so only
/// its presence is read.
impl Resource for BackupSelectionKind<'_> {
    const KEYS: &'static [&'static str] = &[];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (plan_id, name) = (d.str("plan_id")?, d.str("name")?);
        let s = self.selection(plan_id, name).await?;
        Ok(s.map(|s| Backup::selection_attrs(s.selection_id().unwrap_or(""), plan_id, name)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.create_selection(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let present = self
            .selection_exists(attr(a, "plan_id")?, attr(a, "id")?)
            .await?;
        Ok(present.then(Map::new))
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_selection(a).await
    }
}
