//! What the gate runs and what fails it, as a team chooses: rules selected or skipped by id,
//! category or severity (`--check`, `--skip`), and findings that fail the gate or only report
//! (`--soft-fail`, `--soft-fail-on`, `--hard-fail-on`), with checkov's meaning for each.

use crate::finding::{Finding, Status};
use crate::rules::{severity_rank, Rule, SEVERITIES};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GateError {
    #[error("{flag} {term}: names no rule id, category or severity of the loaded rules")]
    NoSuchRule { flag: &'static str, term: String },
    #[error("{flag} {term}: is neither a rule id nor a severity ({severities})")]
    NotIdOrSeverity {
        flag: &'static str,
        term: String,
        severities: String,
    },
}

/// A rule left out of the run, and which flag left it out.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Skipped {
    pub rule_id: String,
    pub by: String,
}

fn names(rule: &Rule, term: &str) -> bool {
    let m = &rule.metadata;
    m.id.eq_ignore_ascii_case(term)
        || m.category.eq_ignore_ascii_case(term)
        || m.severity.eq_ignore_ascii_case(term)
}

/// Keeps the rules `check` names (all when it is empty) less those `skip` names; says what it
/// left out and why. A term that names nothing is an error: a typo would otherwise run every
/// rule, or none, in silence.
pub fn select(
    rules: &mut Vec<Rule>,
    check: &[String],
    skip: &[String],
) -> Result<Vec<Skipped>, GateError> {
    for (flag, terms) in [("--check", check), ("--skip", skip)] {
        if let Some(term) = terms.iter().find(|t| !rules.iter().any(|r| names(r, t))) {
            return Err(GateError::NoSuchRule {
                flag,
                term: term.clone(),
            });
        }
    }
    let mut skipped = Vec::new();
    rules.retain(|r| {
        let by = if !check.is_empty() && !check.iter().any(|t| names(r, t)) {
            Some(format!("--check {}", check.join(",")))
        } else {
            skip.iter()
                .find(|t| names(r, t))
                .map(|t| format!("--skip {t}"))
        };
        match by {
            Some(by) => {
                skipped.push(Skipped {
                    rule_id: r.metadata.id.clone(),
                    by,
                });
                false
            }
            None => true,
        }
    });
    Ok(skipped)
}

/// A term of `--soft-fail-on` / `--hard-fail-on`: a rule id, or a severity.
#[derive(Clone, Debug, PartialEq)]
enum Term {
    Rule(String),
    Severity(usize),
}

fn terms(flag: &'static str, given: &[String]) -> Result<Vec<Term>, GateError> {
    given
        .iter()
        .map(|t| {
            let lower = t.to_ascii_lowercase();
            if SEVERITIES.contains(&lower.as_str()) {
                Ok(Term::Severity(severity_rank(&lower)))
            } else if t.contains('-') {
                Ok(Term::Rule(t.to_ascii_uppercase()))
            } else {
                Err(GateError::NotIdOrSeverity {
                    flag,
                    term: t.clone(),
                    severities: SEVERITIES.join(", "),
                })
            }
        })
        .collect()
}

/// Which failing findings fail the gate.
#[derive(Clone, Debug)]
pub struct FailPolicy {
    /// Lowest severity that fails (`--fail-on`).
    fail_on: usize,
    soft_fail: bool,
    soft: Vec<Term>,
    hard: Vec<Term>,
}

impl FailPolicy {
    pub fn new(
        fail_on: &str,
        soft_fail: bool,
        soft_fail_on: &[String],
        hard_fail_on: &[String],
    ) -> Result<FailPolicy, GateError> {
        Ok(FailPolicy {
            fail_on: severity_rank(fail_on),
            soft_fail,
            soft: terms("--soft-fail-on", soft_fail_on)?,
            hard: terms("--hard-fail-on", hard_fail_on)?,
        })
    }

