//! One resource type in the shape every driver shares, after terraform-provider-aws's per
//! resource `find…`, `status…` and `wait…` functions: a type says how to find, create, read,
//! change and delete one child, and which keys it reads back. [`converge`] makes a child from
//! those, the same way for every type: find or create, wait until usable, read, and change in
//! place exactly the keys whose observed value differs from the desired one.
//!
//! The keys a type reads are data (`Resource::KEYS`): they are what drift is judged on (the
//! engine's read keeps only them) and what `ensure` compares, so one read serves both, and a
//! key that the driver changes but never reads back cannot hide drift.

use serde_json::{Map, Value as Json};

use super::calls::not_visible;
use super::driver::{Attrs, CallError, Desired, Ensured, Found, Observed};

pub(crate) trait Resource: Sync {
    /// The keys `read` observes, in the topology's shape.
    const KEYS: &'static [&'static str];

    /// Keys that `read` does not report because AWS's form of them does not equal the
    /// topology's (a policy it rewrites, a version given as a major only, a list it answers as
    /// a set, an alarm's whole definition): `create` sets them, and every `ensure` of a found
    /// child hands them to `update`, which sets them again or compares them itself.
    const UNREAD: &'static [&'static str] = &[];

    /// The existing AWS resource of this child (by its unique name or its ownership tags).
    async fn find(&self, d: &Desired<'_>) -> Found;

    /// The resource the state records for this child, when it is still there: for types whose
    /// lookup key changes in place (a rename updates that resource, it does not make another).
    /// By default the state's record is not used, and `find` looks the child up.
    async fn recorded(&self, _a: &Attrs) -> Found {
        Ok(None)
    }

    /// Creates the child and answers what AWS assigned. Whatever the create call cannot set is
    /// left to `update`, which `converge` calls next for every key that differs.
    async fn create(&self, d: &Desired<'_>) -> Ensured;

    /// Waits until a child just found or created is usable (by default it is at once); types
    /// with states wait with [`super::wait::for_states`] on their status table.
    async fn ready(&self, _d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        Ok(())
    }

    /// What AWS holds for `KEYS` (None: the resource is gone).
    async fn read(&self, a: &Attrs) -> Observed;

    /// Changes in place the keys in `changed` (a subset of `KEYS`, in its order), so that they
    /// take the desired values. A type that reads keys it cannot change says so by default.
    async fn update(&self, d: &Desired<'_>, _a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        Err(CallError::bad_value(
            d.address,
            &changed.join(", "),
            "cannot change in place",
        ))
    }

    /// Deletes the child and waits until it is gone; a child already gone is not an error.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError>;

    /// Makes the child exist with the desired values. Types whose changes do not fit
    /// find-create-read-update (a new deployment per change, say) write their own.
    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        converge(self, d, existing).await
    }
}

/// Find or create, wait until usable, read, update what differs (and, on a child found, what
/// cannot be read), and wait again after a change.
pub(crate) async fn converge<R: Resource + ?Sized>(
    r: &R,
    d: &Desired<'_>,
    existing: Option<&Attrs>,
) -> Ensured {
    let recorded = match existing {
        Some(a) => r.recorded(a).await?,
        None => None,
    };
    let found = match recorded {
        Some(a) => Some(a),
        None => r.find(d).await?,
    };
    let (attrs, found) = match found {
        Some(a) => (a, true),
        None => (r.create(d).await?, false),
    };
    r.ready(d, &attrs).await?;
    let seen = r
        .read(&attrs)
        .await?
        .ok_or_else(|| not_visible("read", d.address))?;
    let mut changed = changed(d.values, &seen, R::KEYS);
    if found {
        changed.extend(R::UNREAD);
    }
    if !changed.is_empty() {
        tracing::debug!(child = d.address, keys = ?changed, "changing in place");
        r.update(d, &attrs, &changed).await?;
        // A change can take the resource through its in-between states again.
        r.ready(d, &attrs).await?;
    }
    Ok(attrs)
}

