//! `edulibra-validate test`: runs every `test_*` rule, like `opa test`, with line coverage.

use crate::rules::{one_line, RuleSet};

pub struct TestResult {
    pub name: String,
    pub passed: bool,
    pub error: Option<String>,
}

pub struct Coverage {
    pub path: String,
    pub covered: usize,
    pub not_covered: usize,
}

pub fn run(set: &mut RuleSet, coverage: bool) -> (Vec<TestResult>, Vec<Coverage>) {
    set.engine.set_enable_coverage(coverage);
    let mut results = Vec::new();
    let files: Vec<(String, String)> = set
        .files
        .iter()
        .map(|(a, b)| (a.clone(), b.clone()))
        .collect();
    let packages: std::collections::BTreeSet<String> =
        files.iter().map(|(_, p)| p.clone()).collect();
    let sources: Vec<(String, String)> = files.clone();
    for pkg in packages {
        // Test names come from the sources of the package's files.
        let mut names = std::collections::BTreeSet::new();
        for (path, p) in &sources {
            if *p != pkg {
                continue;
            }
            let text = set_source(set, path);
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("test_") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(format!("test_{name}"));
                }
            }
        }
        for name in names {
            set.engine.set_input(regorus::Value::new_object());
            let full = format!("{pkg}.{name}");
            match set.engine.eval_rule(full.clone()) {
                Ok(regorus::Value::Bool(true)) => results.push(TestResult {
                    name: full,
                    passed: true,
                    error: None,
                }),
                Ok(other) => results.push(TestResult {
                    name: full,
                    passed: false,
                    error: Some(format!(
                        "evaluated to {}",
                        other.to_json_str().unwrap_or_else(|_| "undefined".into())
                    )),
                }),
                Err(e) => results.push(TestResult {
                    name: full,
                    passed: false,
                    error: Some(one_line(&e.to_string())),
                }),
            }
        }
    }
    let mut cov = Vec::new();
    if coverage {
        if let Ok(report) = set.engine.get_coverage_report() {
            for f in report.files {
                if f.path.ends_with("_test.rego") {
                    continue;
                }
                cov.push(Coverage {
                    path: f.path.clone(),
                    covered: f.covered.len(),
                    not_covered: f.not_covered.len(),
                });
            }
        }
    }
    (results, cov)
}

fn set_source(set: &RuleSet, path: &str) -> String {
    set.source(path).unwrap_or_default()
}
