//! IAM roles, their inline policies and managed-policy attachments. Role names are unique in
//! the account and carry the environment's prefix, so a role is found by its name.

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use serde_json::Map;

use super::{absent_ok, attr as get, attrs, empty_answer, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags;

super::sdk_tag!(Tag, fallible);
tags::tagging!(list Client, Tag, role_name;
    list_role_tags "ListRoleTags" => tags,
    tag_role "TagRole" => set_tags,
    untag_role "UntagRole" => set_tag_keys);

super::service_client!(Iam, Client);
resources!(Iam, {
    "aws_iam_role" => IamRole,
    "aws_iam_role_policy" => IamRolePolicy,
    "aws_iam_role_policy_attachment" => IamRolePolicyAttachment,
});

impl Iam {
    async fn role(&self, name: &str) -> Result<Option<aws_sdk_iam::types::Role>, CallError> {
        Ok(absent_ok(
            self.reads
                .get_role()
                .role_name(name)
                .send()
                .await
                .op("GetRole"),
        )?
        .and_then(|r| r.role().cloned()))
    }

    fn role_attrs(role: &aws_sdk_iam::types::Role) -> Attrs {
        attrs([
            ("id", role.role_name().to_string()),
            ("name", role.role_name().to_string()),
            ("arn", role.arn().to_string()),
            ("unique_id", role.role_id().to_string()),
        ])
    }

    fn policy_attrs(role: &str, name: &str) -> Attrs {
        attrs([
            ("id", format!("{role}:{name}")),
            ("role", role.into()),
            ("name", name.into()),
        ])
    }

    fn attachment_attrs(role: &str, arn: &str) -> Attrs {
        attrs([
            ("id", format!("{role}/{arn}")),
            ("role", role.into()),
            ("policy_arn", arn.into()),
        ])
    }

    async fn role_policy(&self, role: &str, name: &str) -> Result<Option<()>, CallError> {
        let r = self
            .reads
            .get_role_policy()
            .role_name(role)
            .policy_name(name);
        Ok(absent_ok(r.send().await.op("GetRolePolicy"))?.map(drop))
    }

    /// Whether `arn` is attached to `role` (None: the role is gone).
    async fn attached(&self, role: &str, arn: &str) -> Result<Option<bool>, CallError> {
        let r = self.reads.list_attached_role_policies().role_name(role);
        let got = absent_ok(r.send().await.op("ListAttachedRolePolicies"))?;
        Ok(got.map(|r| {
            r.attached_policies()
                .iter()
                .any(|p| p.policy_arn() == Some(arn))
        }))
    }
}

impl Resource for IamRole<'_> {
    const KEYS: &'static [&'static str] = &["tags", "description"];
    /// AWS gives the trust policy back URL-encoded and rewritten.
    const UNREAD: &'static [&'static str] = &["assume_role_policy"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let Some(role) = self.role(d.str("name")?).await? else {
            return Ok(None);
        };
        // A role of the same name that another environment (or someone) owns is not ours.
        let owner = tags::read(role.tags()).get("edulibra:environment").cloned();
        if owner.as_deref() != Some(d.environment) {
            return Err(CallError::new(
                "GetRole",
                "EntityAlreadyExists",
                format!(
                    "a role named {} exists but is not tagged as part of environment {}",
                    role.role_name(),
                    d.environment
                ),
                ErrorClass::Permanent,
            ));
        }
        Ok(Some(Iam::role_attrs(&role)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let r = self
            .client
            .create_role()
            .role_name(d.str("name")?)
            .assume_role_policy_document(d.str("assume_role_policy")?)
            .set_description(d.opt_str("description").map(str::to_string))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateRole")?;
        let role = r
            .role()
            .ok_or_else(|| empty_answer("CreateRole", d.address))?;
        Ok(Iam::role_attrs(role))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        Ok(self.role(get(a, "name")?).await?.map(|r| {
            observed([
                ("tags", tag_map(tags::read(r.tags()))),
                ("description", r.description().unwrap_or("").into()),
            ])
        }))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let (c, name) = (&self.client, get(a, "name")?);
        if changed.contains(&"assume_role_policy") {
            let r = c.update_assume_role_policy().role_name(name);
            let r = r.policy_document(d.str("assume_role_policy")?);
            r.send().await.op("UpdateAssumeRolePolicy")?;
        }
        if changed.contains(&"description") {
            let r = c.update_role().role_name(name);
            let r = r.description(d.opt_str("description").unwrap_or(""));
            r.send().await.op("UpdateRole")?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, c, name, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let (c, name) = (&self.client, get(a, "name")?);
        // A role with policies left on it cannot be deleted; those are children deleted first,
        // but an interrupted run may have left some behind.
        let r = self.reads.list_attached_role_policies().role_name(name);
        let attached = r.send().await.op("ListAttachedRolePolicies")?;
        for arn in attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
        {
            let r = c.detach_role_policy().role_name(name).policy_arn(arn);
            absent_ok(r.send().await.op("DetachRolePolicy"))?;
        }
        let r = self.reads.list_role_policies().role_name(name);
        let inline = r.send().await.op("ListRolePolicies")?;
        for p in inline.policy_names() {
            let r = c.delete_role_policy().role_name(name).policy_name(p);
            absent_ok(r.send().await.op("DeleteRolePolicy"))?;
        }
        c.delete_role()
            .role_name(name)
            .send()
            .await
            .op("DeleteRole")?;
        Ok(())
    }
}

impl Resource for IamRolePolicy<'_> {
    const KEYS: &'static [&'static str] = &[];
    /// AWS gives the document back URL-encoded and rewritten: it is put on every apply.
    const UNREAD: &'static [&'static str] = &["policy"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (role, name) = (d.str("role")?, d.str("name")?);
        let got = self.role_policy(role, name).await?;
        Ok(got.map(|_| Iam::policy_attrs(role, name)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (role, name) = (d.str("role")?, d.str("name")?);
        self.update(d, &Iam::policy_attrs(role, name), &["policy"])
            .await?;
        Ok(Iam::policy_attrs(role, name))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let got = self.role_policy(get(a, "role")?, get(a, "name")?).await?;
        Ok(got.map(|_| Map::new()))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        let r = self.client.put_role_policy().role_name(get(a, "role")?);
        let r = r
            .policy_name(get(a, "name")?)
            .policy_document(d.str("policy")?);
        r.send().await.op("PutRolePolicy")?;
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_role_policy().role_name(get(a, "role")?);
        r.policy_name(get(a, "name")?)
            .send()
            .await
            .op("DeleteRolePolicy")?;
        Ok(())
    }
}

impl Resource for IamRolePolicyAttachment<'_> {
    const KEYS: &'static [&'static str] = &[];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (role, arn) = (d.str("role")?, d.str("policy_arn")?);
        let attached = self.attached(role, arn).await?.unwrap_or(false);
        Ok(attached.then(|| Iam::attachment_attrs(role, arn)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (role, arn) = (d.str("role")?, d.str("policy_arn")?);
        let r = self
            .client
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn);
        r.send().await.op("AttachRolePolicy")?;
        Ok(Iam::attachment_attrs(role, arn))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let attached = self
            .attached(get(a, "role")?, get(a, "policy_arn")?)
            .await?;
        Ok(attached.filter(|on| *on).map(|_| Map::new()))
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.detach_role_policy().role_name(get(a, "role")?);
        r.policy_arn(get(a, "policy_arn")?)
            .send()
            .await
            .op("DetachRolePolicy")?;
        Ok(())
    }
}