/// The keys whose observed value is not the desired one. A desired value that is missing or
/// null wants the key unset, as the plan judges it.
pub(crate) fn changed<'k>(
    desired: &Map<String, Json>,
    seen: &Map<String, Json>,
    keys: &[&'k str],
) -> Vec<&'k str> {
    let value = |m: &Map<String, Json>, k: &str| m.get(k).filter(|v| !v.is_null()).cloned();
    keys.iter()
        .copied()
        .filter(|k| value(desired, k) != value(seen, k))
        .collect()
}

/// A modify call built from the arguments whose desired value differs from what AWS holds:
/// `set` compares one argument (a desired None leaves it to AWS), `with` adds a value the type
/// compared itself (None: nothing to change), `when` adds an argument on the type's own
/// condition, and `call` is the request to send, if anything differs.
pub(crate) struct Modify<B> {
    call: B,
    changed: bool,
}

impl<B> Modify<B> {
    pub(crate) fn new(call: B) -> Modify<B> {
        Modify {
            call,
            changed: false,
        }
    }

    pub(crate) fn set<V: PartialEq>(
        self,
        want: Option<V>,
        have: Option<V>,
        put: impl FnOnce(B, V) -> B,
    ) -> Modify<B> {
        self.with(want.filter(|v| have.as_ref() != Some(v)), put)
    }

    pub(crate) fn with<V>(self, value: Option<V>, put: impl FnOnce(B, V) -> B) -> Modify<B> {
        match value {
            Some(v) => self.when(true, |b| put(b, v)),
            None => self,
        }
    }

    pub(crate) fn when(self, differs: bool, put: impl FnOnce(B) -> B) -> Modify<B> {
        if !differs {
            return self;
        }
        Modify {
            call: put(self.call),
            changed: true,
        }
    }

    pub(crate) fn call(self) -> Option<B> {
        self.changed.then_some(self.call)
    }

    /// Whether anything differs, and the request either way (for a type that sends it later).
    pub(crate) fn parts(self) -> (bool, B) {
        (self.changed, self.call)
    }
}

/// A list AWS answers as a set, in one order for comparing (its order says nothing).
pub(crate) fn sorted<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().map(|x| x.as_ref().to_string()).collect();
    v.sort();
    v
}

/// True when two lists hold the same items, in whatever order.
pub(crate) fn same_set<A: AsRef<str>, B: AsRef<str>>(
    a: impl IntoIterator<Item = A>,
    b: impl IntoIterator<Item = B>,
) -> bool {
    sorted(a) == sorted(b)
}

/// What a set needs added and removed to go from `current` to `wanted`, for the APIs that take
/// a set's change rather than the whole set (route tables of an endpoint, users of a group).
pub(crate) fn set_change(wanted: &[String], current: &[String]) -> (Vec<String>, Vec<String>) {
    let missing = |of: &[String], from: &[String]| -> Vec<String> {
        of.iter().filter(|x| !from.contains(x)).cloned().collect()
    };
    (missing(wanted, current), missing(current, wanted))
}

/// Only the declared keys of what a driver read: a key read but not declared is a driver bug
/// (caught in debug builds, which every test runs), and must not become drift unannounced.
pub(crate) fn declared(kind: &str, keys: &[&str], seen: Observed) -> Observed {
    Ok(seen?.map(|mut m| {
        debug_assert!(
            m.keys().all(|k| keys.contains(&k.as_str())),
            "{kind}: read answered keys {:?}, declared {keys:?}",
            m.keys().collect::<Vec<_>>()
        );
        m.retain(|k, _| keys.contains(&k.as_str()));
        m
    }))
}

