//! Diagnostics with the attribute path that caused them, in the shape Terraform shows at the
//! offending line of configuration.

use crate::proto::tfplugin5 as pb;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Attr(String),
    Key(String),
    Index(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Vec<Step>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: vec![],
        }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: vec![],
        }
    }
    /// Points the diagnostic at a dotted attribute path such as `network.az_count`.
    pub fn at(mut self, dotted: &str) -> Diagnostic {
        self.path = dotted
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| Step::Attr(s.to_string()))
            .collect();
        self
    }
    pub fn at_steps(mut self, steps: Vec<Step>) -> Diagnostic {
        self.path = steps;
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    /// The path as users write it (`network.az_count`), for logs and tests.
    pub fn dotted_path(&self) -> String {
        let mut out = String::new();
        for s in &self.path {
            match s {
                Step::Attr(a) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(a);
                }
                Step::Key(k) => out.push_str(&format!("[{k:?}]")),
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

pub fn to_proto_path(steps: &[Step]) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: steps
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    Step::Attr(a) => Selector::AttributeName(a.clone()),
                    Step::Key(k) => Selector::ElementKeyString(k.clone()),
                    Step::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

impl From<&Diagnostic> for pb::Diagnostic {
    fn from(d: &Diagnostic) -> pb::Diagnostic {
        pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            // A path must not start with an index step; an empty path points at the block.
            attribute: if d.path.is_empty() || !matches!(d.path[0], Step::Attr(_)) {
                None
            } else {
                Some(to_proto_path(&d.path))
            },
        }
    }
}

pub fn to_proto(diags: &[Diagnostic]) -> Vec<pb::Diagnostic> {
    diags.iter().map(pb::Diagnostic::from).collect()
}
