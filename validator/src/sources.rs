//! Where a plan's resources are written: the configuration's `.tf` files, read with `hcl-edit`
//! (which keeps byte spans), so that a finding points at the block, and where a rule names the
//! argument it judges, the argument a person edits, instead of at the generated `plan.json`.
//!
//! Module calls are followed the way Terraform installed them, through
//! `.terraform/modules/modules.json`; without it (a plan made elsewhere), through local `source`
//! paths (`./x`, `../x`). Sources never decide a verdict: anything here that does not fit the plan
//! is a warning, and the finding keeps its plan address.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use crate::address::{block_key, config_key, join, split_resource};
use crate::environment::argument_for;
pub use crate::finding::{Finding, Location};
use crate::rules::Rule;
use crate::waivers::{parse_settings, Scope, Waiver, WAIVE};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: cannot read the configuration: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: holds no .tf files: not a Terraform configuration")]
    NoConfiguration { path: String },
    #[error("{path}: {message}")]
    ModulesJson { path: String, message: String },
    #[error("{file}:{line}: {message}")]
    InlineWaiver {
        file: String,
        line: usize,
        message: String,
    },
}

/// One `resource`, `data` or `module` block.
#[derive(Debug)]
struct Block {
    file: String,
    line: usize,
    /// Dotted argument path (nested and `dynamic` blocks by their type, no indexes) -> line.
    arguments: BTreeMap<String, usize>,
}

#[derive(Debug, Default)]
pub struct Sources {
    /// `module.a.module.b|aws_lb.x` (configuration path, as `address::config_key` writes it) ->
    /// the block.
    blocks: HashMap<String, Block>,
    /// `# edulibra:waive` comments found inside resource blocks.
    pub waivers: Vec<Waiver>,
    /// What did not fit: unparsable files, unresolved module calls, plan resources with no block.
    pub warnings: Vec<String>,
}

