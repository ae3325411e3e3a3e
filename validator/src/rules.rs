//! Rule packs: the built-in policies embedded in the binary plus reviewers' own directories,
//! loaded into one regorus engine, with each rule's metadata read from the rule itself.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: rule {package}: {message}")]
    Metadata {
        path: String,
        package: String,
        message: String,
    },
    #[error("{path}: rule {package} failed at run time: {message}")]
    Runtime {
        path: String,
        package: String,
        message: String,
    },
    #[error("no policy files (*.rego) under {0}")]
    NoPolicies(String),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Metadata {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub category: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub description: String,
    /// What AWS does when an argument the rule reads is left out, as the rule assumes it, each
    /// with its source and the date it was checked (metadata `assumes`).
    pub assumes: Vec<String>,
    /// The arguments the rule judges (dotted paths, blocks by their type), most decisive first:
    /// a finding points at the first one its resource block sets (`check --source`), else at
    /// the block (metadata `attributes`).
    pub attributes: Vec<String>,
    /// Framework -> the controls of it the rule covers, where AWS's documentation maps one
    /// (`aws-fsbp`: Security Hub's Foundational Security Best Practices v1.0.0;
    /// `aws-securityhub`: Security Hub controls outside that standard; `cis-aws-3.0.0`: the CIS
    /// AWS Foundations Benchmark v3.0.0). Metadata `compliance`; sources in docs/rules.md.
    pub compliance: BTreeMap<String, Vec<String>>,
}

/// A JSON list of strings as strings; None for anything else.
fn strings(v: &serde_json::Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Resource,
    Plan,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Rule {
    /// `data.edulibra.rules.rds_multi_az`
    pub package: String,
    pub path: String,
    pub metadata: Metadata,
    pub resource_types: BTreeSet<String>,
    pub scope: Scope,
    /// A plan rule's `plan_types`: the only resource types it reads from `input.resources`, so
    /// compiled runs are given just those (see `eval`). None: it is given every resource.
    #[serde(skip)]
    pub plan_types: Option<BTreeSet<String>>,
    pub has_unknown: bool,
    pub builtin: bool,
}

/// conftest-style rules over the raw plan (`package main` with deny / warn / violation).
#[derive(Clone, Debug)]
pub struct RawRule {
    pub package: String,
    pub path: String,
    pub outputs: Vec<&'static str>,
}

pub struct RuleSet {
    pub engine: regorus::Engine,
    pub rules: Vec<Rule>,
    pub raw_rules: Vec<RawRule>,
    /// path -> package, for every loaded file (tests included)
    pub files: BTreeMap<String, String>,
    sources: BTreeMap<String, String>,
    /// The evaluation time limit (per rule and input).
    pub limit: Duration,
    /// Built-in rules compiled for the RVM, on first use.
    pub programs: crate::programs::Programs,
}

pub const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];
/// A severity's rank in `SEVERITIES` (an unknown one ranks as medium).
pub fn severity_rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(2)
}

pub const CATEGORIES: &[&str] = &["encryption", "iam", "multi-az", "waf", "logging", "network"];

pub fn new_engine(limit: Duration) -> regorus::Engine {
    let mut e = regorus::Engine::new();
    e.set_strict_builtin_errors(true);
    e.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit,
        check_interval: NonZeroU32::new(64).unwrap(),
    });
    e
}

fn collect_rego(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), RuleError> {
    let rd = std::fs::read_dir(dir).map_err(|source| RuleError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_rego(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "rego") {
            out.push(p);
        }
    }
    Ok(())
}

/// Which of the given rule names a policy defines at the start of a line (rule heads).
pub(crate) fn defined_heads(source: &str, names: &[&'static str]) -> Vec<&'static str> {
    names
        .iter()
        .copied()
        .filter(|n| {
            source.lines().any(|l| {
                l.strip_prefix(n).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with([' ', '[', ':', '=', '{', '\t'])
                })
            })
        })
        .collect()
}

