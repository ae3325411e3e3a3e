//! The contract between the engine and the code that talks to one AWS service.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value as Json};

/// What AWS assigned to a child and others refer to: `id`, `arn`, `name`, ...
pub type Attrs = BTreeMap<String, String>;

/// The region a child lives in, from its values (every child the expansion makes carries
/// `region`); None means the provider's region (and a state written before children carried
/// one: they were all there).
pub fn child_region(values: Option<&crate::value::Value>) -> Option<&str> {
    values.and_then(|v| v.get("region").as_str())
}

/// The strings of a JSON list, as the topology writes ids, CIDRs and names (anything else in it
/// skipped; no list: none).
pub fn strings_in(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// A block of a child's values as hashicorp/aws shapes it: a map whose nested blocks are lists
/// of objects, where null means "not set". One reader for every driver, so that every driver
/// reads a missing, null or mistyped value the same way.
pub type Block = Map<String, Json>;

pub trait Fields {
    /// The value under `k`, unless it is missing or null.
    fn set(&self, k: &str) -> Option<&Json>;

    /// A string, empty or not.
    fn string(&self, k: &str) -> Option<&str> {
        self.set(k).and_then(Json::as_str)
    }

    /// A string that says something (hashicorp/aws leaves unset strings of blocks empty).
    fn text(&self, k: &str) -> Option<&str> {
        self.string(k).filter(|s| !s.is_empty())
    }

    fn owned(&self, k: &str) -> Option<String> {
        self.text(k).map(str::to_string)
    }

    fn flag(&self, k: &str) -> Option<bool> {
        self.set(k).and_then(Json::as_bool)
    }

    /// A whole number that APIs take as a 32-bit integer, written as a number or a string.
    fn int32(&self, k: &str) -> Option<i32> {
        match self.set(k)? {
            Json::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
            Json::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A whole number, written as one (or as a float with nothing after the point).
    fn int(&self, k: &str) -> Option<i64> {
        let v = self.set(k)?;
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    }

    /// A value as APIs that take strings spell it: `true`, `60`, `alb`.
    fn spelled(&self, k: &str) -> Option<String> {
        match self.set(k)? {
            Json::Bool(b) => Some(b.to_string()),
            Json::Number(n) => Some(n.to_string()),
            Json::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn texts(&self, k: &str) -> Vec<String> {
        strings_in(self.set(k))
    }

    /// The first object of a nested block (a block of one is a list of one).
    fn first(&self, k: &str) -> Option<&Block> {
        self.set(k)
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .and_then(Json::as_object)
    }

    /// Every object of a repeated block.
    fn blocks(&self, k: &str) -> Vec<&Block> {
        let items = self.set(k).and_then(Json::as_array).into_iter().flatten();
        items.filter_map(Json::as_object).collect()
    }
}

impl Fields for Block {
    fn set(&self, k: &str) -> Option<&Json> {
        self.get(k).filter(|v| !v.is_null())
    }
}

/// What AWS assigned to `address` under `attr`, from a map of provisioned children: the lookup
/// that resolves references between children.
pub fn assigned(p: &BTreeMap<String, Attrs>, address: &str, attr: &str) -> Option<String> {
    p.get(address).and_then(|x| x.get(attr)).cloned()
}

/// What a driver's four operations answer: the child found (what AWS assigned), the child
/// made usable, what it reads back of what can drift (None: gone), and a delete.
pub type Found = Result<Option<Attrs>, CallError>;
pub type Ensured = Result<Attrs, CallError>;
pub type Observed = Result<Option<Map<String, Json>>, CallError>;

pub type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>;

/// How the engine treats a failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttling, 5xx, dropped connections, eventual consistency: retried with backoff.
    Transient,
    /// The resource does not exist (deleted behind Terraform's back, or not yet visible).
    NotFound,
    /// Anything else: the child fails and the apply stops starting new children.
    Permanent,
}

/// A failed AWS call, with the service's error code and message (never request bodies).
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
#[error("{operation}: {code}: {message}")]
pub struct CallError {
    pub operation: String,
    pub code: String,
    pub message: String,
    pub class: ErrorClass,
}

impl CallError {
    pub fn new(operation: &str, code: &str, message: impl Into<String>, class: ErrorClass) -> Self {
        CallError {
            operation: operation.into(),
            code: code.into(),
            message: message.into(),
            class,
        }
    }

    /// A value the topology should have carried is missing or malformed: a bug, not AWS.
    pub fn bad_value(address: &str, key: &str, why: &str) -> Self {
        CallError::new(
            "resolve",
            "InvalidChildValue",
            format!("{address}: `{key}` {why}"),
            ErrorClass::Permanent,
        )
    }

    /// The error made transient when its code is one of `codes`: what a service answers while an
    /// earlier change is still settling (a lock moved on, a cluster still draining).
    pub fn transient_on(self, codes: &[&str]) -> CallError {
        if codes.contains(&self.code.as_str()) {
            CallError {
                class: ErrorClass::Transient,
                ..self
            }
        } else {
            self
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::NotFound
    }
}

/// One child as the engine hands it to a driver: values resolved, references filled in.
pub struct Desired<'a> {
    pub address: &'a str,
    pub kind: &'a str,
    /// The environment's id, `<name>-<stage>`: the value of its `edulibra:environment` tag.
    pub environment: &'a str,
    pub values: &'a Map<String, Json>,
}

impl<'a> Desired<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        self.values.set(key)
    }

    pub fn str(&self, key: &str) -> Result<&'a str, CallError> {
        self.get(key)
            .and_then(Json::as_str)
            .ok_or_else(|| CallError::bad_value(self.address, key, "must be a string"))
    }

    pub fn opt_str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(Json::as_str)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Json::as_i64)
    }

    /// A whole number that an API takes as a 32-bit integer (None: not given).
    pub fn int32(&self, key: &str) -> Result<Option<i32>, CallError> {
        self.get(key)
            .map(|v| {
                v.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| {
                        CallError::bad_value(self.address, key, "must be a 32-bit integer")
                    })
            })
            .transpose()
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Json::as_bool)
    }

    pub fn strings(&self, key: &str) -> Vec<String> {
        self.values.texts(key)
    }

    /// The first object of a nested block (hashicorp/aws shapes blocks as lists of one).
    pub fn block(&self, key: &str) -> Option<&'a Block> {
        self.values.first(key)
    }

    /// The region of the environment this child belongs to (its `edulibra:region` tag), which
    /// may differ from where the child lives (us-east-1, for CloudFront's needs).
    pub fn environment_region(&self) -> Option<String> {
        self.tags()
            .into_iter()
            .find(|(k, _)| k == "edulibra:region")
            .map(|(_, v)| v)
    }

    /// True when a resource with `tags` is this child: the same environment and component, and,
    /// where both say, the same environment region (one environment name may live in several
    /// regions of an account, and what is global must not be adopted across them).
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        let region = self.environment_region();
        tags.get("edulibra:component").map(String::as_str) == Some(self.address)
            && tags.get("edulibra:environment").map(String::as_str) == Some(self.environment)
            && match (tags.get("edulibra:region"), region) {
                (Some(theirs), Some(ours)) => *theirs == ours,
                _ => true,
            }
    }

    /// The child's tags (every taggable child carries the `edulibra:*` tags).
    pub fn tags(&self) -> Vec<(String, String)> {
        self.get("tags")
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Creates, reads and deletes the children of some resource types in one AWS service.
///
/// Every method is idempotent: `ensure` looks the child up before creating it (an apply killed
/// after a create adopts the resource on the next run), and `delete` of a child that is already
/// gone succeeds or answers NotFound, which the engine counts as deleted.
pub trait Driver: Send + Sync {
    /// The existing AWS resource of this child (found by tags or by its unique name), if any.
    fn find<'a>(&'a self, d: &'a Desired<'a>) -> Fut<'a, Option<Attrs>>;

    /// Makes the child exist with the desired values: adopts or creates it when `existing` is
    /// None, otherwise changes the existing resource in place. Returns when it is usable.
    fn ensure<'a>(&'a self, d: &'a Desired<'a>, existing: Option<&'a Attrs>) -> Fut<'a, Attrs>;

    /// What AWS holds now for the keys this driver can observe (None: the resource is gone).
    fn read_one<'a>(
        &'a self,
        kind: &'a str,
        attrs: &'a Attrs,
    ) -> Fut<'a, Option<Map<String, Json>>>;

    /// `read_one` for each child of `kind` in `batch`, in order. Drivers whose API describes
    /// many resources in one call answer with one call; the default asks one by one.
    fn read<'a>(
        &'a self,
        kind: &'a str,
        batch: &'a [Attrs],
    ) -> Fut<'a, Vec<Option<Map<String, Json>>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(batch.len());
            for a in batch {
                out.push(self.read_one(kind, a).await?);
            }
            Ok(out)
        })
    }

    /// Deletes the child and waits until it is gone.
    fn delete<'a>(&'a self, kind: &'a str, attrs: &'a Attrs) -> Fut<'a, ()>;
}

