//! SNS: the encrypted alarm topic (found by its unique name) and its e-mail subscription (found
//! by topic, protocol and endpoint, since subscriptions carry no name or tags).

use aws_sdk_sns::types::{Subscription, Tag};
use aws_sdk_sns::Client;
use serde_json::{Map, Value as Json};

use super::{absent_ok, attr, attrs, observed, tag_map, Call};
use crate::apply::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};
use crate::apply::pages;
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

const TOPIC: &str = "aws_sns_topic";
const SUBSCRIPTION: &str = "aws_sns_topic_subscription";

super::sdk_tag!(Tag, fallible);
tags::tagging!(list Client, Tag, resource_arn;
    list_tags_for_resource "ListTagsForResource" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

super::service_client!(Sns, Client);
resources!(Sns, { TOPIC => SnsTopic, SUBSCRIPTION => SnsTopicSubscription });

/// The topic name an ARN ends with (`arn:aws:sns:region:account:name`).
fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or("")
}

impl Sns {
    async fn topic_arn(&self, name: &str) -> Result<Option<String>, CallError> {
        let topics = pages::find(
            self.reads.list_topics().into_paginator().send(),
            "ListTopics",
            |p| p.topics(),
            |t| t.topic_arn().is_some_and(|arn| topic_name(arn) == name),
        );
        Ok(topics
            .await?
            .and_then(|t| t.topic_arn().map(str::to_string)))
    }

    async fn kms_key(&self, arn: &str) -> Result<Option<Option<String>>, CallError> {
        let r = absent_ok(
            self.reads
                .get_topic_attributes()
                .topic_arn(arn)
                .send()
                .await
                .op("GetTopicAttributes"),
        )?;
        Ok(r.map(|r| {
            r.attributes()
                .and_then(|a| a.get("KmsMasterKeyId"))
                .filter(|k| !k.is_empty())
                .cloned()
        }))
    }

    async fn subscription(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
    ) -> Result<Option<Subscription>, CallError> {
        let call = self
            .reads
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn);
        let found = pages::find(
            call.into_paginator().send(),
            "ListSubscriptionsByTopic",
            |p| p.subscriptions(),
            |s| s.protocol() == Some(protocol) && s.endpoint() == Some(endpoint),
        );
        Ok(absent_ok(found.await)?.flatten())
    }

    /// Subscribes, or finds the subscription of this endpoint (Subscribe is idempotent), with
    /// its real ARN even before the address confirms, so destroy can remove it.
    async fn subscribe(
        &self,
        topic: &str,
        protocol: &str,
        endpoint: &str,
    ) -> Result<String, CallError> {
        Ok(self
            .client
            .subscribe()
            .topic_arn(topic)
            .protocol(protocol)
            .endpoint(endpoint)
            .return_subscription_arn(true)
            .send()
            .await
            .op("Subscribe")?
            .subscription_arn()
            .unwrap_or("")
            .to_string())
    }

    fn topic_attrs(arn: &str) -> Attrs {
        attrs([
            ("id", arn.to_string()),
            ("arn", arn.to_string()),
            ("name", topic_name(arn).to_string()),
        ])
    }
}