/// The policy parser backtracks, exponentially on some nestings (`[a | [a | [a | ...`, found by
/// fuzzing): a reviewer's file is first parsed on its own thread under the evaluation time limit,
/// so the gate stops with an error instead of hanging. The built-in rules are known to parse at
/// once and skip this. A parse that overruns keeps its thread busy until the process ends (a
/// thread cannot be stopped from outside); the CLI exits right away, the provider with Terraform.
fn parses_in_time(path: &str, text: &str, limit: Duration) -> Result<(), RuleError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (p, t) = (path.to_string(), text.to_string());
    let parser = std::thread::Builder::new()
        .name("policy-parse".into())
        .spawn(move || {
            let parsed = regorus::Engine::new().add_policy(p, t).map(|_| ());
            let _ = tx.send(parsed);
        })
        .map_err(|e| RuleError::Parse {
            path: path.into(),
            message: format!("cannot start the parser: {e}"),
        })?;
    let answer = rx.recv_timeout(limit);
    if answer.is_ok() {
        // It has answered and is only freeing its engine: wait, so nothing outlives the call.
        let _ = parser.join();
    }
    match answer {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(RuleError::Parse {
            path: path.into(),
            message: one_line(&e.to_string()),
        }),
        Err(_) => Err(RuleError::Parse {
            path: path.into(),
            message: format!(
                "parsing did not finish within the time limit ({} s): simplify the nesting of comprehensions and brackets",
                limit.as_secs_f64()
            ),
        }),
    }
}

impl RuleSet {
    /// Loads the built-in rules (unless `builtin` is false) and every `.rego` under `dirs`,
    /// leaving out `*_test.rego` files unless `with_tests` (only `test` runs them).
    pub fn load(builtin: bool, dirs: &[PathBuf], limit: Duration) -> Result<RuleSet, RuleError> {
        Self::load_with(builtin, dirs, limit, false)
    }

    pub fn load_with(
        builtin: bool,
        dirs: &[PathBuf],
        limit: Duration,
        with_tests: bool,
    ) -> Result<RuleSet, RuleError> {
        let wanted = |path: &str| with_tests || !path.ends_with("_test.rego");
        let mut texts = Vec::new();
        if builtin {
            for (rel, text) in BUILTIN_POLICIES.iter().filter(|(rel, _)| wanted(rel)) {
                texts.push((format!("builtin:policies/{rel}"), text.to_string()));
            }
        }
        for d in dirs {
            let mut found = Vec::new();
            if d.is_file() {
                found.push(d.clone());
            } else {
                collect_rego(d, &mut found)?;
            }
            if found.is_empty() {
                return Err(RuleError::NoPolicies(d.display().to_string()));
            }
            for f in found.into_iter().filter(|f| wanted(&f.to_string_lossy())) {
                let text = std::fs::read_to_string(&f).map_err(|source| RuleError::Io {
                    path: f.display().to_string(),
                    source,
                })?;
                texts.push((f.display().to_string(), text));
            }
        }
        Self::from_sources(texts, limit)
    }

    /// Rules from policy texts held in memory, each named by a path for error messages.
    pub fn from_sources(
        texts: Vec<(String, String)>,
        limit: Duration,
    ) -> Result<RuleSet, RuleError> {
        let mut engine = new_engine(limit);
        let mut sources = BTreeMap::new();
        let mut files = BTreeMap::new();
        for (path, text) in texts {
            if !path.starts_with("builtin:") {
                parses_in_time(&path, &text, limit)?;
            }
            let package =
                engine
                    .add_policy(path.clone(), text.clone())
                    .map_err(|e| RuleError::Parse {
                        path: path.clone(),
                        message: one_line(&e.to_string()),
                    })?;
            files.insert(path.clone(), package);
            sources.insert(path, text);
        }
        let mut set = RuleSet {
            engine,
            rules: Vec::new(),
            raw_rules: Vec::new(),
            files,
            sources,
            limit,
            programs: Default::default(),
        };
        set.discover()?;
        Ok(set)
    }

