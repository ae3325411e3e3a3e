//! The crates' modules form layers: no module reaches, through `crate::` or `super::` paths, a
//! module that reaches back to it (docs/architecture.md, "Layers"). A circle makes two modules
//! one in all but name; this test names the circle when one comes back.
//!
//! Edges between a module and its own ancestors or descendants are left out: a parent declares
//! and re-exports its children, and children use their parent's shared helpers, as Rust lays
//! modules out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use edulibra_e2e::repo_root;

/// A module's path below the crate root: `apply/engine.rs` -> ["apply", "engine"].
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// The file of the longest prefix of `parts` that is a module.
fn file_of(root: &Path, parts: &[String]) -> Option<PathBuf> {
    (1..=parts.len()).rev().find_map(|n| {
        let base = parts[..n].iter().fold(root.to_path_buf(), |p, s| p.join(s));
        let file = base.with_extension("rs");
        let dir = base.join("mod.rs");
        file.is_file()
            .then_some(file)
            .or_else(|| dir.is_file().then_some(dir))
    })
}

/// `crate::a::b` and `super::a::b` paths in `text` (code before the file's test module only).
fn paths(text: &str) -> Vec<(bool, Vec<String>)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = Vec::new();
    for head in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(i) = rest.find(head) {
            let before = rest[..i].chars().last();
            rest = &rest[i + head.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // part of a longer identifier
            }
            let mut parts = Vec::new();
            let mut s = rest;
            loop {
                let end = s
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(s.len());
                if end == 0 {
                    break;
                }
                parts.push(s[..end].to_string());
                s = &s[end..];
                match s.strip_prefix("::") {
                    Some(next) => s = next,
                    None => break,
                }
            }
            out.push((head == "super::", parts));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Module -> the modules it names, without its ancestors and descendants.
fn graph(root: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut g = BTreeMap::new();
    for f in &files {
        let me = module_of(root, f);
        let text = std::fs::read_to_string(f).unwrap();
        let mut to = BTreeSet::new();
        for (is_super, mut parts) in paths(&text) {
            if is_super {
                let mut base = me.clone();
                base.pop();
                while parts.first().map(String::as_str) == Some("super") {
                    parts.remove(0);
                    base.pop();
                }
                base.extend(parts);
                parts = base;
            }
            let Some(target) = file_of(root, &parts) else {
                continue;
            };
            let them = module_of(root, &target);
            let related = them.starts_with(&me) || me.starts_with(&them);
            if !related {
                to.insert(target);
            }
        }
        g.insert(f.clone(), to);
    }
    g
}

/// A circle through `start`, if there is one.
fn circle(g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>, start: &PathBuf) -> Option<Vec<PathBuf>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in g.get(&at).into_iter().flatten() {
            if next == start {
                let mut p = path.clone();
                p.push(next.clone());
                return Some(p);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

fn circles(krate: &str) -> Vec<String> {
    let root = repo_root().join(krate).join("src");
    let g = graph(&root);
    g.keys()
        .filter_map(|m| circle(&g, m))
        .map(|c| {
            c.iter()
                .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect()
}

#[test]
fn no_module_of_the_provider_or_the_validator_reaches_back_to_itself() {
    for krate in ["provider", "validator"] {
        let found = circles(krate);
        assert!(
            found.is_empty(),
            "{krate}: import circles:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_checker_sees_a_circle() {
    let dir = std::env::temp_dir().join(format!("edulibra-layers-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod a;\n").unwrap();
    std::fs::write(
        src.join("a/mod.rs"),
        "pub mod b;\npub mod c;\nuse self::b::X;\n",
    )
    .unwrap();
    std::fs::write(src.join("a/b.rs"), "use super::c::Y;\npub struct X;\n").unwrap();
    std::fs::write(src.join("a/c.rs"), "pub struct Y(crate::a::b::X);\n").unwrap();
    let g = graph(&src);
    let found: Vec<_> = g.keys().filter_map(|m| circle(&g, m)).collect();
    assert_eq!(found.len(), 2, "b -> c -> b, seen from each: {found:?}");
    std::fs::write(src.join("a/c.rs"), "pub struct Y;\n").unwrap();
    let g = graph(&src);
    assert!(g.keys().all(|m| circle(&g, m).is_none()));
    let _ = std::fs::remove_dir_all(&dir);
}