impl Sources {
    /// The configuration rooted at `dir`, or None when it holds no `.tf` file (reading the
    /// current directory by default, which may be anything).
    pub fn load_if_any(dir: &Path) -> Result<Option<Sources>, SourceError> {
        match Sources::load(dir) {
            Ok(s) => Ok(Some(s)),
            Err(SourceError::NoConfiguration { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads the configuration rooted at `dir` and every module it calls.
    pub fn load(dir: &Path) -> Result<Sources, SourceError> {
        let mut sources = Sources::default();
        let cwd = std::env::current_dir().ok();
        let installed = installed_modules(dir)?;
        let mut queue: Vec<(String, PathBuf)> = vec![(String::new(), dir.to_path_buf())];
        let mut first = true;
        while let Some((module, module_dir)) = queue.pop() {
            let files = tf_files(&module_dir)?;
            if first && files.is_empty() {
                return Err(SourceError::NoConfiguration {
                    path: dir.display().to_string(),
                });
            }
            first = false;
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|source| SourceError::Io {
                    path: file.display().to_string(),
                    source,
                })?;
                let shown = shown_path(&file, cwd.as_deref());
                let body = match hcl_edit::parser::parse_body(&text) {
                    Ok(body) => body,
                    Err(e) => {
                        let first_line = e.to_string().lines().next().unwrap_or("").to_string();
                        sources
                            .warnings
                            .push(format!("{shown}: not read as HCL ({first_line})"));
                        continue;
                    }
                };
                let lines = LineIndex::new(&text);
                for structure in body.iter() {
                    let Structure::Block(block) = structure else {
                        continue;
                    };
                    let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                    let Some(span) = block.span() else { continue };
                    let kind = block.ident.as_str();
                    let key = match (kind, labels.as_slice()) {
                        ("resource", [t, n]) => config_key(&module, "managed", t, n),
                        ("data", [t, n]) => config_key(&module, "data", t, n),
                        ("module", [name]) => {
                            let child = join(&module, &format!("module.{name}"));
                            match module_dir_of(&installed, &module_dir, &child, &block.body) {
                                Some(d) => queue.push((child.clone(), d)),
                                None => sources.warnings.push(format!(
                                    "{shown}:{}: module {child}: its source is not installed here (run terraform init) and is not a local path; its resources keep their plan addresses",
                                    lines.line(span.start)
                                )),
                            }
                            continue;
                        }
                        _ => continue,
                    };
                    let mut arguments = BTreeMap::new();
                    collect_arguments(&block.body, "", &lines, &mut arguments);
                    if kind == "resource" {
                        sources.inline_waivers(
                            &text[span.clone()],
                            &key,
                            &shown,
                            lines.line(span.start),
                        )?;
                    }
                    sources.blocks.insert(
                        key,
                        Block {
                            file: shown.clone(),
                            line: lines.line(span.start),
                            arguments,
                        },
                    );
                }
            }
        }
        Ok(sources)
    }

    /// Gives each finding the file and line of its block, or of the argument its rule judges
    /// (metadata `attributes`); a child of an `edulibra_environment` the environment's argument
    /// that decides it (`environment::argument_for`, as the provider's inline verdicts).
    pub fn locate_findings(&self, rules: &[Rule], findings: &mut [Finding]) {
        let arguments: HashMap<&str, &[String]> = rules
            .iter()
            .map(|r| (r.metadata.id.as_str(), r.metadata.attributes.as_slice()))
            .collect();
        for f in findings {
            let wanted: Vec<&str> = if f.resource.contains('/') {
                argument_for(&f.rule_id, &f.category, &f.resource_type)
                    .into_iter()
                    .collect()
            } else {
                arguments
                    .get(f.rule_id.as_str())
                    .map(|a| a.iter().map(String::as_str).collect())
                    .unwrap_or_default()
            };
            f.location = self.locate(&f.resource, &wanted);
        }
    }

    /// Where the finding on `address` belongs: the first of `arguments` that the block sets,
    /// else the nearest enclosing one it sets (`database` for `database.multi_az`, written as
    /// an object argument rather than a block), else the block. A child of an
    /// `edulibra_environment` (`ENV/aws_x.y`) belongs to the environment's block.
    pub fn locate(&self, address: &str, arguments: &[&str]) -> Option<Location> {
        let block = self.block_of(address)?;
        let enclosing = |a: &str| {
            std::iter::successors(a.rsplit_once('.').map(|(p, _)| p), |p| {
                p.rsplit_once('.').map(|(q, _)| q)
            })
            .find_map(|p| block.arguments.get(p))
        };
        let line = arguments
            .iter()
            .find_map(|a| block.arguments.get(*a))
            .or_else(|| arguments.iter().find_map(|a| enclosing(a)))
            .copied()
            .unwrap_or(block.line);
        Some(Location {
            file: block.file.clone(),
            line,
        })
    }

    /// Warns once for each plan resource that has no block here (the sources are not the
    /// configuration that was planned, or only part of it).
    pub fn check_plan<'a>(&mut self, addresses: impl IntoIterator<Item = &'a str>) {
        let mut missing: Vec<String> = addresses
            .into_iter()
            .filter(|a| !a.contains('/') && self.block_of(a).is_none())
            .filter_map(|a| split_resource(a).map(|(m, r)| join(&m, &r)))
            .collect();
        missing.sort();
        missing.dedup();
        // Sources of another configuration would name every resource: a few, then a count.
        const NAMED: usize = 10;
        for m in missing.iter().take(NAMED) {
            self.warnings.push(format!(
                "{m}: in the plan but not in the sources; its findings keep the plan address"
            ));
        }
        if missing.len() > NAMED {
            self.warnings.push(format!(
                "{} more resources of the plan are not in the sources: are they the configuration this plan was made from? (--source DIR, or --no-source)",
                missing.len() - NAMED
            ));
        }
    }

    fn block_of(&self, address: &str) -> Option<&Block> {
        self.blocks.get(&block_key(address)?)
    }

    /// `# edulibra:waive EDU-HA-001 expires=2027-06-30 reason="..."` (or `//`) inside a resource
    /// block waives that rule on every instance of the block.
    fn inline_waivers(
        &mut self,
        block_text: &str,
        key: &str,
        file: &str,
        first_line: usize,
    ) -> Result<(), SourceError> {
        for (i, line) in block_text.lines().enumerate() {
            let Some(at) = line.find(WAIVE) else { continue };
            let before = line[..at].trim_end();
            if !(before.ends_with('#') || before.ends_with("//")) {
                continue;
            }
            let line_no = first_line + i;
            let error = |message: String| SourceError::InlineWaiver {
                file: file.to_string(),
                line: line_no,
                message,
            };
            let parsed = parse_waiver(&line[at + WAIVE.len()..]).map_err(error)?;
            let (module, resource) = key.split_once('|').unwrap_or(("", key));
            self.waivers.push(Waiver {
                rule: parsed.rule,
                resource: format!("{} ({file}:{line_no})", join(module, resource)),
                reason: parsed.reason,
                expires: Some(parsed.expires),
                scope: Scope::Block(key.to_string()),
            });
        }
        Ok(())
    }
}

struct InlineWaiver {
    rule: String,
    expires: String,
    reason: String,
}

/// `RULE expires=YYYY-MM-DD reason="..."`, the text after the comment's marker.
fn parse_waiver(text: &str) -> Result<InlineWaiver, String> {
    let text = text.trim();
    let (rule, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    if rule.is_empty() || rule.contains('=') {
        return Err(format!("{WAIVE} needs a rule id first: `# {WAIVE} EDU-HA-001 expires=YYYY-MM-DD reason=\"...\"`"));
    }
    let (expires, reason) = parse_settings(rule, rest, false)?;
    Ok(InlineWaiver {
        rule: rule.to_string(),
        expires,
        reason,
    })
}

/// Argument lines of a body: `a`, `block.a`, and a `dynamic "block"`'s `content` as `block.a`;
/// a nested block's own line under its type.
fn collect_arguments(
    body: &Body,
    prefix: &str,
    lines: &LineIndex,
    out: &mut BTreeMap<String, usize>,
) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                if let Some(span) = a.span() {
                    out.entry(join(prefix, a.key.as_str()))
                        .or_insert(lines.line(span.start));
                }
            }
            Structure::Block(b) => {
                let (name, inner) = if b.ident.as_str() == "dynamic" {
                    let Some(label) = b.labels.first() else {
                        continue;
                    };
                    let content = b.body.blocks().find(|c| c.ident.as_str() == "content");
                    (label.as_str().to_string(), content.map(|c| &c.body))
                } else {
                    (b.ident.as_str().to_string(), Some(&b.body))
                };
                let path = join(prefix, &name);
                if let Some(span) = b.span() {
                    out.entry(path.clone()).or_insert(lines.line(span.start));
                }
                if let Some(inner) = inner {
                    collect_arguments(inner, &path, lines, out);
                }
            }
        }
    }
}

