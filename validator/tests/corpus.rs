//! The labelled corpus: the gate's verdicts against expected ones, per resource and category,
//! with recall and precision per category printed and held at 1.00.
//!
//! - `tests/corpus/cases/*.json`: hand-written plans (references at any module depth, AWS's
//!   defaults for arguments left out), labelled in `tests/corpus/labels.tsv`.
//! - The shared real fixtures (`../shared/fixtures/plans`), labelled by checkov 3.3.30's verdicts
//!   on the checks our rules cover, except where review found otherwise
//!   (`tests/corpus/fixture_overrides.tsv`, each pair explained in docs/rules.md).
//! - Our own topology is scored in the end-to-end tests (`tests/tests/topology_plan.rs`), which
//!   plan it with the real provider.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use edulibra_validate::corpus::{self, Labels, Score, Verdict};
use edulibra_validate::eval::{self, Finding, Options};
use edulibra_validate::rules::RuleSet;
use edulibra_validate::waivers::Waivers;

fn corpus_dir() -> std::path::PathBuf {
    common::manifest_dir().join("tests/corpus")
}

fn judge(rules: &mut RuleSet, path: &Path) -> Vec<Finding> {
    let plan = edulibra_validate::plan::load_file(path).unwrap();
    eval::evaluate(rules, &[plan], &Waivers::default(), &Options::default())
        .unwrap()
        .findings
}

fn rules() -> RuleSet {
    RuleSet::load(true, &[], Duration::from_secs(20)).unwrap()
}

fn report(what: &str, scores: &BTreeMap<String, Score>, mismatches: &[String]) {
    println!("{what}\n{}", corpus::table(scores));
    assert!(
        mismatches.is_empty(),
        "{what}: {} verdicts differ from the labels:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    for (category, s) in scores {
        assert_eq!(
            (s.precision(), s.recall()),
            (1.0, 1.0),
            "{what}: {category}"
        );
    }
}

#[test]
fn hand_written_cases_hold_their_labels() {
    let labels =
        Labels::parse(&std::fs::read_to_string(corpus_dir().join("labels.tsv")).unwrap()).unwrap();
    let mut rules = rules();
    let mut scores = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut cases = 0;
    for source in labels.by_source.keys() {
        let file = source
            .strip_prefix("case:")
            .unwrap_or_else(|| panic!("{source}: labels.tsv holds cases only"));
        let findings = judge(&mut rules, &corpus_dir().join("cases").join(file));
        let verdicts = corpus::category_verdicts(&findings);
        mismatches.extend(corpus::score(&labels, source, &verdicts, &mut scores));
        cases += 1;
    }
    // Every case file is labelled.
    let files = std::fs::read_dir(corpus_dir().join("cases"))
        .unwrap()
        .count();
    assert_eq!(cases, files, "a case in tests/corpus/cases has no labels");
    assert!(scores.values().map(|s| s.true_positive).sum::<usize>() >= 10);
    report("hand-written cases", &scores, &mismatches);
}

#[test]
fn shared_fixtures_hold_checkov_verdicts_and_reviewed_overrides() {
    let fixtures = common::shared().join("fixtures/plans");
    let mut rules = rules();
    // checkov check -> (our rule id, category, resource types) of the rules that cover it.
    let mut covering: BTreeMap<String, Vec<(String, String, BTreeSet<String>)>> = BTreeMap::new();
    for r in &rules.rules {
        for check in &r.metadata.references {
            covering.entry(check.clone()).or_default().push((
                r.metadata.id.clone(),
                r.metadata.category.clone(),
                r.resource_types.clone(),
            ));
        }
    }
    let overrides_text =
        std::fs::read_to_string(corpus_dir().join("fixture_overrides.tsv")).unwrap();
    let docs = std::fs::read_to_string(common::manifest_dir().join("../docs/rules.md")).unwrap();
    let mut overrides: BTreeMap<(String, String, String), &str> = BTreeMap::new();
    for line in overrides_text.lines().filter(|l| !l.starts_with('#')) {
        let [fixture, resource, check, label, our_rules] = line.split('\t').collect::<Vec<_>>()[..]
        else {
            panic!("fixture_overrides.tsv: {line:?} has not 5 columns")
        };
        for rule in our_rules.split(", ") {
            assert!(
                docs.contains(&format!("| {check} | {rule} |")),
                "{check}/{rule} overrides checkov on {resource} but docs/rules.md does not explain it"
            );
        }
        overrides.insert((fixture.into(), resource.into(), check.into()), label);
    }

    let verdicts_tsv = std::fs::read_to_string(fixtures.join("checkov-verdicts.tsv")).unwrap();
    // fixture -> (resource, category) -> expected, from every covered check row.
    let mut expected: BTreeMap<String, BTreeMap<(String, String), Verdict>> = BTreeMap::new();
    let mut rules_of: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    let mut used_overrides = 0;
    for line in verdicts_tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (fixture, check, resource, result) = (cols[0], cols[1], cols[2], cols[3]);
        let kind = resource
            .split('[')
            .next()
            .unwrap()
            .rsplit('.')
            .nth(1)
            .unwrap_or("");
        let ours: Vec<_> = covering
            .get(check)
            .into_iter()
            .flatten()
            .filter(|(_, _, types)| types.contains(kind))
            .collect();
        let Some((_, category, _)) = ours.first() else {
            continue;
        };
        let label = match overrides.get(&(fixture.into(), resource.into(), check.into())) {
            Some(l) => {
                used_overrides += 1;
                *l
            }
            None => match result {
                "failed" => "fail",
                _ => "pass",
            },
        };
        let v = match label {
            "fail" => Verdict::Fail,
            "unknown" => Verdict::Unknown,
            _ => Verdict::Pass,
        };
        // Each check is scored on its own: a check that agrees must not hide one that does not
        // on the same resource and category.
        let key = (format!("{resource} [{check}]"), category.clone());
        let e = expected
            .entry(fixture.to_string())
            .or_default()
            .entry(key.clone())
            .or_insert(v);
        *e = (*e).min(v);
        rules_of
            .entry((fixture.to_string(), key.0, key.1))
            .or_default()
            .extend(ours.iter().map(|(id, _, _)| id.clone()));
    }
    assert_eq!(
        used_overrides,
        overrides.len(),
        "an override names a row checkov-verdicts.tsv does not have"
    );

    let mut labels = Labels::default();
    let mut scores = BTreeMap::new();
    let mut mismatches = Vec::new();
    for (fixture, want) in &expected {
        labels.by_source.insert(fixture.clone(), want.clone());
        let findings = judge(&mut rules, &fixtures.join(fixture));
        // Only the rules that cover the labelled checks speak for a (resource, category).
        let mut got = BTreeMap::new();
        for (keyed, category) in want.keys() {
            let resource = keyed.rsplit_once(" [").map_or(keyed.as_str(), |(r, _)| r);
            let ids = &rules_of[&(fixture.clone(), keyed.clone(), category.clone())];
            let mine: Vec<Finding> = findings
                .iter()
                .filter(|f| f.resource == resource && ids.contains(&f.rule_id))
                .cloned()
                .collect();
            if let Some(v) =
                corpus::category_verdicts(&mine).get(&(resource.to_string(), category.clone()))
            {
                got.insert((keyed.clone(), category.clone()), *v);
            }
        }
        mismatches.extend(corpus::score(&labels, fixture, &got, &mut scores));
    }
    report(
        &format!(
            "shared fixtures ({} plans, {} overrides of checkov)",
            expected.len(),
            overrides.len()
        ),
        &scores,
        &mismatches,
    );
}
