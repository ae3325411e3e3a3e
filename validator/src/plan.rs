//! Reads `terraform show -json` output of Terraform 0.12 to 1.14 and normalises it into one list
//! of resources that rules judge. Anything that is not clearly a plan is refused: the gate never
//! passes what it could not read.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::references::ConfigReferences;
use crate::strict_json;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: empty file")]
    Empty { path: String },
    #[error("{path}: not valid text: {reason}")]
    Encoding { path: String, reason: String },
    #[error("{path}: not valid JSON: {reason}")]
    Json { path: String, reason: String },
    #[error("{path}: {reason}")]
    NotAPlan { path: String, reason: String },
    #[error("{path}: {address}: {reason}")]
    Malformed {
        path: String,
        address: String,
        reason: String,
    },
    #[error("{path}: a binary plan file needs `terraform` on the PATH to be read (`terraform show -json`): {reason}")]
    BinaryPlan { path: String, reason: String },
}

/// One resource as rules see it (`input.resource`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Resource {
    pub address: String,
    pub module: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub action: String,
    pub values: Value,
    pub unknown: Value,
    pub sensitive: Value,
    pub references: BTreeMap<String, Vec<String>>,
    /// The reverse of `references`: which resources of the plan refer to this one, by which
    /// attribute. Plan rules join through it in linear time instead of pairing every resource.
    pub referenced_by: Vec<ReferencedBy>,
    /// JSON documents found in string values (IAM policies, container definitions), parsed once
    /// here instead of in every rule: dotted path (block indexes dropped) -> documents.
    pub parsed: BTreeMap<String, Vec<Value>>,
    pub parent: Option<String>,
    /// The arguments its configuration writes (dotted paths, blocks by their type) -> true, when
    /// the plan carries its configuration: an argument missing here was left out, and AWS or the
    /// provider picks its value (`lib.left_out`). Null when the plan has no configuration for it.
    /// Terraform's printed configuration leaves out `dynamic` blocks, which `lib.left_out`
    /// allows for.
    pub configured: Option<BTreeMap<String, bool>>,
    /// The plan file it came from (several plans may be checked at once).
    #[serde(skip)]
    pub source: String,
}

impl Resource {
    /// The resource as rules read it (`input.resource`): the same value as its JSON form, built
    /// without an intermediate JSON tree.
    pub fn to_rule_input(&self) -> regorus::Value {
        fn text(s: &str) -> regorus::Value {
            regorus::Value::from(s)
        }
        let references = object(self.references.iter().map(|(path, targets)| {
            (
                text(path),
                regorus::Value::from(targets.iter().map(|t| text(t)).collect::<Vec<_>>()),
            )
        }));
        let referenced_by: Vec<regorus::Value> = self
            .referenced_by
            .iter()
            .map(|r| {
                object([
                    (text("address"), text(&r.address)),
                    (text("type"), text(&r.kind)),
                    (text("path"), text(&r.path)),
                ])
            })
            .collect();
        let parsed = object(self.parsed.iter().map(|(path, docs)| {
            (
                text(path),
                regorus::Value::from(docs.iter().map(rule_value).collect::<Vec<_>>()),
            )
        }));
        object([
            (text("address"), text(&self.address)),
            (text("module"), text(&self.module)),
            (text("mode"), text(&self.mode)),
            (text("type"), text(&self.kind)),
            (text("name"), text(&self.name)),
            (text("action"), text(&self.action)),
            (text("values"), rule_value(&self.values)),
            (text("unknown"), rule_value(&self.unknown)),
            (text("sensitive"), rule_value(&self.sensitive)),
            (text("references"), references),
            (text("referenced_by"), regorus::Value::from(referenced_by)),
            (text("parsed"), parsed),
            (
                text("parent"),
                self.parent.as_deref().map_or(regorus::Value::Null, text),
            ),
            (
                text("configured"),
                self.configured.as_ref().map_or(regorus::Value::Null, |c| {
                    object(c.keys().map(|k| (text(k), regorus::Value::Bool(true))))
                }),
            ),
        ])
    }
}