/// `terraform init` records where each module call was installed: `Key` is the call path
/// (`a.b`), `Dir` the directory relative to the root module.
fn installed_modules(dir: &Path) -> Result<HashMap<String, PathBuf>, SourceError> {
    let path = dir.join(".terraform/modules/modules.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(source) => {
            return Err(SourceError::Io {
                path: path.display().to_string(),
                source,
            })
        }
    };
    let bad = |message: String| SourceError::ModulesJson {
        path: path.display().to_string(),
        message,
    };
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let modules = doc
        .get("Modules")
        .and_then(|m| m.as_array())
        .ok_or_else(|| bad("no \"Modules\" list".into()))?;
    let mut out = HashMap::new();
    for m in modules {
        let (Some(key), Some(module_dir)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) else {
            return Err(bad(format!("an entry lacks Key or Dir: {m}")));
        };
        if key.is_empty() {
            continue;
        }
        let call = key
            .split('.')
            .map(|k| format!("module.{k}"))
            .collect::<Vec<_>>()
            .join(".");
        out.insert(call, dir.join(module_dir));
    }
    Ok(out)
}

/// Where the called module `child` lives: as installed, else a local `source` path.
fn module_dir_of(
    installed: &HashMap<String, PathBuf>,
    caller_dir: &Path,
    child: &str,
    call: &Body,
) -> Option<PathBuf> {
    if let Some(d) = installed.get(child) {
        return Some(d.clone());
    }
    let source = call.get_attribute("source")?.value.as_str()?.to_string();
    (source.starts_with("./") || source.starts_with("../")).then(|| caller_dir.join(source))
}

fn tf_files(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SourceError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    Ok(files)
}

/// How a file is named in reports: relative to the current directory (where CI checks the
/// repository out, and what code scanning resolves paths against), `/`-separated, without `.`
/// and with `..` resolved.
fn shown_path(file: &Path, cwd: Option<&Path>) -> String {
    let normal = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    if parts.last().is_some_and(|p| p != ".." && !p.is_empty()) {
                        parts.pop();
                    } else {
                        parts.push("..".into());
                    }
                }
                std::path::Component::RootDir => parts.push(String::new()),
                other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
            }
        }
        parts
    };
    let file_parts = normal(file);
    let Some(cwd) = cwd.filter(|_| file.is_absolute()) else {
        return file_parts.join("/");
    };
    // An absolute path (a config file's `source`) is shown relative to here, with `..` where
    // it lies beside.
    let cwd_parts = normal(cwd);
    let common = cwd_parts
        .iter()
        .zip(&file_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".into(); cwd_parts.len() - common];
    parts.extend(file_parts[common..].iter().cloned());
    parts.join("/")
}

/// Byte offset -> 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_waivers_need_a_rule_a_reason_and_a_real_date() {
        let ok =
            parse_waiver(r#" EDU-HA-001 expires=2027-06-30 reason="single-AZ in dev, see ADR 12""#)
                .unwrap();
        assert_eq!(
            (ok.rule.as_str(), ok.expires.as_str()),
            ("EDU-HA-001", "2027-06-30")
        );
        assert_eq!(ok.reason, "single-AZ in dev, see ADR 12");
        for (bad, why) in [
            (" EDU-HA-001 expires=2027-06-30", "no reason"),
            (" EDU-HA-001 reason=\"x\"", "no expires"),
            (
                " EDU-HA-001 expires=2027-13-99 reason=\"x\"",
                "not a YYYY-MM-DD",
            ),
            (" EDU-HA-001 expires=2027-06-30 reason=\"x", "never closed"),
            (
                " EDU-HA-001 until=2027-06-30 reason=\"x\"",
                "unknown setting",
            ),
            (" expires=2027-06-30", "rule id first"),
        ] {
            let e = parse_waiver(bad).err().unwrap_or_default();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn lines_count_from_one() {
        let idx = LineIndex::new("a\nb\n\nc");
        assert_eq!(
            [idx.line(0), idx.line(2), idx.line(4), idx.line(5)],
            [1, 2, 3, 4]
        );
    }
}
