//! IAM roles, their inline policies and managed-policy attachments. Role names are unique in
//! the account and carry the environment's prefix, so a role is found by its name.

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use serde_json::Map;

use super::{absent_ok, attr as get, attrs, observed, tag_map, unsupported, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, ErrorClass, Found, Observed};
use crate::apply::tags;

super::sdk_tag!(Tag, fallible);
tags::tagging!(list Client, Tag, role_name;
    list_role_tags "ListRoleTags" => tags,
    tag_role "TagRole" => set_tags,
    untag_role "UntagRole" => set_tag_keys);

super::service_driver!(
    Iam,
    Client,
    [
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment"
    ]
);
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

    async fn find_kind(&self, d: &Desired<'_>) -> Found {
        match d.kind {
            "aws_iam_role" => {
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
                Ok(Some(Self::role_attrs(&role)))
            }
            "aws_iam_role_policy" => {
                let (role, name) = (d.str("role")?, d.str("name")?);
                let got = absent_ok(
                    self.reads
                        .get_role_policy()
                        .role_name(role)
                        .policy_name(name)
                        .send()
                        .await
                        .op("GetRolePolicy"),
                )?;
                Ok(got.map(|_| {
                    attrs([
                        ("id", format!("{role}:{name}")),
                        ("role", role.into()),
                        ("name", name.into()),
                    ])
                }))
            }
            "aws_iam_role_policy_attachment" => {
                let (role, arn) = (d.str("role")?, d.str("policy_arn")?);
                let got = absent_ok(
                    self.reads
                        .list_attached_role_policies()
                        .role_name(role)
                        .send()
                        .await
                        .op("ListAttachedRolePolicies"),
                )?;
                let attached = got
                    .map(|r| {
                        r.attached_policies()
                            .iter()
                            .any(|p| p.policy_arn() == Some(arn))
                    })
                    .unwrap_or(false);
                Ok(attached.then(|| {
                    attrs([
                        ("id", format!("{role}/{arn}")),
                        ("role", role.into()),
                        ("policy_arn", arn.into()),
                    ])
                }))
            }
            k => Err(unsupported(k)),
        }
    }

    async fn ensure_kind(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        let c = &self.client;
        match d.kind {
            "aws_iam_role" => {
                let name = d.str("name")?;
                let found = match existing {
                    Some(_) => self.role(name).await?,
                    None => self.find_kind(d).await?.and(self.role(name).await?),
                };
                let role = match found {
                    Some(role) => {
                        c.update_assume_role_policy()
                            .role_name(name)
                            .policy_document(d.str("assume_role_policy")?)
                            .send()
                            .await
                            .op("UpdateAssumeRolePolicy")?;
                        c.update_role()
                            .role_name(name)
                            .description(d.opt_str("description").unwrap_or(""))
                            .send()
                            .await
                            .op("UpdateRole")?;
                        let current = tags::read(role.tags());
                        tags::sync_from(c, name, &current, &d.tags()).await?;
                        role
                    }
                    None => c
                        .create_role()
                        .role_name(name)
                        .assume_role_policy_document(d.str("assume_role_policy")?)
                        .set_description(d.opt_str("description").map(str::to_string))
                        .set_tags(Some(tags::sdk(&d.tags())?))
                        .send()
                        .await
                        .op("CreateRole")?
                        .role()
                        .cloned()
                        .ok_or_else(|| {
                            CallError::new(
                                "CreateRole",
                                "NoRole",
                                "AWS returned no role",
                                ErrorClass::Permanent,
                            )
                        })?,
                };
                Ok(Self::role_attrs(&role))
            }
            "aws_iam_role_policy" => {
                let (role, name) = (d.str("role")?, d.str("name")?);
                c.put_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .policy_document(d.str("policy")?)
                    .send()
                    .await
                    .op("PutRolePolicy")?;
                Ok(attrs([
                    ("id", format!("{role}:{name}")),
                    ("role", role.into()),
                    ("name", name.into()),
                ]))
            }
            "aws_iam_role_policy_attachment" => {
                let (role, arn) = (d.str("role")?, d.str("policy_arn")?);
                c.attach_role_policy()
                    .role_name(role)
                    .policy_arn(arn)
                    .send()
                    .await
                    .op("AttachRolePolicy")?;
                Ok(attrs([
                    ("id", format!("{role}/{arn}")),
                    ("role", role.into()),
                    ("policy_arn", arn.into()),
                ]))
            }
            k => Err(unsupported(k)),
        }
    }

    async fn read_kind(&self, kind: &str, a: &Attrs) -> Observed {
        match kind {
            "aws_iam_role" => Ok(self.role(get(a, "name")?).await?.map(|r| {
                observed([
                    ("tags", tag_map(tags::read(r.tags()))),
                    ("description", r.description().unwrap_or("").into()),
                ])
            })),
            "aws_iam_role_policy" => {
                let got = absent_ok(
                    self.reads
                        .get_role_policy()
                        .role_name(get(a, "role")?)
                        .policy_name(get(a, "name")?)
                        .send()
                        .await
                        .op("GetRolePolicy"),
                )?;
                Ok(got.map(|_| Map::new()))
            }
            "aws_iam_role_policy_attachment" => {
                let arn = get(a, "policy_arn")?;
                let got = absent_ok(
                    self.reads
                        .list_attached_role_policies()
                        .role_name(get(a, "role")?)
                        .send()
                        .await
                        .op("ListAttachedRolePolicies"),
                )?;
                Ok(got
                    .filter(|r| {
                        r.attached_policies()
                            .iter()
                            .any(|p| p.policy_arn() == Some(arn))
                    })
                    .map(|_| Map::new()))
            }
            k => Err(unsupported(k)),
        }
    }

    async fn delete_kind(&self, kind: &str, a: &Attrs) -> Result<(), CallError> {
        let c = &self.client;
        match kind {
            "aws_iam_role" => {
                let name = get(a, "name")?;
                // A role with policies left on it cannot be deleted; those are children deleted
                // first, but an interrupted run may have left some behind.
                let attached = self
                    .reads
                    .list_attached_role_policies()
                    .role_name(name)
                    .send()
                    .await
                    .op("ListAttachedRolePolicies")?;
                for p in attached.attached_policies() {
                    if let Some(arn) = p.policy_arn() {
                        absent_ok(
                            c.detach_role_policy()
                                .role_name(name)
                                .policy_arn(arn)
                                .send()
                                .await
                                .op("DetachRolePolicy"),
                        )?;
                    }
                }
                let inline = self
                    .reads
                    .list_role_policies()
                    .role_name(name)
                    .send()
                    .await
                    .op("ListRolePolicies")?;
                for p in inline.policy_names() {
                    absent_ok(
                        c.delete_role_policy()
                            .role_name(name)
                            .policy_name(p)
                            .send()
                            .await
                            .op("DeleteRolePolicy"),
                    )?;
                }
                c.delete_role()
                    .role_name(name)
                    .send()
                    .await
                    .op("DeleteRole")?;
            }
            "aws_iam_role_policy" => {
                c.delete_role_policy()
                    .role_name(get(a, "role")?)
                    .policy_name(get(a, "name")?)
                    .send()
                    .await
                    .op("DeleteRolePolicy")?;
            }
            "aws_iam_role_policy_attachment" => {
                c.detach_role_policy()
                    .role_name(get(a, "role")?)
                    .policy_arn(get(a, "policy_arn")?)
                    .send()
                    .await
                    .op("DetachRolePolicy")?;
            }
            k => return Err(unsupported(k)),
        }
        Ok(())
    }
}
