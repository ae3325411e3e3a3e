//! Tags, the one way every driver reads and writes them: the `edulibra:*` tags are how a child
//! is found again (`Desired::owns`), so each resource ends up with exactly the desired set.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::driver::CallError;

/// Tags as the topology shapes them: a JSON object of strings.
pub(crate) fn tag_map<I: IntoIterator<Item = (String, String)>>(tags: I) -> Json {
    Json::Object(
        tags.into_iter()
            .map(|(k, v)| (k, Json::String(v)))
            .collect::<Map<String, Json>>(),
    )
}

/// The keys to remove so that `current` ends up equal to `desired`.
pub(crate) fn stale_keys(
    current: &BTreeMap<String, String>,
    desired: &[(String, String)],
) -> Vec<String> {
    current
        .keys()
        .filter(|k| !desired.iter().any(|(d, _)| d == *k))
        .cloned()
        .collect()
}

/// A service's tagging API for one resource: the one read path and the one write path that
/// every driver of the service uses. `tagging!` implements it on the SDK's client.
pub(crate) trait Tagging {
    async fn read_tags(&self, resource: &str) -> Result<BTreeMap<String, String>, CallError>;
    async fn untag(&self, resource: &str, keys: Vec<String>) -> Result<(), CallError>;
    /// Adds or overwrites `tags` (every tagging API upserts).
    async fn tag(&self, resource: &str, tags: Vec<(String, String)>) -> Result<(), CallError>;
}

/// Makes a resource's tags exactly `desired`: removes the stale keys and writes only the tags
/// that are missing or differ (AWS counts tags against a per-resource quota), each call made
/// only when needed. The tags are read through `reads`, the client whose calls the SDK retries
/// itself, and written through `writes`, whose calls only the engine retries.
pub(crate) async fn sync<T: Tagging>(
    reads: &T,
    writes: &T,
    resource: &str,
    desired: &[(String, String)],
) -> Result<(), CallError> {
    let current = reads.read_tags(resource).await?;
    sync_from(writes, resource, &current, desired).await
}

/// [`sync`] from tags the caller has already read (a describe call that answers them, where the
/// service's own tag listing is missing or costs a call more).
pub(crate) async fn sync_from(
    api: &impl Tagging,
    resource: &str,
    current: &BTreeMap<String, String>,
    desired: &[(String, String)],
) -> Result<(), CallError> {
    let stale = stale_keys(current, desired);
    if !stale.is_empty() {
        api.untag(resource, stale).await?;
    }
    let missing: Vec<(String, String)> = desired
        .iter()
        .filter(|(k, v)| current.get(k) != Some(v))
        .cloned()
        .collect();
    if !missing.is_empty() {
        api.tag(resource, missing).await?;
    }
    Ok(())
}

/// Implements [`Tagging`] on a service's client whose three tagging calls take the resource
/// through the same argument (`$id`). `list` services answer and take a list of their `Tag`
/// type; `map` services a map of strings.
macro_rules! tagging {
    (list $client:ty, $tag:ty, $id:ident; $($calls:tt)*) => {
        crate::apply::tags::tagging!(@impl $client, $id,
            crate::apply::tags::read::<$tag>, crate::apply::tags::sdk::<$tag>; $($calls)*);
    };
    (map $client:ty, $id:ident; $($calls:tt)*) => {
        crate::apply::tags::tagging!(@impl $client, $id,
            crate::apply::tags::from_map, crate::apply::tags::to_map; $($calls)*);
    };
    (@impl $client:ty, $id:ident, $from:path, $to:path;
     $read:ident $read_op:literal => $answer:ident,
     $add:ident $add_op:literal => $set_tags:ident,
     $remove:ident $remove_op:literal => $set_keys:ident) => {
        impl crate::apply::tags::Tagging for $client {
            async fn read_tags(
                &self,
                resource: &str,
            ) -> Result<std::collections::BTreeMap<String, String>, crate::apply::driver::CallError>
            {
                use crate::apply::calls::Call;
                let r = self.$read().$id(resource).send().await.op($read_op)?;
                Ok($from(r.$answer()))
            }
            async fn untag(
                &self,
                resource: &str,
                keys: Vec<String>,
            ) -> Result<(), crate::apply::driver::CallError> {
                use crate::apply::calls::Call;
                let b = self.$remove().$id(resource).$set_keys(Some(keys));
                b.send().await.op($remove_op).map(drop)
            }
            async fn tag(
                &self,
                resource: &str,
                tags: Vec<(String, String)>,
            ) -> Result<(), crate::apply::driver::CallError> {
                use crate::apply::calls::Call;
                let b = self.$add().$id(resource).$set_tags(Some($to(&tags)?));
                b.send().await.op($add_op).map(drop)
            }
        }
    };
}
pub(crate) use tagging;

/// A service's tag type: read as a pair, built from one. `sdk_tag!` implements it for the
/// SDK's types, whose keys and values are optional in some services and not in others.
pub(crate) trait SdkTag: Sized {
    fn pair(&self) -> Option<(String, String)>;
    fn of(key: &str, value: &str) -> Result<Self, CallError>;
}