/// A regorus object of the entries, in regorus' compact storage: the entries are collected and
/// sorted once rather than inserted one by one. Every rule input is built with it.
pub(crate) fn object(
    entries: impl IntoIterator<Item = (regorus::Value, regorus::Value)>,
) -> regorus::Value {
    let map: BTreeMap<regorus::Value, regorus::Value> = entries.into_iter().collect();
    if map.is_empty() {
        regorus::Value::new_object()
    } else {
        regorus::Value::from(map)
    }
}

/// A JSON value as rules read it: the value regorus' own deserialiser makes of it (numbers as
/// u64, i64 or f64 as serde_json holds them, objects in compact storage), built directly
/// (a tenth of a large check went through serde's visitor machinery before);
/// `tests/engines.rs::rule_input_is_the_resource_json` holds the two equal.
fn rule_value(v: &Value) -> regorus::Value {
    match v {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                regorus::Value::from(u)
            } else if let Some(i) = n.as_i64() {
                regorus::Value::from(i)
            } else {
                // serde_json holds only finite floats, which this keeps as they are
                regorus::Value::from(n.as_f64().unwrap_or_default())
            }
        }
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(a) => regorus::Value::from(a.iter().map(rule_value).collect::<Vec<_>>()),
        Value::Object(m) => object(
            m.iter()
                .map(|(k, x)| (regorus::Value::from(k.as_str()), rule_value(x))),
        ),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ReferencedBy {
    pub address: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
}

pub struct Plan {
    pub path: String,
    /// The plan as given, for conftest-style rules over the whole document.
    pub raw: RawPlan,
    pub resources: Vec<Resource>,
    /// Environments whose topology is not known at plan time: nothing under them can be judged.
    pub opaque_environments: Vec<String>,
}

/// The whole plan document. A plan read from a file keeps its text (parsed again only if a
/// conftest-style rule asks for it), so the loader can move values out of the parsed tree
/// instead of copying them.
pub enum RawPlan {
    Text(String),
    Value(Value),
}

impl RawPlan {
    pub fn to_regorus(&self) -> Result<regorus::Value, String> {
        match self {
            RawPlan::Text(t) => regorus::Value::from_json_str(t).map_err(|e| e.to_string()),
            RawPlan::Value(v) => Ok(regorus::Value::from(v.clone())),
        }
    }
}

/// Decodes UTF-8 or UTF-16 (with a BOM) text.
pub fn decode_text(path: &str, bytes: &[u8]) -> Result<String, PlanError> {
    let enc = |reason: &str| PlanError::Encoding {
        path: path.into(),
        reason: reason.into(),
    };
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|e| enc(&e.to_string()));
    }
    let utf16 = |le: bool, rest: &[u8]| -> Result<String, PlanError> {
        if rest.len() % 2 != 0 {
            return Err(enc("UTF-16 text with an odd number of bytes"));
        }
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|e| enc(&e.to_string()))
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, rest);
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|e| enc(&format!("{e} (UTF-16 needs a byte order mark)")))
}

pub fn load_file(path: &Path) -> Result<Plan, PlanError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PlanError::Io {
        path: p.clone(),
        source,
    })?;
    if bytes.starts_with(b"PK\x03\x04") {
        return load_binary_plan(path);
    }
    load_bytes(&p, &bytes)
}

