//! ElastiCache: the cache's subnet group, its Redis users (the mandatory `default` switched off,
//! the application's authenticating with IAM, so no password exists anywhere) and their user
//! group, and the Redis replication group (encrypted at rest with the environment key and in
//! transit, user group attached). All four are found by their unique ids.

use std::time::Duration;

use aws_sdk_elasticache::types::{
    AuthenticationMode, AuthenticationType, AutomaticFailoverStatus, CacheCluster,
    CacheSubnetGroup, InputAuthenticationType, MultiAzStatus, ReplicationGroup, Tag, User,
    UserGroup,
};
use aws_sdk_elasticache::Client;
use serde_json::{json, Value as Json};

use super::not_visible;
use super::{
    attr, attrs, codes, empty_answer, for_states, named, observed, tag_map, until_gone, wait_until,
    while_busy, Absent, Call, States,
};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::resource::{resources, same_set, set_change, Modify, Resource};
use crate::apply::tags::{self, Tagging};

const SUBNET_GROUP: &str = "aws_elasticache_subnet_group";
const USER: &str = "aws_elasticache_user";
const USER_GROUP: &str = "aws_elasticache_user_group";
const REPLICATION_GROUP: &str = "aws_elasticache_replication_group";

const SUBNET_GROUP_NOT_FOUND: &str = "CacheSubnetGroupNotFoundFault";
const USER_NOT_FOUND: &str = "UserNotFound";
const USER_GROUP_NOT_FOUND: &str = "UserGroupNotFound";
const GROUP_NOT_FOUND: &str = "ReplicationGroupNotFoundFault";
const CLUSTER_NOT_FOUND: &str = "CacheClusterNotFound";

/// How long a new or modified replication group may take to become `available` (AWS: ten to
/// twenty minutes, more with replicas; moto: at once). A timeout is transient, so the engine's
/// retry extends it.
/// Users and user groups ("Status", ElastiCache API Reference: active, creating, modifying,
/// deleting); none is terminal.
const ACTIVE: States = States {
    ready: &["active"],
    terminal: &[],
};

/// Replication groups ("Status", ElastiCache API Reference): `create-failed` is a group AWS
/// could not make, which stays so until someone deletes it.
const REPLICATION_GROUP_STATES: States = States {
    ready: &["available"],
    terminal: &["create-failed"],
};

const AVAILABLE_WITHIN: Duration = Duration::from_secs(60 * 60);

/// Users and user groups settle in seconds to a few minutes.
const ACTIVE_WITHIN: Duration = Duration::from_secs(10 * 60);

/// How long a subnet group, user group or user may stay attached to a replication group that is
/// being deleted: delete returns once the group is `deleting` (see `delete_kind`), and AWS
/// releases what it used only when the group is gone.
const RELEASED_WITHIN: Duration = Duration::from_secs(30 * 60);

/// How long `ensure` waits for a replication group of the same id to finish deleting before it
/// creates the new one. moto keeps such a group `deleting` forever, so this one ends in a
/// permanent failure instead of the engine's retries.
const DELETED_WITHIN: Duration = Duration::from_secs(20 * 60);

super::service_client!(ElastiCache, Client);
resources!(ElastiCache, {
    SUBNET_GROUP => ElasticacheSubnetGroup,
    USER => ElasticacheUser,
    USER_GROUP => ElasticacheUserGroup,
    REPLICATION_GROUP => ElasticacheReplicationGroup,
});

/// A call whose `code` means "absent". Other NotFound-looking codes (the service-linked role's
/// `ServiceLinkedRoleNotFoundFault`) are failures, not absence, so they are made permanent
/// rather than counted as a resource that is gone.
fn absent_on<T>(r: Result<T, CallError>, code: &str) -> Result<Option<T>, CallError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code == code => Ok(None),
        Err(e) if e.is_not_found() => Err(CallError {
            class: ErrorClass::Permanent,
            ..e
        }),
        Err(e) => Err(e),
    }
}