/// Where an environment keeps the record of its own arguments, so that `terraform import`
/// can rebuild them (AWS resources carry ids and tags, not the configuration that made them).
pub trait ManifestStore: Send + Sync {
    fn put<'a>(&'a self, bucket: &'a str, body: Vec<u8>) -> Fut<'a, ()>;
    /// None when there is no record (or no bucket).
    fn get<'a>(&'a self, bucket: &'a str) -> Fut<'a, Option<Vec<u8>>>;
    /// The buckets there are, where records may be (`list` discovers environments by them).
    fn buckets<'a>(&'a self) -> Fut<'a, Vec<String>> {
        Box::pin(async { Ok(vec![]) })
    }
}

/// Finds the driver of a resource type.
pub trait Registry: Send + Sync {
    fn driver(&self, kind: &str) -> Option<&dyn Driver>;

    /// The driver of `kind` for a child that lives in `region` (see [`child_region`]). A
    /// registry of one region answers with `driver`.
    fn driver_in(&self, kind: &str, _region: Option<&str>) -> Option<&dyn Driver> {
        self.driver(kind)
    }

    fn manifests(&self) -> Option<&dyn ManifestStore> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(v: Json) -> Block {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn blocks_read_missing_null_and_mistyped_values_as_not_set() {
        let b = block(json!({
            "name": "web", "empty": "", "none": null, "on": true, "port": 443, "text_port": "80",
            "big": 5_000_000_000_i64, "whole": 60.0, "half": 1.5, "ids": ["a", 1, "b"],
            "one": [{"k": "v"}], "many": [{"k": 1}, "not an object", {"k": 2}],
        }));
        assert_eq!(b.string("empty"), Some(""));
        assert_eq!(
            b.text("empty"),
            None,
            "an empty string of a block says nothing"
        );
        assert_eq!(b.owned("name"), Some("web".into()));
        assert_eq!(
            (b.set("none"), b.text("none"), b.flag("none")),
            (None, None, None)
        );
        assert_eq!((b.flag("on"), b.flag("name")), (Some(true), None));
        assert_eq!(
            (b.int32("port"), b.int32("text_port")),
            (Some(443), Some(80))
        );
        assert_eq!(b.int32("big"), None, "too big for the API's 32 bits");
        assert_eq!((b.int("whole"), b.int("half")), (Some(60), None));
        assert_eq!(b.spelled("on").as_deref(), Some("true"));
        assert_eq!(b.spelled("port").as_deref(), Some("443"));
        assert_eq!(b.texts("ids"), vec!["a", "b"]);
        assert_eq!(b.first("one").and_then(|o| o.text("k")), Some("v"));
        assert_eq!(b.first("missing"), None);
        assert_eq!(b.blocks("many").len(), 2);
        assert!(b.blocks("name").is_empty());
    }
}