/// A tag list as the service answered it, as a map (a tag without a key is no tag).
pub(crate) fn read<T: SdkTag>(list: &[T]) -> BTreeMap<String, String> {
    list.iter().filter_map(SdkTag::pair).collect()
}

/// `tags` in the service's own type.
pub(crate) fn sdk<T: SdkTag>(tags: &[(String, String)]) -> Result<Vec<T>, CallError> {
    tags.iter().map(|(k, v)| T::of(k, v)).collect()
}

/// Tags as a map-style service answers them (`None`: no tags).
pub(crate) fn from_map(
    tags: Option<&std::collections::HashMap<String, String>>,
) -> BTreeMap<String, String> {
    tags.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `tags` as a map-style service takes them.
pub(crate) fn to_map(
    tags: &[(String, String)],
) -> Result<std::collections::HashMap<String, String>, CallError> {
    Ok(tags.iter().cloned().collect())
}

/// A string an SDK getter answers, required (`&str`) or optional (`Option<&str>`).
pub(crate) trait SdkStr<'a> {
    fn text(self) -> Option<&'a str>;
}

impl<'a> SdkStr<'a> for &'a str {
    fn text(self) -> Option<&'a str> {
        Some(self)
    }
}

impl<'a> SdkStr<'a> for Option<&'a str> {
    fn text(self) -> Option<&'a str> {
        self
    }
}

/// Implements [`SdkTag`] for a service's `Tag` type (`key` and `value` fields): `fallible` where
/// its builder's `build()` answers a `Result` (required fields), `infallible` where it cannot fail.
macro_rules! sdk_tag {
    ($t:ty, fallible) => {
        crate::apply::tags::sdk_tag!(@impl $t, |b| crate::apply::calls::built(b, "tags"));
    };
    ($t:ty, infallible) => {
        crate::apply::tags::sdk_tag!(@impl $t, Ok);
    };
    (@impl $t:ty, $done:expr) => {
        impl crate::apply::tags::SdkTag for $t {
            fn pair(&self) -> Option<(String, String)> {
                use crate::apply::tags::SdkStr;
                let value = self.value().text().unwrap_or("");
                Some((self.key().text()?.to_string(), value.to_string()))
            }
            fn of(key: &str, value: &str) -> Result<Self, crate::apply::driver::CallError> {
                ($done)(<$t>::builder().key(key).value(value).build())
            }
        }
    };
}
pub(crate) use sdk_tag;

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn list(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A resource's tags in memory, recording the calls made.
    struct Recorded {
        tags: std::sync::Mutex<BTreeMap<String, String>>,
        calls: std::sync::Mutex<Vec<String>>,
    }

    impl Tagging for Recorded {
        async fn read_tags(&self, _: &str) -> Result<BTreeMap<String, String>, CallError> {
            Ok(self.tags.lock().unwrap().clone())
        }
        async fn untag(&self, _: &str, keys: Vec<String>) -> Result<(), CallError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("untag {}", keys.join(",")));
            keys.iter()
                .for_each(|k| drop(self.tags.lock().unwrap().remove(k)));
            Ok(())
        }
        async fn tag(&self, _: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
            let keys: Vec<&str> = tags.iter().map(|(k, _)| k.as_str()).collect();
            self.calls
                .lock()
                .unwrap()
                .push(format!("tag {}", keys.join(",")));
            self.tags.lock().unwrap().extend(tags);
            Ok(())
        }
    }

    async fn calls(current: &[(&str, &str)], desired: &[(&str, &str)]) -> Vec<String> {
        let r = Recorded {
            tags: std::sync::Mutex::new(map(current)),
            calls: std::sync::Mutex::new(Vec::new()),
        };
        sync(&r, &r, "arn", &list(desired)).await.unwrap();
        assert_eq!(
            *r.tags.lock().unwrap(),
            map(desired),
            "the tags end up as desired"
        );
        r.calls.into_inner().unwrap()
    }

    #[tokio::test]
    async fn tags_are_made_exactly_the_desired_set_with_no_call_when_equal() {
        let want = [("edulibra:environment", "e"), ("Name", "n")];
        assert!(calls(&want, &want).await.is_empty());
        assert_eq!(
            calls(
                &[("edulibra:environment", "e"), ("Name", "n"), ("old", "x")],
                &want
            )
            .await,
            ["untag old"]
        );
        assert_eq!(
            calls(&[("edulibra:environment", "e"), ("Name", "m")], &want).await,
            ["tag Name"],
            "only what differs is written"
        );
        assert_eq!(
            calls(&[("old", "x")], &want).await,
            ["untag old", "tag edulibra:environment,Name"]
        );
    }

    #[test]
    fn sdk_tags_read_and_build_with_optional_or_required_fields() {
        // DynamoDB's key and value are required (`&str`, a fallible build); RDS's are optional.
        let d: Vec<aws_sdk_dynamodb::types::Tag> = sdk(&list(&[("a", "1")])).unwrap();
        assert_eq!(read(&d), map(&[("a", "1")]));
        let r: Vec<aws_sdk_rds::types::Tag> = sdk(&list(&[("b", "")])).unwrap();
        assert_eq!(read(&r), map(&[("b", "")]));
        let keyless = aws_sdk_rds::types::Tag::builder().value("v").build();
        assert!(read(&[keyless]).is_empty());
    }
}