    fn discover(&mut self) -> Result<(), RuleError> {
        let files: Vec<(String, String)> = self
            .files
            .iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, package) in files {
            let source = self.sources[&path].clone();
            let is_test = package.ends_with("_test") || path.ends_with("_test.rego");
            if is_test
                || package == "data.edulibra.lib"
                || package.starts_with("data.edulibra.lib.")
            {
                continue;
            }
            if package.starts_with("data.edulibra.rules.") {
                let meta_err = |m: String| RuleError::Metadata {
                    path: path.clone(),
                    package: package.clone(),
                    message: m,
                };
                let meta = self
                    .engine
                    .eval_rule(format!("{package}.metadata"))
                    .map_err(|e| meta_err(one_line(&e.to_string())))?;
                let meta: serde_json::Value =
                    serde_json::from_str(&meta.to_json_str().map_err(|e| meta_err(e.to_string()))?)
                        .map_err(|e| meta_err(e.to_string()))?;
                let s = |k: &str| meta.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let string_list = |k: &str| match meta.get(k) {
                    None => Ok(Vec::new()),
                    Some(v) => strings(v).ok_or_else(|| {
                        meta_err(format!("metadata \"{k}\" must be a list of strings"))
                    }),
                };
                let metadata = Metadata {
                    id: s("id").ok_or_else(|| meta_err("metadata has no \"id\"".into()))?,
                    title: s("title")
                        .ok_or_else(|| meta_err("metadata has no \"title\"".into()))?,
                    severity: s("severity").unwrap_or_else(|| "medium".into()),
                    category: s("category")
                        .ok_or_else(|| meta_err("metadata has no \"category\"".into()))?,
                    remediation: s("remediation").unwrap_or_default(),
                    references: meta
                        .get("references")
                        .and_then(|r| r.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    description: s("description").unwrap_or_default(),
                    assumes: string_list("assumes")?,
                    attributes: string_list("attributes")?,
                    compliance: match meta.get("compliance") {
                        None => BTreeMap::new(),
                        Some(serde_json::Value::Object(o)) => o
                            .iter()
                            .map(|(k, v)| {
                                strings(v).map(|ids| (k.clone(), ids)).ok_or_else(|| {
                                    meta_err(format!(
                                        "metadata \"compliance\".{k} must be a list of control ids"
                                    ))
                                })
                            })
                            .collect::<Result<_, _>>()?,
                        Some(_) => return Err(meta_err(
                            "metadata \"compliance\" must be an object of framework -> control ids"
                                .into(),
                        )),
                    },
                };
                if !SEVERITIES.contains(&metadata.severity.as_str()) {
                    return Err(meta_err(format!(
                        "severity {:?} is not one of {SEVERITIES:?}",
                        metadata.severity
                    )));
                }
                if let Some(other) = seen_ids.insert(metadata.id.clone(), path.clone()) {
                    return Err(meta_err(format!(
                        "rule id {} is also used by {other}",
                        metadata.id
                    )));
                }
                let types = self
                    .engine
                    .eval_rule(format!("{package}.resource_types"))
                    .map_err(|e| meta_err(one_line(&e.to_string())))?;
                let types: serde_json::Value =
                    serde_json::from_str(&types.to_json_str().unwrap_or_else(|_| "[]".into()))
                        .unwrap_or_default();
                let resource_types: BTreeSet<String> = types
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                if resource_types.is_empty() {
                    return Err(meta_err("resource_types is missing or empty".into()));
                }
                let heads = defined_heads(&source, &["scope", "unknown", "deny", "plan_types"]);
                if !heads.contains(&"deny") {
                    return Err(meta_err("defines no deny rule".into()));
                }
                let scope = if heads.contains(&"scope") {
                    let v = self
                        .engine
                        .eval_rule(format!("{package}.scope"))
                        .map_err(|e| meta_err(one_line(&e.to_string())))?;
                    if v.as_string().map(|s| s.as_ref() == "plan").unwrap_or(false) {
                        Scope::Plan
                    } else {
                        Scope::Resource
                    }
                } else {
                    Scope::Resource
                };
                let plan_types = if heads.contains(&"plan_types") {
                    let v = self
                        .engine
                        .eval_rule(format!("{package}.plan_types"))
                        .map_err(|e| meta_err(one_line(&e.to_string())))?;
                    let types = crate::vm::string_set(&v)
                        .ok_or_else(|| meta_err("plan_types is not a set of strings".into()))?;
                    if scope != Scope::Plan {
                        return Err(meta_err(
                            "plan_types is for rules with scope \"plan\"".into(),
                        ));
                    }
                    if let Some(t) = resource_types.iter().find(|t| !types.contains(*t)) {
                        return Err(meta_err(format!(
                            "plan_types leaves out {t}, one of its resource_types"
                        )));
                    }
                    Some(types)
                } else {
                    None
                };
                self.rules.push(Rule {
                    package,
                    builtin: path.starts_with("builtin:"),
                    path,
                    metadata,
                    resource_types,
                    scope,
                    plan_types,
                    has_unknown: heads.contains(&"unknown"),
                });
            } else {
                let outputs = defined_heads(&source, &["deny", "violation", "warn"]);
                if !outputs.is_empty() {
                    self.raw_rules.push(RawRule {
                        package,
                        path,
                        outputs,
                    });
                }
            }
        }
        self.rules.sort_by(|a, b| a.metadata.id.cmp(&b.metadata.id));
        Ok(())
    }

    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.metadata.id.eq_ignore_ascii_case(id))
    }
}

/// regorus errors span lines; gates print one line per problem.
pub fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

impl RuleSet {
    pub fn source(&self, path: &str) -> Option<String> {
        self.sources.get(path).cloned()
    }
}
