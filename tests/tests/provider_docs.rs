//! Issue "docs a platform engineer picks up": the Registry-layout docs (docs/index.md,
//! docs/resources, docs/data-sources) carry every argument and attribute of the schema the real
//! Terraform reads from the provider. An attribute added without regenerating the docs (`make
//! docs`), or without a description, fails this test.

use std::process::Command;

use edulibra_e2e::{provider_config, repo_root, Workspace};

fn render(schema: &std::path::Path, mode: &[&str]) -> std::process::Output {
    Command::new("python3")
        .arg(repo_root().join("scripts/render_provider_docs.py"))
        .arg(schema)
        .arg(repo_root().join("docs"))
        .args(mode)
        .output()
        .unwrap()
}

#[test]
fn the_registry_docs_document_every_attribute_of_the_schema() {
    let ws = Workspace::new("docs").unwrap();
    ws.write("main.tf", &provider_config("")).unwrap();
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    let schema = ws.tf_ok(".", &["providers", "schema", "-json"]).unwrap();
    let path = ws.dir.join("schema.json");
    std::fs::write(&path, &schema.stdout).unwrap();

    if std::env::var_os("UPDATE_DOCS").is_some() {
        let o = render(&path, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = render(&path, &["--check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The check notices an attribute the docs do not have, and one without a description.
    let mut changed: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    changed["provider_schemas"]["registry.terraform.io/edulibra/edulibra"]["resource_schemas"]
        ["edulibra_environment"]["block"]["attributes"]["brand_new"] =
        serde_json::json!({"type": "string", "optional": true});
    let changed_path = ws.dir.join("changed.json");
    std::fs::write(&changed_path, changed.to_string()).unwrap();
    let o = render(&changed_path, &["--check"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("stale: docs/resources/environment.md"),
        "{err}"
    );
    assert!(
        err.contains("edulibra_environment.brand_new has no description"),
        "{err}"
    );
}