    /// True when the failing finding `f` fails the gate:
    /// - `--hard-fail-on` (an id, or a severity and those above it) always fails, and once it is
    ///   given, nothing else does (as in checkov: it is the exception to soft failing);
    /// - `--soft-fail` fails nothing else; `--soft-fail-on` spares what it names (an id, or a
    ///   severity and those below it);
    /// - otherwise a failure at or above `--fail-on` fails.
    pub fn blocks(&self, f: &Finding) -> bool {
        if f.status != Status::Fail {
            return false;
        }
        let rank = severity_rank(&f.severity);
        let named = |t: &Term, above: bool| match t {
            Term::Rule(id) => f.rule_id.eq_ignore_ascii_case(id),
            Term::Severity(s) if above => rank >= *s,
            Term::Severity(s) => rank <= *s,
        };
        if self.hard.iter().any(|t| named(t, true)) {
            return true;
        }
        if self.soft_fail || !self.hard.is_empty() || self.soft.iter().any(|t| named(t, false)) {
            return false;
        }
        rank >= self.fail_on
    }

    /// The failing findings that fail the gate, and those that only report.
    pub fn count(&self, findings: &[Finding]) -> (usize, usize) {
        let failing = findings.iter().filter(|f| f.status == Status::Fail);
        let blocking = failing.clone().filter(|f| self.blocks(f)).count();
        (blocking, failing.count() - blocking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, severity: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            title: String::new(),
            severity: severity.into(),
            category: String::new(),
            status: Status::Fail,
            resource: "aws_s3_bucket.b".into(),
            resource_type: "aws_s3_bucket".into(),
            message: String::new(),
            remediation: String::new(),
            references: Vec::new(),
            waiver: None,
            source: String::new(),
            location: None,
        }
    }

    fn policy(fail_on: &str, soft: bool, soft_on: &[&str], hard_on: &[&str]) -> FailPolicy {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        FailPolicy::new(fail_on, soft, &s(soft_on), &s(hard_on)).unwrap()
    }

    #[test]
    fn the_threshold_alone_decides_by_severity() {
        let p = policy("medium", false, &[], &[]);
        assert!(p.blocks(&finding("EDU-ENC-001", "high")));
        assert!(p.blocks(&finding("EDU-ENC-004", "medium")));
        assert!(!p.blocks(&finding("EDU-LOG-007", "low")));
    }

    #[test]
    fn soft_fail_spares_everything_but_what_hard_fail_on_names() {
        let p = policy("low", true, &[], &[]);
        assert!(!p.blocks(&finding("EDU-IAM-001", "critical")));
        let p = policy("low", true, &[], &["EDU-IAM-001"]);
        assert!(p.blocks(&finding("EDU-IAM-001", "critical")));
        assert!(!p.blocks(&finding("EDU-IAM-002", "critical")));
        let p = policy("low", false, &[], &["high"]);
        assert!(
            p.blocks(&finding("EDU-IAM-001", "critical")),
            "high and above"
        );
        assert!(p.blocks(&finding("EDU-ENC-001", "high")));
        assert!(
            !p.blocks(&finding("EDU-ENC-004", "medium")),
            "hard-fail-on alone is the exception list"
        );
    }

    #[test]
    fn soft_fail_on_spares_what_it_names() {
        let p = policy("low", false, &["EDU-LOG-007", "medium"], &[]);
        assert!(!p.blocks(&finding("EDU-LOG-007", "low")));
        assert!(
            !p.blocks(&finding("EDU-ENC-004", "medium")),
            "medium and below"
        );
        assert!(!p.blocks(&finding("EDU-LOG-013", "low")));
        assert!(p.blocks(&finding("EDU-ENC-001", "high")));
        let (blocking, reported) = p.count(&[
            finding("EDU-ENC-001", "high"),
            finding("EDU-LOG-007", "low"),
        ]);
        assert_eq!((blocking, reported), (1, 1));
    }

    #[test]
    fn a_fail_term_is_an_id_or_a_severity() {
        let e = FailPolicy::new("low", false, &["encryption".into()], &[]).unwrap_err();
        assert!(
            matches!(
                e,
                GateError::NotIdOrSeverity {
                    flag: "--soft-fail-on",
                    ..
                }
            ),
            "{e}"
        );
    }
}
