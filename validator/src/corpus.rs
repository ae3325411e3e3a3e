//! Labelled verdicts: plans with the verdict expected per resource and category, and the score of
//! a gate run against them (recall and precision of failing verdicts per category, and whether
//! every labelled "pass" and "unknown" holds too). The validator's corpus test and the end-to-end
//! test of our own topology both score through here.
//!
//! A labels file is tab-separated: `source  resource  category  expected` with `expected` one of
//! `fail`, `unknown`, `pass`. A line `#complete SOURCE` says every failing (resource, category)
//! of that source is labelled: a failure not listed there is a false positive.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Finding, Status};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Fail,
    Unknown,
    Pass,
}

impl Verdict {
    fn parse(s: &str) -> Option<Verdict> {
        match s {
            "fail" => Some(Verdict::Fail),
            "unknown" => Some(Verdict::Unknown),
            "pass" => Some(Verdict::Pass),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
            Verdict::Pass => "pass",
        }
    }
}

#[derive(Debug, Default)]
pub struct Labels {
    /// source -> (resource, category) -> expected
    pub by_source: BTreeMap<String, BTreeMap<(String, String), Verdict>>,
    pub complete: BTreeSet<String>,
}

impl Labels {
    pub fn parse(text: &str) -> Result<Labels, String> {
        let mut labels = Labels::default();
        for (i, line) in text.lines().enumerate() {
            let at = |m: &str| format!("labels line {}: {m}", i + 1);
            if let Some(source) = line.strip_prefix("#complete ") {
                labels.complete.insert(source.trim().to_string());
                labels
                    .by_source
                    .entry(source.trim().to_string())
                    .or_default();
                continue;
            }
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [source, resource, category, expected] = cols.as_slice() else {
                return Err(at("expected 4 tab-separated columns"));
            };
            let expected = Verdict::parse(expected)
                .ok_or_else(|| at(&format!("{expected:?} is not fail, unknown or pass")))?;
            let previous = labels
                .by_source
                .entry(source.to_string())
                .or_default()
                .insert((resource.to_string(), category.to_string()), expected);
            if previous.is_some() {
                return Err(at(&format!("{resource} {category} is labelled twice")));
            }
        }
        Ok(labels)
    }
}

/// The gate's verdict per (resource, category): fail when a rule of the category fails the
/// resource, unknown when none fails and one reports unknown. A waived finding counts as what
/// it would have been: labels judge the rules, not the waivers.
pub fn category_verdicts(findings: &[Finding]) -> BTreeMap<(String, String), Verdict> {
    let mut out: BTreeMap<(String, String), Verdict> = BTreeMap::new();
    for f in findings {
        let v = match f.status {
            Status::Fail | Status::Waived => Verdict::Fail,
            Status::Unknown => Verdict::Unknown,
        };
        let e = out
            .entry((f.resource.clone(), f.category.clone()))
            .or_insert(v);
        *e = (*e).min(v);
    }
    out
}

#[derive(Debug, Default, Clone)]
pub struct Score {
    pub true_positive: usize,
    pub false_positive: usize,
    pub false_negative: usize,
    /// Labelled pass or unknown, and the gate agreed.
    pub other_agree: usize,
    /// Labelled pass or unknown, and the gate said the other one (never fail: that is a false
    /// positive).
    pub other_disagree: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores one source's gate verdicts against its labels, adding to `scores` per category.
/// Returns every mismatch as a line.
pub fn score(
    labels: &Labels,
    source: &str,
    verdicts: &BTreeMap<(String, String), Verdict>,
    scores: &mut BTreeMap<String, Score>,
) -> Vec<String> {
    let empty = BTreeMap::new();
    let expected = labels.by_source.get(source).unwrap_or(&empty);
    let mut mismatches = Vec::new();
    for ((resource, category), want) in expected {
        let got = verdicts
            .get(&(resource.clone(), category.clone()))
            .copied()
            .unwrap_or(Verdict::Pass);
        let s = scores.entry(category.clone()).or_default();
        match (want, got) {
            (Verdict::Fail, Verdict::Fail) => s.true_positive += 1,
            (Verdict::Fail, _) => s.false_negative += 1,
            (_, Verdict::Fail) => s.false_positive += 1,
            (w, g) if *w == g => s.other_agree += 1,
            _ => s.other_disagree += 1,
        }
        if *want != got {
            mismatches.push(format!(
                "{source}: {resource} {category}: labelled {}, the gate says {}",
                want.as_str(),
                got.as_str()
            ));
        }
    }
    if labels.complete.contains(source) {
        for ((resource, category), got) in verdicts {
            if *got == Verdict::Fail
                && !expected.contains_key(&(resource.clone(), category.clone()))
            {
                scores.entry(category.clone()).or_default().false_positive += 1;
                mismatches.push(format!(
                    "{source}: {resource} {category}: the gate fails it, and the labels (complete for this source) do not"
                ));
            }
        }
    }
    mismatches
}

/// The per-category table a corpus run prints.
pub fn table(scores: &BTreeMap<String, Score>) -> String {
    let mut out = String::from(
        "category    fail TP  FP  FN  precision  recall  pass/unknown agree  disagree\n",
    );
    for (category, s) in scores {
        out.push_str(&format!(
            "{category:<11} {:>7} {:>3} {:>3} {:>10.2} {:>7.2} {:>19} {:>9}\n",
            s.true_positive,
            s.false_positive,
            s.false_negative,
            s.precision(),
            s.recall(),
            s.other_agree,
            s.other_disagree
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_refuse_bad_lines_and_scores_count_each_kind() {
        assert!(Labels::parse("a\tb\tc").is_err());
        assert!(Labels::parse("a\tb\tc\tmaybe").is_err());
        assert!(Labels::parse("a\tb\tc\tfail\na\tb\tc\tpass").is_err());
        let labels = Labels::parse(
            "#complete s\ns\tr1\tenc\tfail\ns\tr2\tenc\tpass\ns\tr3\tenc\tunknown\ns\tr4\tenc\tfail\n",
        )
        .unwrap();
        let got: BTreeMap<_, _> = [
            (("r1".to_string(), "enc".to_string()), Verdict::Fail),
            (("r2".to_string(), "enc".to_string()), Verdict::Fail),
            (("r3".to_string(), "enc".to_string()), Verdict::Unknown),
            (("r5".to_string(), "enc".to_string()), Verdict::Fail),
        ]
        .into();
        let mut scores = BTreeMap::new();
        let mismatches = score(&labels, "s", &got, &mut scores);
        let s = &scores["enc"];
        // r1 TP; r2 FP; r4 FN (not failed); r5 FP (unlabelled in a complete source); r3 agrees.
        assert_eq!(
            (
                s.true_positive,
                s.false_positive,
                s.false_negative,
                s.other_agree
            ),
            (1, 2, 1, 1)
        );
        assert_eq!(mismatches.len(), 3);
        assert!((s.precision() - 1.0 / 3.0).abs() < 1e-9 && (s.recall() - 0.5).abs() < 1e-9);
    }
}