super::sdk_tag!(Tag, infallible);
tags::tagging!(list Client, Tag, resource_name;
    list_tags_for_resource "ListTagsForResource" => tag_list,
    add_tags_to_resource "AddTagsToResource" => set_tags,
    remove_tags_from_resource "RemoveTagsFromResource" => set_tag_keys);

/// The authentication type in the topology's words: AWS answers `no-password` for what is
/// asked as `no-password-required` (moto answers with the word asked).
fn auth_type(u: &User) -> Option<&str> {
    u.authentication()
        .and_then(|a| a.r#type())
        .map(|t| match t {
            AuthenticationType::NoPassword => "no-password-required",
            other => other.as_str(),
        })
}

/// The desired authentication mode. The topology asks for `iam` and `no-password-required`;
/// passwords are passed on only if a configuration ever carries them, and never kept in Attrs.
fn auth_mode(d: &Desired<'_>) -> Option<AuthenticationMode> {
    let b = d.block("authentication_mode")?;
    let t = b.get("type").and_then(Json::as_str)?;
    let passwords: Vec<String> = b
        .get("passwords")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(
        AuthenticationMode::builder()
            .r#type(InputAuthenticationType::from(t))
            .set_passwords(Some(passwords).filter(|p| !p.is_empty()))
            .build(),
    )
}

/// `auto_minor_version_upgrade` is a string in hashicorp/aws's replication group ("true").
fn wanted_minor_upgrades(d: &Desired<'_>) -> Option<bool> {
    d.bool("auto_minor_version_upgrade").or_else(|| {
        d.opt_str("auto_minor_version_upgrade")
            .and_then(|s| s.parse::<bool>().ok())
    })
}

fn failover_on(g: &ReplicationGroup) -> Option<bool> {
    match g.automatic_failover()? {
        AutomaticFailoverStatus::Enabled | AutomaticFailoverStatus::Enabling => Some(true),
        AutomaticFailoverStatus::Disabled | AutomaticFailoverStatus::Disabling => Some(false),
        _ => None,
    }
}

fn multi_az_on(g: &ReplicationGroup) -> Option<bool> {
    match g.multi_az()? {
        MultiAzStatus::Enabled => Some(true),
        MultiAzStatus::Disabled => Some(false),
        _ => None,
    }
}

/// True when the running engine version is the one asked for: AWS runs `7.1.0` for `7.1`,
/// and `6.x` means any 6.
fn same_version(running: &str, wanted: &str) -> bool {
    let w = wanted.trim_end_matches(".x");
    running == w || running.starts_with(&format!("{w}."))
}

impl ElastiCache {
    async fn subnet_group(&self, name: &str) -> Result<Option<CacheSubnetGroup>, CallError> {
        let r = absent_on(
            self.reads
                .describe_cache_subnet_groups()
                .cache_subnet_group_name(name)
                .send()
                .await
                .op("DescribeCacheSubnetGroups"),
            SUBNET_GROUP_NOT_FOUND,
        )?;
        Ok(r.and_then(|r| r.cache_subnet_groups().first().cloned()))
    }

    async fn user(&self, id: &str) -> Result<Option<User>, CallError> {
        let r = absent_on(
            self.reads
                .describe_users()
                .user_id(id)
                .send()
                .await
                .op("DescribeUsers"),
            USER_NOT_FOUND,
        )?;
        Ok(r.and_then(|r| r.users().iter().find(|u| u.user_id() == Some(id)).cloned()))
    }

    async fn user_group(&self, id: &str) -> Result<Option<UserGroup>, CallError> {
        let r = absent_on(
            self.reads
                .describe_user_groups()
                .user_group_id(id)
                .send()
                .await
                .op("DescribeUserGroups"),
            USER_GROUP_NOT_FOUND,
        )?;
        Ok(r.and_then(|r| {
            r.user_groups()
                .iter()
                .find(|g| g.user_group_id() == Some(id))
                .cloned()
        }))
    }

    async fn replication_group(&self, id: &str) -> Result<Option<ReplicationGroup>, CallError> {
        let r = absent_on(
            self.reads
                .describe_replication_groups()
                .replication_group_id(id)
                .send()
                .await
                .op("DescribeReplicationGroups"),
            GROUP_NOT_FOUND,
        )?;
        Ok(r.and_then(|r| r.replication_groups().first().cloned()))
    }

    /// A group being deleted counts as gone everywhere but in `ensure`, which must wait for
    /// its id to be free (moto keeps such a group `deleting` forever).
    async fn live_replication_group(
        &self,
        id: &str,
    ) -> Result<Option<ReplicationGroup>, CallError> {
        Ok(self
            .replication_group(id)
            .await?
            .filter(|g| g.status() != Some("deleting")))
    }

    /// The group's first member, which carries what the group does not describe (security
    /// groups, engine version). None when it is not described (moto does not describe the
    /// members of a replication group).
    async fn first_member(&self, g: &ReplicationGroup) -> Result<Option<CacheCluster>, CallError> {
        let Some(member) = g.member_clusters().first() else {
            return Ok(None);
        };
        let r = absent_on(
            self.reads
                .describe_cache_clusters()
                .cache_cluster_id(member)
                .send()
                .await
                .op("DescribeCacheClusters"),
            CLUSTER_NOT_FOUND,
        )?;
        Ok(r.and_then(|r| r.cache_clusters().first().cloned()))
    }

    fn subnet_group_attrs(g: &CacheSubnetGroup) -> Attrs {
        let mut a = named(g.cache_subnet_group_name(), g.arn());
        a.insert("vpc_id".into(), g.vpc_id().unwrap_or("").to_string());
        a
    }

    fn user_attrs(u: &User) -> Attrs {
        let id = u.user_id().unwrap_or("").to_string();
        attrs([
            ("id", id.clone()),
            ("user_id", id),
            ("user_name", u.user_name().unwrap_or("").to_string()),
            ("arn", u.arn().unwrap_or("").to_string()),
        ])
    }

    fn user_group_attrs(g: &UserGroup) -> Attrs {
        let id = g.user_group_id().unwrap_or("").to_string();
        attrs([
            ("id", id.clone()),
            ("user_group_id", id),
            ("arn", g.arn().unwrap_or("").to_string()),
        ])
    }

    /// What the state keeps of a replication group: what AWS assigned, plus the member count
    /// this driver last made it have (see `modify_replication_group`).
    fn replication_group_attrs(g: &ReplicationGroup, members: i64) -> Attrs {
        let id = g.replication_group_id().unwrap_or("").to_string();
        let node = g.node_groups().first();
        let primary = node.and_then(|n| n.primary_endpoint());
        let reader = node.and_then(|n| n.reader_endpoint());
        let configuration = g.configuration_endpoint();
        let port = primary
            .or(configuration)
            .and_then(|e| e.port())
            .unwrap_or(6379);
        let mut a = attrs([
            ("id", id.clone()),
            ("replication_group_id", id),
            ("arn", g.arn().unwrap_or("").to_string()),
            ("port", port.to_string()),
            ("num_cache_clusters", members.to_string()),
        ]);
        if let Some(x) = primary.and_then(|e| e.address()) {
            a.insert("primary_endpoint_address".into(), x.to_string());
        }
        if let Some(x) = reader.and_then(|e| e.address()) {
            a.insert("reader_endpoint_address".into(), x.to_string());
        }
        if let Some(x) = configuration.and_then(|e| e.address()) {
            a.insert("configuration_endpoint_address".into(), x.to_string());
        }
        a
    }

    fn members(g: &ReplicationGroup) -> i64 {
        g.member_clusters().len() as i64
    }

    /// Waits until a user or user group (`status` answers its status) is active.
    async fn wait_active<F, Fut>(&self, op: &str, id: &str, status: F) -> Result<(), CallError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<String>, CallError>>,
    {
        for_states(op, id, ACTIVE_WITHIN, &ACTIVE, Absent::Pending, status).await
    }

    async fn wait_available(&self, id: &str) -> Result<ReplicationGroup, CallError> {
        let what = format!("replication group {id} (delete it, then apply again)");
        let states = &REPLICATION_GROUP_STATES;
        for_states(
            "DescribeReplicationGroups",
            &what,
            AVAILABLE_WITHIN,
            states,
            Absent::Pending,
            || async {
                Ok(self
                    .replication_group(id)
                    .await?
                    .and_then(|g| g.status().map(str::to_string)))
            },
        )
        .await?;
        let group = self.replication_group(id).await?;
        group.ok_or_else(|| not_visible("DescribeReplicationGroups", id))
    }

    /// Waits until a replication group of this id, being deleted, is gone, so that a new one
    /// can take the id.
    async fn wait_replication_group_gone(&self, id: &str) -> Result<(), CallError> {
        until_gone(id, DELETED_WITHIN, || async {
            Ok(self.replication_group(id).await?.is_some())
        })
        .await
        .map_err(|e| {
            if e.code == "WaitTimeout" {
                CallError::new(
                    "wait",
                    "StillDeleting",
                    format!("{id}: a replication group of this id is still being deleted after {}s; apply again once it is gone", DELETED_WITHIN.as_secs()),
                    ErrorClass::Permanent,
                )
            } else {
                e
            }
        })
    }

    async fn create_replication_group(&self, d: &Desired<'_>) -> Result<(), CallError> {
        let non_empty = |v: Vec<String>| Some(v).filter(|v| !v.is_empty());
        self.client
            .create_replication_group()
            .replication_group_id(d.str("replication_group_id")?)
            .replication_group_description(d.str("description")?)
            .engine(d.opt_str("engine").unwrap_or("redis"))
            .set_engine_version(d.opt_str("engine_version").map(str::to_string))
            .cache_node_type(d.str("node_type")?)
            .set_num_cache_clusters(d.int32("num_cache_clusters")?)
            .set_port(d.int32("port")?)
            .set_automatic_failover_enabled(d.bool("automatic_failover_enabled"))
            .set_multi_az_enabled(d.bool("multi_az_enabled"))
            .set_at_rest_encryption_enabled(d.bool("at_rest_encryption_enabled"))
            .set_kms_key_id(d.opt_str("kms_key_id").map(str::to_string))
            .set_transit_encryption_enabled(d.bool("transit_encryption_enabled"))
            .set_cache_subnet_group_name(d.opt_str("subnet_group_name").map(str::to_string))
            .set_security_group_ids(non_empty(d.strings("security_group_ids")))
            .set_user_group_ids(non_empty(d.strings("user_group_ids")))
            .set_snapshot_retention_limit(d.int32("snapshot_retention_limit")?)
            .set_auto_minor_version_upgrade(wanted_minor_upgrades(d))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateReplicationGroup")?;
        Ok(())
    }

    /// Applies the arguments that change in place (see `kinds`) where they differ.
    ///
    /// The member count is compared with the count the state recorded (`recorded`), not with
    /// the group's members: moto creates one member whatever the count, and a group adopted
    /// without a record keeps its members. Failover needs two members, so it is switched off
    /// before replicas go and switched on after they come.
    async fn modify_replication_group(
        &self,
        d: &Desired<'_>,
        g: &ReplicationGroup,
        recorded: Option<i64>,
    ) -> Result<(), CallError> {
        let id = d.str("replication_group_id")?;
        let want_failover = d.bool("automatic_failover_enabled").unwrap_or(false);
        let want_multi_az = d.bool("multi_az_enabled").unwrap_or(false);
        // Only where AWS reports the setting.
        let minor = wanted_minor_upgrades(d).filter(|want| {
            g.auto_minor_version_upgrade()
                .is_some_and(|have| have != *want)
        });
        let (add, remove) = set_change(&d.strings("user_group_ids"), g.user_group_ids());
        // The security groups and the engine version are the members' (the first one's).
        let first = self.first_member(g).await?;
        let wanted_sgs = d.strings("security_group_ids");
        let sgs_differ = first.as_ref().is_some_and(|c| {
            let current = c
                .security_groups()
                .iter()
                .filter_map(|s| s.security_group_id());
            !wanted_sgs.is_empty() && !same_set(current, &wanted_sgs)
        });
        let running = first.as_ref().and_then(|c| c.engine_version());
        let version = d
            .opt_str("engine_version")
            .filter(|want| running.is_some_and(|r| !same_version(r, want)));
        let call = self.client.modify_replication_group();
        let call = call.replication_group_id(id).apply_immediately(true);
        let (changed, m) = Modify::new(call)
            .set(d.opt_str("description"), g.description(), |m, v| {
                m.replication_group_description(v)
            })
            .set(d.opt_str("node_type"), g.cache_node_type(), |m, v| {
                m.cache_node_type(v)
            })
            .set(
                d.int32("snapshot_retention_limit")?,
                Some(g.snapshot_retention_limit().unwrap_or(0)),
                |m, v| m.snapshot_retention_limit(v),
            )
            .with(minor, |m, v| m.auto_minor_version_upgrade(v))
            .set(Some(want_failover), failover_on(g), |m, v| {
                m.automatic_failover_enabled(v)
            })
            .set(Some(want_multi_az), multi_az_on(g), |m, v| {
                m.multi_az_enabled(v)
            })
            .when(!add.is_empty(), |m| m.set_user_group_ids_to_add(Some(add)))
            .when(!remove.is_empty(), |m| {
                m.set_user_group_ids_to_remove(Some(remove))
            })
            .when(sgs_differ, |m| m.set_security_group_ids(Some(wanted_sgs)))
            .with(version, |m, v| m.engine_version(v))
            .parts();
        let busy = &["InvalidReplicationGroupState", "InvalidCacheClusterState"];
        let send_modify = || async {
            while_busy(id, AVAILABLE_WITHIN, codes(busy), || async {
                m.clone().send().await.op("ModifyReplicationGroup")
            })
            .await?;
            self.wait_available(id).await.map(|_| ())
        };
        if changed && !want_failover {
            send_modify().await?;
        }
        let want_count = d.int("num_cache_clusters").unwrap_or(1);
        if let Some(have) = recorded.filter(|&r| r != want_count) {
            let replicas = (want_count - 1).max(0) as i32;
            while_busy(id, AVAILABLE_WITHIN, codes(busy), || async {
                if want_count > have {
                    self.client
                        .increase_replica_count()
                        .replication_group_id(id)
                        .new_replica_count(replicas)
                        .apply_immediately(true)
                        .send()
                        .await
                        .op("IncreaseReplicaCount")
                        .map(|_| ())
                } else {
                    self.client
                        .decrease_replica_count()
                        .replication_group_id(id)
                        .new_replica_count(replicas)
                        .apply_immediately(true)
                        .send()
                        .await
                        .op("DecreaseReplicaCount")
                        .map(|_| ())
                }
            })
            .await?;
            self.wait_available(id).await?;
        }
        if changed && want_failover {
            send_modify().await?;
        }
        Ok(())
    }
}

impl Resource for ElasticacheSubnetGroup<'_> {
    const KEYS: &'static [&'static str] = &["tags", "description"];
    /// A set of subnets, compared as one by `update`.
    const UNREAD: &'static [&'static str] = &["subnets"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let g = self.subnet_group(d.str("name")?).await?;
        Ok(g.as_ref().map(ElastiCache::subnet_group_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let name = d.str("name")?;
        let r = self
            .client
            .create_cache_subnet_group()
            .cache_subnet_group_name(name)
            .cache_subnet_group_description(
                d.opt_str("description").unwrap_or("Managed by EduLibra"),
            )
            .set_subnet_ids(Some(d.strings("subnet_ids")))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateCacheSubnetGroup")?;
        let g = r.cache_subnet_group();
        let g = g.ok_or_else(|| empty_answer("CreateCacheSubnetGroup", name))?;
        Ok(ElastiCache::subnet_group_attrs(g))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(g) = self.subnet_group(attr(a, "name")?).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(g.arn().unwrap_or("")).await?;
        let description = g.cache_subnet_group_description().map(Json::from);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("description", description.unwrap_or(Json::Null)),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let name = attr(a, "name")?;
        let description = d.opt_str("description").unwrap_or("Managed by EduLibra");
        let subnets = d.strings("subnet_ids");
        let g = self.subnet_group(name).await?;
        let g = g.ok_or_else(|| not_visible("DescribeCacheSubnetGroups", name))?;
        let current = g.subnets().iter().filter_map(|s| s.subnet_identifier());
        if !same_set(current, &subnets) || g.cache_subnet_group_description() != Some(description) {
            self.client
                .modify_cache_subnet_group()
                .cache_subnet_group_name(name)
                .cache_subnet_group_description(description)
                .set_subnet_ids(Some(subnets))
                .send()
                .await
                .op("ModifyCacheSubnetGroup")?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, attr(a, "arn")?, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let name = attr(a, "name")?;
        let busy = codes(&["CacheSubnetGroupInUse"]);
        while_busy(name, RELEASED_WITHIN, busy, || async {
            let r = self
                .client
                .delete_cache_subnet_group()
                .cache_subnet_group_name(name);
            absent_on(
                r.send().await.op("DeleteCacheSubnetGroup"),
                SUBNET_GROUP_NOT_FOUND,
            )
        })
        .await?;
        Ok(())
    }
}

impl Resource for ElasticacheUser<'_> {
    /// The access string is left out: AWS rewrites some spellings of it.
    const KEYS: &'static [&'static str] = &["tags", "authentication_mode"];
    const UNREAD: &'static [&'static str] = &["access_string"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let u = self.user(d.str("user_id")?).await?;
        let live = u.filter(|u| u.status() != Some("deleting"));
        Ok(live.as_ref().map(ElastiCache::user_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let id = d.str("user_id")?;
        // A replacement: the old user must free its id first.
        let exists = || async { Ok(self.user(id).await?.is_some()) };
        until_gone(id, RELEASED_WITHIN, exists).await?;
        let r = self
            .client
            .create_user()
            .user_id(id)
            .user_name(d.str("user_name")?)
            .engine(d.opt_str("engine").unwrap_or("redis"))
            .access_string(d.str("access_string")?)
            .set_authentication_mode(auth_mode(d))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateUser")?;
        let user = User::builder()
            .set_user_id(r.user_id().map(str::to_string))
            .set_user_name(r.user_name().map(str::to_string))
            .set_arn(r.arn().map(str::to_string))
            .build();
        Ok(ElastiCache::user_attrs(&user))
    }

    async fn ready(&self, d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        let id = d.str("user_id")?;
        let status = || async {
            Ok(self
                .user(id)
                .await?
                .and_then(|u| u.status().map(str::to_string)))
        };
        self.wait_active("DescribeUsers", id, status).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let u = self.user(attr(a, "user_id")?).await?;
        let Some(u) = u.filter(|u| u.status() != Some("deleting")) else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(u.arn().unwrap_or("")).await?;
        let auth = auth_type(&u).map(|t| json!([{ "type": t }]));
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("authentication_mode", auth.unwrap_or(Json::Null)),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let id = attr(a, "user_id")?;
        let u = self.user(id).await?;
        let u = u.ok_or_else(|| not_visible("DescribeUsers", id))?;
        let access = d.str("access_string")?;
        let access_differs = u.access_string() != Some(access);
        let auth_differs = changed.contains(&"authentication_mode");
        if access_differs || auth_differs {
            let mut m = self.client.modify_user().user_id(id);
            if access_differs {
                m = m.access_string(access);
            }
            if auth_differs {
                m = m.set_authentication_mode(auth_mode(d));
            }
            // A user whose group is changing refuses changes for a moment.
            while_busy(id, ACTIVE_WITHIN, codes(&["InvalidUserState"]), || async {
                m.clone().send().await.op("ModifyUser")
            })
            .await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, u.arn().unwrap_or(""), &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let id = attr(a, "user_id")?;
        // Refused while its user group is being deleted or changed.
        let busy = codes(&["InvalidUserState", "DefaultUserAssociatedToUserGroup"]);
        while_busy(id, RELEASED_WITHIN, busy, || async {
            let r = self.client.delete_user().user_id(id).send().await;
            absent_on(r.op("DeleteUser"), USER_NOT_FOUND)
        })
        .await?;
        let exists = || async { Ok(self.user(id).await?.is_some()) };
        until_gone(id, RELEASED_WITHIN, exists).await
    }
}

impl Resource for ElasticacheUserGroup<'_> {
    const KEYS: &'static [&'static str] = &["tags"];
    /// The members, compared as a set by `update`.
    const UNREAD: &'static [&'static str] = &["user_ids"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let g = self.user_group(d.str("user_group_id")?).await?;
        let live = g.filter(|g| g.status() != Some("deleting"));
        Ok(live.as_ref().map(ElastiCache::user_group_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let id = d.str("user_group_id")?;
        // A replacement: the old group must free its id first.
        let exists = || async { Ok(self.user_group(id).await?.is_some()) };
        until_gone(id, RELEASED_WITHIN, exists).await?;
        let r = self
            .client
            .create_user_group()
            .user_group_id(id)
            .engine(d.opt_str("engine").unwrap_or("redis"))
            .set_user_ids(Some(d.strings("user_ids")))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateUserGroup")?;
        let group = UserGroup::builder()
            .set_user_group_id(r.user_group_id().map(str::to_string))
            .set_arn(r.arn().map(str::to_string))
            .build();
        Ok(ElastiCache::user_group_attrs(&group))
    }

    async fn ready(&self, d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        let id = d.str("user_group_id")?;
        let status = || async {
            Ok(self
                .user_group(id)
                .await?
                .and_then(|g| g.status().map(str::to_string)))
        };
        self.wait_active("DescribeUserGroups", id, status).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let g = self.user_group(attr(a, "user_group_id")?).await?;
        let Some(g) = g.filter(|g| g.status() != Some("deleting")) else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(g.arn().unwrap_or("")).await?;
        Ok(Some(observed([("tags", tag_map(tags))])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let id = attr(a, "user_group_id")?;
        let g = self.user_group(id).await?;
        let g = g.ok_or_else(|| not_visible("DescribeUserGroups", id))?;
        let (wanted, current) = (d.strings("user_ids"), g.user_ids());
        let (add, remove) = set_change(&wanted, current);
        if !add.is_empty() || !remove.is_empty() {
            let busy = codes(&["InvalidUserGroupState"]);
            while_busy(id, ACTIVE_WITHIN, busy, || async {
                self.client
                    .modify_user_group()
                    .user_group_id(id)
                    .set_user_ids_to_add(Some(add.clone()).filter(|v| !v.is_empty()))
                    .set_user_ids_to_remove(Some(remove.clone()).filter(|v| !v.is_empty()))
                    .send()
                    .await
                    .op("ModifyUserGroup")
            })
            .await?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, g.arn().unwrap_or(""), &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let id = attr(a, "user_group_id")?;
        // Refused while the replication group that uses it is being deleted.
        let busy = codes(&["InvalidUserGroupState"]);
        while_busy(id, RELEASED_WITHIN, busy, || async {
            let r = self
                .client
                .delete_user_group()
                .user_group_id(id)
                .send()
                .await;
            absent_on(r.op("DeleteUserGroup"), USER_GROUP_NOT_FOUND)
        })
        .await?;
        let exists = || async { Ok(self.user_group(id).await?.is_some()) };
        until_gone(id, RELEASED_WITHIN, exists).await
    }
}

/// Its own `ensure`: the member count is compared with the count the state recorded (see
/// `modify_replication_group`), which only `existing` carries.
impl Resource for ElasticacheReplicationGroup<'_> {
    const KEYS: &'static [&'static str] = &[
        "tags",
        "node_type",
        "automatic_failover_enabled",
        "multi_az_enabled",
        "snapshot_retention_limit",
    ];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let g = self
            .live_replication_group(d.str("replication_group_id")?)
            .await?;
        Ok(g.map(|g| ElastiCache::replication_group_attrs(&g, ElastiCache::members(&g))))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let id = d.str("replication_group_id")?;
        self.create_replication_group(d).await?;
        let g = self.wait_available(id).await?;
        let want_count = d.int("num_cache_clusters").unwrap_or(1);
        Ok(ElastiCache::replication_group_attrs(&g, want_count))
    }

    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        let id = d.str("replication_group_id")?;
        let Some(g) = self.replication_group(id).await? else {
            return self.create(d).await;
        };
        if g.status() == Some("deleting") {
            // A replacement: the old group must free its id first.
            self.wait_replication_group_gone(id).await?;
            return self.create(d).await;
        }
        let recorded = existing
            .and_then(|a| a.get("num_cache_clusters"))
            .and_then(|n| n.parse::<i64>().ok());
        // It may still be creating or modifying, which refuses further changes.
        let g = self.wait_available(id).await?;
        self.modify_replication_group(d, &g, recorded).await?;
        tags::sync(&self.reads, &self.client, g.arn().unwrap_or(""), &d.tags()).await?;
        let g = self.wait_available(id).await?;
        let members = match recorded {
            Some(_) => d.int("num_cache_clusters").unwrap_or(1),
            None => ElastiCache::members(&g),
        };
        Ok(ElastiCache::replication_group_attrs(&g, members))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let g = self
            .live_replication_group(attr(a, "replication_group_id")?)
            .await?;
        let Some(g) = g else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(g.arn().unwrap_or("")).await?;
        let opt_bool = |v: Option<bool>| v.map(Json::Bool).unwrap_or(Json::Null);
        let retention = g.snapshot_retention_limit().map(Json::from);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            (
                "node_type",
                g.cache_node_type().map(Json::from).unwrap_or(Json::Null),
            ),
            ("automatic_failover_enabled", opt_bool(failover_on(&g))),
            ("multi_az_enabled", opt_bool(multi_az_on(&g))),
            ("snapshot_retention_limit", retention.unwrap_or(Json::Null)),
        ])))
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let id = attr(a, "replication_group_id")?;
        if self.live_replication_group(id).await?.is_none() {
            return Ok(());
        }
        // A group that is creating or modifying refuses deletion until it is available.
        wait_until(id, AVAILABLE_WITHIN, || async {
            let r = self
                .client
                .delete_replication_group()
                .replication_group_id(id);
            match absent_on(r.send().await.op("DeleteReplicationGroup"), GROUP_NOT_FOUND) {
                Ok(_) => Ok(true),
                Err(e) if e.code == "InvalidReplicationGroupState" => {
                    Ok(self.live_replication_group(id).await?.is_none())
                }
                Err(e) => Err(e),
            }
        })
        .await?;
        // `deleting` counts as gone: moto keeps a deleted group `deleting` forever. What the
        // group used (subnet group, user group) waits in its own delete until AWS releases it.
        let exists = || async { Ok(self.live_replication_group(id).await?.is_some()) };
        until_gone(id, AVAILABLE_WITHIN, exists).await
    }
}