/// A driver made of [`Resource`]s, one per type: `resources!(Driver, { KIND => Type, .. })`
/// implements `Driver` on `Driver` by handing each call to `Type(self)` (a newtype over the
/// driver, with `Deref` to it, so a resource's methods see the driver's clients and helpers).
macro_rules! resources {
    ($driver:ty, { $($kind:expr => $res:ident),+ $(,)? }) => {
        $(
            struct $res<'a>(&'a $driver);
            impl std::ops::Deref for $res<'_> {
                type Target = $driver;
                fn deref(&self) -> &$driver {
                    self.0
                }
            }
        )+

        impl crate::apply::driver::Driver for $driver {
            fn find<'a>(
                &'a self,
                d: &'a crate::apply::driver::Desired<'a>,
            ) -> crate::apply::driver::Fut<'a, Option<crate::apply::driver::Attrs>> {
                use crate::apply::resource::Resource;
                Box::pin(async move {
                    $(if d.kind == $kind { return $res(self).find(d).await; })+
                    Err(crate::apply::calls::unsupported(d.kind))
                })
            }
            fn ensure<'a>(
                &'a self,
                d: &'a crate::apply::driver::Desired<'a>,
                existing: Option<&'a crate::apply::driver::Attrs>,
            ) -> crate::apply::driver::Fut<'a, crate::apply::driver::Attrs> {
                use crate::apply::resource::Resource;
                Box::pin(async move {
                    $(if d.kind == $kind { return $res(self).ensure(d, existing).await; })+
                    Err(crate::apply::calls::unsupported(d.kind))
                })
            }
            fn read_one<'a>(
                &'a self,
                kind: &'a str,
                a: &'a crate::apply::driver::Attrs,
            ) -> crate::apply::driver::Fut<'a, Option<serde_json::Map<String, serde_json::Value>>>
            {
                use crate::apply::resource::{declared, Resource};
                Box::pin(async move {
                    $(if kind == $kind {
                        return declared(kind, $res::KEYS, $res(self).read(a).await);
                    })+
                    Err(crate::apply::calls::unsupported(kind))
                })
            }
            fn delete<'a>(
                &'a self,
                kind: &'a str,
                a: &'a crate::apply::driver::Attrs,
            ) -> crate::apply::driver::Fut<'a, ()> {
                use crate::apply::resource::Resource;
                Box::pin(async move {
                    $(if kind == $kind { return $res(self).delete(a).await; })+
                    Err(crate::apply::calls::unsupported(kind))
                })
            }
        }
    };
}
pub(crate) use resources;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::driver::ErrorClass;
    use serde_json::json;
    use std::sync::Mutex;

    /// A resource in memory: what "AWS" holds, and every call made.
    #[derive(Default)]
    struct Fake {
        held: Mutex<Option<Map<String, Json>>>,
        calls: Mutex<Vec<String>>,
        /// How many reads answer "not there yet" after a create.
        invisible_reads: Mutex<u32>,
    }

    impl Fake {
        fn log(&self, s: String) {
            self.calls.lock().unwrap().push(s);
        }
        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    fn id() -> Attrs {
        [("id".to_string(), "r-1".to_string())].into()
    }

    impl Resource for Fake {
        const KEYS: &'static [&'static str] = &["tags", "size", "mode"];
        const UNREAD: &'static [&'static str] = &["policy"];

        async fn find(&self, _d: &Desired<'_>) -> Found {
            self.log("find".into());
            Ok(self.held.lock().unwrap().as_ref().map(|_| id()))
        }
        async fn create(&self, d: &Desired<'_>) -> Ensured {
            self.log("create".into());
            // The create call takes the size only; the rest is left to update.
            let mut m = Map::new();
            m.insert("size".into(), d.values["size"].clone());
            *self.held.lock().unwrap() = Some(m);
            Ok(id())
        }
        async fn ready(&self, _d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
            self.log("ready".into());
            Ok(())
        }
        async fn read(&self, _a: &Attrs) -> Observed {
            self.log("read".into());
            let mut invisible = self.invisible_reads.lock().unwrap();
            if *invisible > 0 {
                *invisible -= 1;
                return Ok(None);
            }
            Ok(self.held.lock().unwrap().clone())
        }
        async fn update(
            &self,
            d: &Desired<'_>,
            _a: &Attrs,
            changed: &[&str],
        ) -> Result<(), CallError> {
            self.log(format!("update {}", changed.join(",")));
            let mut held = self.held.lock().unwrap();
            let m = held.as_mut().unwrap();
            for k in changed {
                match d.values.get(*k) {
                    Some(v) if !v.is_null() => m.insert(k.to_string(), v.clone()),
                    _ => m.remove(*k),
                };
            }
            Ok(())
        }
        async fn delete(&self, _a: &Attrs) -> Result<(), CallError> {
            *self.held.lock().unwrap() = None;
            Ok(())
        }
    }

    fn desired(values: &Map<String, Json>) -> Desired<'_> {
        Desired {
            address: "fake.one",
            kind: "fake",
            environment: "e-dev",
            values,
        }
    }

    fn values(v: Json) -> Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    #[tokio::test]
    async fn a_missing_child_is_created_then_what_create_could_not_set_is_updated() {
        let fake = Fake::default();
        let v = values(json!({"size": 3, "mode": "fast", "tags": {"a": "b"}}));
        let a = converge(&fake, &desired(&v), None).await.unwrap();
        assert_eq!(a, id());
        assert_eq!(
            fake.calls(),
            [
                "find",
                "create",
                "ready",
                "read",
                "update tags,mode",
                "ready"
            ]
        );
        assert_eq!(fake.held.lock().unwrap().as_ref(), Some(&v));
    }

    #[tokio::test]
    async fn a_found_child_as_desired_gets_only_what_cannot_be_read() {
        let fake = Fake::default();
        let v = values(json!({"size": 3, "mode": "fast"}));
        *fake.held.lock().unwrap() = Some(v.clone());
        converge(&fake, &desired(&v), None).await.unwrap();
        assert_eq!(
            fake.calls(),
            ["find", "ready", "read", "update policy", "ready"]
        );
    }

    #[tokio::test]
    async fn only_the_keys_that_differ_are_changed_and_null_means_unset() {
        let fake = Fake::default();
        *fake.held.lock().unwrap() = Some(values(json!({"size": 3, "mode": "fast"})));
        let v = values(json!({"size": 4, "mode": null}));
        converge(&fake, &desired(&v), None).await.unwrap();
        assert_eq!(
            fake.calls(),
            ["find", "ready", "read", "update size,mode,policy", "ready"]
        );
        assert_eq!(
            fake.held.lock().unwrap().as_ref(),
            Some(&values(json!({"size": 4})))
        );
    }

    /// A type whose lookup key was renamed: only the state's record still leads to it.
    struct Renamed(Fake);

    impl Resource for Renamed {
        const KEYS: &'static [&'static str] = &["size"];
        async fn find(&self, _d: &Desired<'_>) -> Found {
            self.0.log("find".into());
            Ok(None)
        }
        async fn recorded(&self, a: &Attrs) -> Found {
            self.0.log("recorded".into());
            Ok((a == &id()).then(id))
        }
        async fn create(&self, d: &Desired<'_>) -> Ensured {
            self.0.create(d).await
        }
        async fn read(&self, a: &Attrs) -> Observed {
            self.0.read(a).await
        }
        async fn update(&self, d: &Desired<'_>, a: &Attrs, c: &[&str]) -> Result<(), CallError> {
            self.0.update(d, a, c).await
        }
        async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
            self.0.delete(a).await
        }
    }

    #[tokio::test]
    async fn the_states_record_finds_a_child_its_lookup_no_longer_does() {
        let r = Renamed(Fake::default());
        *r.0.held.lock().unwrap() = Some(values(json!({"size": 1})));
        let v = values(json!({"size": 2}));
        converge(&r, &desired(&v), Some(&id())).await.unwrap();
        assert_eq!(r.0.calls(), ["recorded", "read", "update size"]);
        // A record that no longer leads anywhere falls back to the lookup, then a create.
        let gone: Attrs = [("id".to_string(), "r-0".to_string())].into();
        converge(&r, &desired(&v), Some(&gone)).await.unwrap();
        assert_eq!(
            r.0.calls()[3..],
            ["recorded", "find", "create", "read"],
            "{:?}",
            r.0.calls()
        );
    }

    #[tokio::test]
    async fn a_child_created_but_not_yet_readable_is_a_transient_error_not_a_second_create() {
        let fake = Fake::default();
        *fake.invisible_reads.lock().unwrap() = 1;
        let v = values(json!({"size": 1}));
        let e = converge(&fake, &desired(&v), None).await.unwrap_err();
        assert_eq!(e.class, ErrorClass::Transient, "{e}");
        assert!(e.message.contains("fake.one"), "{e}");
        // The engine retries the whole ensure: the child is found, not made again.
        converge(&fake, &desired(&v), None).await.unwrap();
        let calls = fake.calls();
        assert_eq!(
            calls.iter().filter(|c| *c == "create").count(),
            1,
            "{calls:?}"
        );
    }

    #[test]
    fn changed_compares_whole_values() {
        let d = values(json!({"tags": {"a": "1"}, "rule": [{"x": 1}], "gone": null}));
        let seen = values(json!({"tags": {"a": "2"}, "rule": [{"x": 1}], "extra": 1}));
        assert_eq!(
            changed(&d, &seen, &["tags", "rule", "gone", "extra"]),
            ["tags", "extra"]
        );
    }

    #[test]
    fn declared_keeps_only_the_declared_keys_and_passes_errors_and_absence_through() {
        assert_eq!(declared("k", &["a"], Ok(None)).unwrap(), None);
        let e = CallError::new("Op", "X", "m", ErrorClass::Permanent);
        assert_eq!(declared("k", &["a"], Err(e.clone())).unwrap_err(), e);
        let m = values(json!({"a": 1}));
        assert_eq!(
            declared("k", &["a", "b"], Ok(Some(m.clone()))).unwrap(),
            Some(m)
        );
    }

    #[test]
    #[should_panic(expected = "declared")]
    fn an_undeclared_key_is_a_driver_bug() {
        let _ = declared("k", &["a"], Ok(Some(values(json!({"a": 1, "b": 2})))));
    }

    #[test]
    fn a_modify_call_carries_only_what_differs_and_is_none_when_nothing_does() {
        // The builder stands for an SDK request: the arguments it would send.
        let add = |m: Vec<String>, v: &str| [m, vec![v.to_string()]].concat();
        let same = Modify::new(vec![])
            .set(Some("db.t4g.micro"), Some("db.t4g.micro"), add)
            .set(None, Some("gp3"), add)
            .when(false, |m| add(m, "x"));
        assert_eq!(same.call(), None, "nothing differs: no call");
        let changed = Modify::new(vec![])
            .set(Some("db.t4g.small"), Some("db.t4g.micro"), add)
            .set(Some("gp3"), None, add)
            .set(None, Some("ignored"), add)
            .with(None, add)
            .with(Some("compared by the type"), add)
            .when(true, |m| add(m, "own comparison"));
        assert_eq!(
            changed.call(),
            Some(vec![
                "db.t4g.small".into(),
                "gp3".into(),
                "compared by the type".into(),
                "own comparison".into()
            ])
        );
    }

    #[test]
    fn sets_compare_in_any_order_and_change_by_what_is_added_and_removed() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(same_set(["b", "a"], list(&["a", "b"])));
        assert!(!same_set(["a"], list(&["a", "b"])));
        assert_eq!(sorted(["sg-2", "sg-1"]), list(&["sg-1", "sg-2"]));
        let (add, remove) = set_change(&list(&["rtb-1", "rtb-3"]), &list(&["rtb-1", "rtb-2"]));
        assert_eq!((add, remove), (list(&["rtb-3"]), list(&["rtb-2"])));
        assert_eq!(set_change(&list(&["x"]), &list(&["x"])), (vec![], vec![]));
    }
}