impl Resource for SnsTopic<'_> {
    const KEYS: &'static [&'static str] = &["tags", "kms_master_key_id"];
    /// AWS gives the policy back rewritten (whitespace, principals).
    const UNREAD: &'static [&'static str] = &["policy"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let arn = self.topic_arn(d.str("name")?).await?;
        Ok(arn.map(|arn| Sns::topic_attrs(&arn)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let mut create = self
            .client
            .create_topic()
            .name(d.str("name")?)
            .set_tags(Some(tags::sdk(&d.tags())?));
        if let Some(k) = d.opt_str("kms_master_key_id") {
            create = create.attributes("KmsMasterKeyId", k);
        }
        // With the topic, so that no trail or alarm ever sees it without its policy.
        if let Some(policy) = d.opt_str("policy") {
            create = create.attributes("Policy", policy);
        }
        let r = create.send().await.op("CreateTopic")?;
        Ok(Sns::topic_attrs(r.topic_arn().unwrap_or("")))
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let arn = attr(a, "arn")?;
        let Some(key) = self.kms_key(arn).await? else {
            return Ok(None);
        };
        let tags = self.reads.read_tags(arn).await?;
        let key = key.map(Json::from).unwrap_or(Json::Null);
        Ok(Some(observed([
            ("tags", tag_map(tags)),
            ("kms_master_key_id", key),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, arn, &d.tags()).await?;
        }
        if changed.contains(&"kms_master_key_id") {
            let key = d.opt_str("kms_master_key_id").unwrap_or("");
            self.set_attribute(arn, "KmsMasterKeyId", key).await?;
        }
        if let Some(policy) = d.opt_str("policy").filter(|_| changed.contains(&"policy")) {
            self.set_attribute(arn, "Policy", policy).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let r = self.client.delete_topic().topic_arn(attr(a, "arn")?);
        absent_ok(r.send().await.op("DeleteTopic"))?;
        Ok(())
    }
}

/// A subscription still waiting for its address to confirm is listed with the ARN
/// `PendingConfirmation`, which no later call accepts. The only call that names its ARN is
/// Subscribe, idempotent for the same topic, protocol and endpoint (with ReturnSubscriptionArn;
/// it may send the confirmation again): import needs it.
impl Resource for SnsTopicSubscription<'_> {
    const KEYS: &'static [&'static str] = &[];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (topic, protocol, endpoint) =
            (d.str("topic_arn")?, d.str("protocol")?, d.str("endpoint")?);
        let Some(found) = self.subscription(topic, protocol, endpoint).await? else {
            return Ok(None);
        };
        let arn = match found.subscription_arn().filter(|a| is_arn(a)) {
            Some(arn) => arn.to_string(),
            None => self.subscribe(topic, protocol, endpoint).await?,
        };
        Ok(Some(attrs([("id", arn.clone()), ("arn", arn)])))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (topic, protocol, endpoint) =
            (d.str("topic_arn")?, d.str("protocol")?, d.str("endpoint")?);
        let arn = self.subscribe(topic, protocol, endpoint).await?;
        Ok(attrs([("id", arn.clone()), ("arn", arn)]))
    }

    /// Asked by its ARN, which answers for a pending subscription too (a listing shows those as
    /// `PendingConfirmation`, and would read them as gone). Gone with its topic, or
    /// unsubscribed: nothing to read.
    async fn read(&self, a: &Attrs) -> Observed {
        let arn = attr(a, "arn")?;
        if !is_arn(arn) {
            return Ok(None);
        }
        let r = self
            .reads
            .get_subscription_attributes()
            .subscription_arn(arn);
        let r = absent_ok(r.send().await.op("GetSubscriptionAttributes"))?;
        Ok(r.map(|_| Map::new()))
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        if !is_arn(arn) {
            // A state written before the real ARN was kept: nothing can unsubscribe it, and
            // SNS deletes unconfirmed subscriptions itself after 48 hours.
            tracing::warn!(
                subscription = arn,
                "not an ARN; SNS removes an unconfirmed subscription after 48 hours"
            );
            return Ok(());
        }
        let r = self.client.unsubscribe().subscription_arn(arn);
        absent_ok(r.send().await.op("Unsubscribe"))?;
        Ok(())
    }
}

impl Sns {
    async fn set_attribute(&self, arn: &str, name: &str, value: &str) -> Result<(), CallError> {
        let r = self.client.set_topic_attributes().topic_arn(arn);
        let r = r.attribute_name(name).attribute_value(value);
        r.send().await.op("SetTopicAttributes")?;
        Ok(())
    }
}

/// SNS answers `PendingConfirmation` (or `pending confirmation`) where a listing has no ARN yet.
fn is_arn(s: &str) -> bool {
    s.starts_with("arn:")
}
