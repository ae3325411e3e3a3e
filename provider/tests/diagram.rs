//! The README's topology diagram is generated from the expansion: this test fails when the
//! expansion changes and the README does not (regenerate with UPDATE_README=1).

mod common;

use std::collections::BTreeMap;

use edulibra_provider::environment::spec::{self, SpecOutcome};
use edulibra_provider::topology::{diagram, expand};

#[test]
fn readme_diagram_is_current() {
    let SpecOutcome::Ready(spec) = spec::read(&common::env_config(
        serde_json::json!({"name": "edulibra", "stage": "prod", "compute": "containers"}),
    )) else {
        panic!("valid")
    };
    let t = expand(&spec, &common::frankfurt(), &BTreeMap::new()).unwrap();
    let generated = diagram::to_mermaid(&t, "stage = prod, compute = containers");
    let readme_path = common::manifest_dir().join("../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (begin, end) = (
        "<!-- BEGIN TOPOLOGY (generated) -->\n",
        "<!-- END TOPOLOGY -->",
    );
    let start = readme.find(begin).expect("README has the topology section") + begin.len();
    let stop = readme[start..].find(end).unwrap() + start;
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &readme[..start], generated, &readme[stop..]);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..stop],
        generated,
        "README's diagram is out of date: run with UPDATE_README=1"
    );
    assert!(
        generated.contains("db_instance"),
        "the diagram shows the database"
    );
}