/// A binary plan file (a zip): ask Terraform to render it.
fn load_binary_plan(path: &Path) -> Result<Plan, PlanError> {
    let p = path.display().to_string();
    let out = std::process::Command::new("terraform")
        .args(["show", "-json"])
        .arg(path)
        .output()
        .map_err(|e| PlanError::BinaryPlan {
            path: p.clone(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(PlanError::BinaryPlan {
            path: p,
            reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    load_bytes(&p, &out.stdout)
}

pub fn load_bytes(path: &str, bytes: &[u8]) -> Result<Plan, PlanError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(PlanError::Empty { path: path.into() });
    }
    let text = decode_text(path, bytes)?;
    let raw = strict_json::parse_plan(&text).map_err(|e| PlanError::Json {
        path: path.into(),
        reason: e.to_string(),
    })?;
    crate::profile::phase("parse");
    normalise(path, raw, RawPlan::Text(text))
}

fn not_plan(path: &str, reason: impl Into<String>) -> PlanError {
    PlanError::NotAPlan {
        path: path.into(),
        reason: reason.into(),
    }
}

fn malformed(path: &str, address: &str, reason: impl Into<String>) -> PlanError {
    PlanError::Malformed {
        path: path.into(),
        address: address.into(),
        reason: reason.into(),
    }
}

/// A plan already parsed (the provider's own plan, tests).
pub fn from_value(path: &str, raw: Value) -> Result<Plan, PlanError> {
    let keep = RawPlan::Value(raw.clone());
    normalise(path, raw, keep)
}

/// Checks that `raw` is a plan and turns its resource changes into resources, moving their
/// values out of `raw`.
fn normalise(path: &str, mut raw: Value, keep: RawPlan) -> Result<Plan, PlanError> {
    let top = raw
        .as_object_mut()
        .ok_or_else(|| not_plan(path, "the top level is not a JSON object"))?;
    let fv = top
        .get("format_version")
        .and_then(Value::as_str)
        .ok_or_else(|| not_plan(path, "no format_version: not `terraform show -json` output"))?;
    let major = fv.split('.').next().and_then(|m| m.parse::<u32>().ok());
    if !matches!(major, Some(0) | Some(1)) {
        return Err(not_plan(
            path,
            format!("format_version {fv:?} is not one this gate knows (0.x or 1.x)"),
        ));
    }
    if top.contains_key("values")
        && !top.contains_key("planned_values")
        && !top.contains_key("resource_changes")
    {
        return Err(not_plan(
            path,
            "this is a state file (`terraform show -json` of state), not a plan",
        ));
    }
    if !top.contains_key("planned_values") && !top.contains_key("resource_changes") {
        return Err(not_plan(
            path,
            "no planned_values or resource_changes: not a plan",
        ));
    }
    if top.get("errored") == Some(&Value::Bool(true)) {
        return Err(not_plan(
            path,
            "the plan errored (\"errored\": true): Terraform could not plan it",
        ));
    }
    let mut references = ConfigReferences::from_configuration(top.get("configuration"));
    let changes = match top.remove("resource_changes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(not_plan(path, "resource_changes is not an array")),
    };
    for rc in &changes {
        if let Some(module) = rc.get("module_address").and_then(Value::as_str) {
            references.add_instance(module);
        }
    }
    let mut resources = Vec::new();
    let mut opaque = Vec::new();
    // Terraform lists each object once (a deposed object carries its `deposed` key): a second
    // entry for the same one could shadow the first, so the plan is refused.
    let mut listed = std::collections::BTreeSet::new();
    for (i, mut rc) in changes.into_iter().enumerate() {
        let address = rc
            .get("address")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(path, &format!("resource_changes[{i}]"), "no address"))?
            .to_string();
        let address = address.as_str();
        let deposed = rc.get("deposed").and_then(Value::as_str).unwrap_or("");
        if !listed.insert((address.to_string(), deposed.to_string())) {
            return Err(malformed(
                path,
                address,
                "appears twice in resource_changes",
            ));
        }
        let kind = rc
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(path, address, "no type"))?
            .to_string();
        let kind = kind.as_str();
        check_type_name(path, address, kind)?;
        let (module, mode, name) = {
            let text = |k: &str, default: &str| {
                rc.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or(default)
                    .to_string()
            };
            (
                text("module_address", ""),
                text("mode", "managed"),
                text("name", ""),
            )
        };
        let change = rc
            .get_mut("change")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| malformed(path, address, "no change object"))?;
        let actions: Vec<&str> = change
            .get("actions")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(path, address, "no change.actions"))?
            .iter()
            .map(|a| {
                a.as_str()
                    .ok_or_else(|| malformed(path, address, "an action is not a string"))
            })
            .collect::<Result<_, _>>()?;
        let action = match actions.as_slice() {
            ["no-op"] => "no-op",
            ["create"] => "create",
            ["read"] => "read",
            ["update"] => "update",
            ["delete"] => "delete",
            ["delete", "create"] | ["create", "delete"] => "replace",
            other => {
                return Err(malformed(
                    path,
                    address,
                    format!("unknown actions {other:?}"),
                ))
            }
        };
        let values = change
            .remove(if action == "delete" {
                "before"
            } else {
                "after"
            })
            .unwrap_or(Value::Null);
        if !(values.is_object() || values.is_null()) {
            return Err(malformed(path, address, "change values are not an object"));
        }
        let unknown = change
            .remove("after_unknown")
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let sensitive = change
            .remove("after_sensitive")
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let (resolved, configured) = references.of_resource(&module, &mode, kind, &name);
        let r = Resource {
            address: address.to_string(),
            module,
            mode,
            kind: kind.to_string(),
            name,
            action: action.to_string(),
            values: if values.is_null() { json!({}) } else { values },
            unknown,
            sensitive,
            references: resolved,
            referenced_by: Vec::new(),
            parsed: BTreeMap::new(),
            parent: None,
            configured,
            source: path.to_string(),
        };
        if kind == "edulibra_environment" && action != "delete" {
            unfold_environment(path, &r, &mut resources, &mut opaque)?;
        }
        resources.push(r);
    }
    crate::profile::phase("resources");
    link_reverse_references(&mut resources);
    crate::profile::phase("reverse references");
    // Each resource's documents are its own: the cores share the resources. The first refusal
    // in the plan's order is reported.
    let chunk = resources.len().div_ceil(workers()).max(1);
    let refused: Vec<Option<PlanError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = resources
            .chunks_mut(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter_mut().find_map(|r| {
                        collect_json_documents(&r.values, "", &mut r.parsed)
                            .err()
                            .map(|reason| malformed(path, &r.address, reason))
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a document parser panicked"))
            .collect()
    });
    if let Some(e) = refused.into_iter().flatten().next() {
        return Err(e);
    }
    crate::profile::phase("documents");
    drop(raw);
    crate::profile::phase("drop");
    Ok(Plan {
        path: path.into(),
        raw: keep,
        resources,
        opaque_environments: opaque,
    })
}

/// Parses string leaves that hold a JSON object or array. Invalid JSON is left alone: the rule
/// still sees the string in `values`. A document with a duplicate key is refused, as in the plan
/// itself: the gate would read one of the values (`{"Effect": "Deny", "Effect": "Allow"}`) and
/// AWS or a reviewer may read the other, and leaving it out as invalid would let every rule
/// skip it.
fn collect_json_documents(
    v: &Value,
    path: &str,
    out: &mut BTreeMap<String, Vec<Value>>,
) -> Result<(), String> {
    match v {
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                match strict_json::parse(s) {
                    Ok(doc) => out.entry(path.to_string()).or_default().push(doc),
                    // the parse's only data error: a duplicate key (syntax and depth are others)
                    Err(e) if e.classify() == serde_json::error::Category::Data => {
                        return Err(format!(
                            "{path} holds a JSON document with a {e}; it could be read two ways"
                        ));
                    }
                    Err(_) => {}
                }
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                collect_json_documents(x, &p, out)?;
            }
        }
        Value::Array(a) => {
            for x in a {
                collect_json_documents(x, path, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Fills `referenced_by` from every resource's `references`. A reference may name a resource
/// without its instance key (`aws_s3_bucket.b` for `aws_s3_bucket.b[0]`): it then links every
/// instance.
fn link_reverse_references(resources: &mut [Resource]) {
    let mut by_base: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate() {
        by_base.entry(r.address.clone()).or_default().push(i);
        if let Some(base) = r
            .address
            .strip_suffix(']')
            .and_then(|a| a.rfind('[').map(|p| &a[..p]))
        {
            by_base.entry(base.to_string()).or_default().push(i);
        }
    }
    let mut edges: Vec<(usize, ReferencedBy)> = Vec::new();
    for r in resources.iter() {
        for (path, targets) in &r.references {
            for t in targets {
                for &i in by_base.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                    edges.push((
                        i,
                        ReferencedBy {
                            address: r.address.clone(),
                            kind: r.kind.clone(),
                            path: path.clone(),
                        },
                    ));
                }
            }
        }
    }
    for (i, e) in edges {
        resources[i].referenced_by.push(e);
    }
    for r in resources.iter_mut() {
        r.referenced_by.sort();
        r.referenced_by.dedup();
    }
}

/// Terraform type names are ASCII identifiers: a look-alike (Cyrillic `а`) would slip past every
/// rule keyed on the real name, so it is refused.
fn check_type_name(path: &str, address: &str, kind: &str) -> Result<(), PlanError> {
    if kind.is_empty()
        || !kind
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
    {
        return Err(malformed(path, address, format!("resource type {kind:?} is not a Terraform type name (lowercase ASCII letters, digits, underscores)")));
    }
    Ok(())
}

/// Unfolds an `edulibra_environment`'s `topology` into resources addressed under it.
fn unfold_environment(
    path: &str,
    env: &Resource,
    out: &mut Vec<Resource>,
    opaque: &mut Vec<String>,
) -> Result<(), PlanError> {
    let topo = env.values.get("topology");
    let unknown_topo = env.unknown.get("topology");
    let items = match topo {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            // Not known at plan time: the gate cannot see the children, so it says so.
            if unknown_topo == Some(&Value::Bool(true)) || topo.is_none() {
                opaque.push(env.address.clone());
            }
            return Ok(());
        }
        Some(_) => return Err(malformed(path, &env.address, "topology is not a list")),
    };
    let mut seen = std::collections::BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{}.topology[{i}]", env.address);
        let obj = item
            .as_object()
            .ok_or_else(|| malformed(path, &at, "a topology entry is not an object"))?;
        let addr = obj
            .get("address")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(path, &at, "a topology entry has no address"))?;
        let kind = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(path, &at, "a topology entry has no type"))?;
        check_type_name(path, &at, kind)?;
        if !seen.insert(addr.to_string()) {
            return Err(malformed(path, &at, format!("child {addr} appears twice")));
        }
        let values = obj.get("values").cloned().unwrap_or(Value::Null);
        if !values.is_object() {
            return Err(malformed(
                path,
                &at,
                "a topology entry's values are not an object",
            ));
        }
        let child_unknown = unknown_topo
            .and_then(|u| u.get(i))
            .and_then(|u| u.get("values"))
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let mut references = BTreeMap::new();
        if let Some(Value::Object(refs)) = obj.get("references") {
            for (k, v) in refs {
                let targets = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(|t| format!("{}/{t}", env.address))
                            .collect()
                    })
                    .unwrap_or_default();
                references.insert(k.clone(), targets);
            }
        }
        let name = addr
            .split('.')
            .nth(1)
            .unwrap_or("")
            .split('[')
            .next()
            .unwrap_or("")
            .to_string();
        out.push(Resource {
            address: format!("{}/{addr}", env.address),
            module: env.module.clone(),
            mode: "managed".into(),
            kind: kind.to_string(),
            name,
            action: env.action.clone(),
            values,
            unknown: child_unknown,
            sensitive: json!({}),
            references,
            referenced_by: Vec::new(),
            parsed: BTreeMap::new(),
            parent: Some(env.address.clone()),
            configured: None,
            source: path.to_string(),
        });
    }
    Ok(())
}

/// How many threads share a pass over the resources (judging, converting, parsing documents):
/// the machine's cores, at most 8.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}
