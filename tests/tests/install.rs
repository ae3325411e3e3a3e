//! Installing like any provider: release archives in the Registry's layout, their checksums and
//! signature, and `terraform init` from a filesystem mirror and from a network mirror over HTTPS
//! (`scripts/release.py`, docs/install.md).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};
use edulibra_e2e::{provider_binary, repo_root, validator_binary, Workspace};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const ADDRESS: &str = "registry.terraform.io/edulibra/edulibra";

fn run(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("{cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn release_py() -> Command {
    let mut c = Command::new("python3");
    c.arg(repo_root().join("scripts/release.py"));
    c
}

/// `release.py archives` of this build for `platform` (the test profile's binaries stand in for
/// the release ones).
fn archives_for(platform: &str, out: &Path) -> Result<Command> {
    let mut c = release_py();
    c.args(["archives", "--allow-dirty", "--platform", platform, "--out"])
        .arg(out)
        .arg("--provider")
        .arg(provider_binary()?)
        .arg("--gate")
        .arg(validator_binary()?);
    Ok(c)
}

fn archives(out: &Path) -> Result<String> {
    run(&mut archives_for("linux_amd64", out)?)
}

fn mirror(from: &Path, out: &Path) -> Result<()> {
    run(release_py()
        .args(["mirror", "--from"])
        .arg(from)
        .arg("--out")
        .arg(out))?;
    Ok(())
}

fn sha256(path: &Path) -> Result<String> {
    let out = run(Command::new("sha256sum").arg(path))?;
    Ok(out.split_whitespace().next().unwrap_or("").to_string())
}

/// The hashes the mirror's version document declares for linux_amd64.
fn declared_hashes(mirror: &Path) -> Result<Vec<String>> {
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        mirror.join(format!("{ADDRESS}/{VERSION}.json")),
    )?)?;
    Ok(doc["archives"]["linux_amd64"]["hashes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect())
}

/// The hashes a lock file records for the provider.
fn locked_hashes(ws: &Workspace) -> Result<Vec<String>> {
    let lock = std::fs::read_to_string(ws.dir.join(".terraform.lock.hcl"))?;
    Ok(lock
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_string())
        .collect())
}

const REQUIRED: &str = r#"terraform {
  required_providers {
    edulibra = {
      source  = "edulibra/edulibra"
      version = "VERSION"
    }
  }
}
"#;

fn workspace(tag: &str) -> Result<Workspace> {
    let ws = Workspace::new(tag)?;
    ws.write("main.tf", &REQUIRED.replace("VERSION", VERSION))?;
    Ok(ws)
}

/// A workspace whose Terraform installs the provider only from a mirror built from this build's
/// archives for `platform`, and that mirror's folder.
fn installing_from(tag: &str, platform: &str) -> Result<(Workspace, PathBuf)> {
    let ws = workspace(tag)?;
    let dist = ws.scratch("dist")?;
    run(&mut archives_for(platform, &dist)?)?;
    let dir = ws.scratch("release-mirror")?;
    mirror(&dist, &dir)?;
    Ok((ws, dir))
}

/// The CLI configuration that installs the provider only from `at`: a `filesystem_mirror` path
/// or a `network_mirror` URL.
fn use_mirror(ws: &Workspace, kind: &str, at: &str) -> Result<()> {
    let key = if kind == "network_mirror" {
        "url"
    } else {
        "path"
    };
    ws.set_cli_config(&format!(
        "provider_installation {{\n  {kind} {{\n    {key} = \"{at}\"\n    include = [\"{ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{ADDRESS}\"]\n  }}\n}}\n"
    ))
}

#[test]
fn release_archives_have_the_registry_layout_checksums_manifest_and_signature() -> Result<()> {
    let ws = workspace("release")?;
    let out = ws.scratch("dist")?;
    let gnupg = ws.scratch("gnupg")?;
    std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    // A throwaway signing key, as a release manager's would be.
    run(Command::new("gpg")
        .env("GNUPGHOME", &gnupg)
        .args(["--batch", "--passphrase", "", "--quick-gen-key"])
        .args([
            "EduLibra test release <release@example.invalid>",
            "ed25519",
            "sign",
            "1d",
        ]))?;
    run(archives_for("linux_amd64", &out)?
        .env("GNUPGHOME", &gnupg)
        .args(["--gpg-key", "release@example.invalid"]))?;

    let name = |s: &str| format!("terraform-provider-edulibra_{VERSION}_{s}");
    for f in [
        name("linux_amd64.zip"),
        name("manifest.json"),
        name("SHA256SUMS"),
        name("SHA256SUMS.sig"),
    ] {
        assert!(out.join(&f).is_file(), "{f} in {}", out.display());
    }
    // The zip holds the binary under the name Terraform looks for, executable.
    let listing = run(Command::new("unzip")
        .args(["-Z", "-l"])
        .arg(out.join(name("linux_amd64.zip"))))?;
    assert!(
        listing.contains("-rwxr-xr-x")
            && listing.contains(&format!("terraform-provider-edulibra_v{VERSION}")),
        "{listing}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(name("manifest.json")))?)?;
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["5.0"])
    );
    // The checksums cover the zip and the manifest, and hold.
    let sums = std::fs::read_to_string(out.join(name("SHA256SUMS")))?;
    assert_eq!(sums.lines().count(), 2, "{sums}");
    run(Command::new("sha256sum")
        .arg("-c")
        .arg(name("SHA256SUMS"))
        .current_dir(&out))?;
    // The signature verifies, and does not once the checksums change.
    let verify = |sums: &Path| {
        Command::new("gpg")
            .env("GNUPGHOME", &gnupg)
            .args(["--batch", "--verify"])
            .arg(out.join(name("SHA256SUMS.sig")))
            .arg(sums)
            .output()
    };
    assert!(verify(&out.join(name("SHA256SUMS")))?.status.success());
    let forged = out.join("forged");
    std::fs::write(&forged, sums.replacen('0', "1", 1))?;
    assert!(
        !verify(&forged)?.status.success(),
        "a changed SHA256SUMS must not verify"
    );

    // The same binaries give the same bytes.
    let first = sha256(&out.join(name("linux_amd64.zip")))?;
    let again = ws.scratch("again")?;
    archives(&again)?;
    assert_eq!(first, sha256(&again.join(name("linux_amd64.zip")))?);

    // The gate: a tar.gz with its checksum, whose binary says its version.
    let gate = format!("edulibra-validate_{VERSION}_linux_amd64.tar.gz");
    run(Command::new("sha256sum")
        .arg("-c")
        .arg(format!("edulibra-validate_{VERSION}_SHA256SUMS"))
        .current_dir(&out))?;
    let unpacked = ws.scratch("gate")?;
    run(Command::new("tar")
        .arg("xzf")
        .arg(out.join(&gate))
        .arg("-C")
        .arg(&unpacked))?;
    let said = run(&mut Command::new(unpacked.join("edulibra-validate")).arg("--version"))?;
    assert!(said.contains(VERSION), "{said}");
    let said = run(&mut Command::new(provider_binary()?).arg("--version"))?;
    assert!(
        said.contains(VERSION) && said.contains("protocol 5"),
        "{said}"
    );
    Ok(())
}

#[test]
fn terraform_init_installs_from_a_filesystem_mirror() -> Result<()> {
    let (ws, dir) = installing_from("fs-mirror", "linux_amd64")?;
    use_mirror(&ws, "filesystem_mirror", &dir.display().to_string())?;
    let init = ws.tf_ok("", &["init", "-input=false", "-no-color"])?;
    assert!(
        init.stdout
            .contains(&format!("Installed edulibra/edulibra v{VERSION}")),
        "{}",
        init.stdout
    );
    // The hash Terraform computed of what it unpacked is the one the mirror declares.
    let locked = locked_hashes(&ws)?;
    let declared = declared_hashes(&dir)?;
    assert!(
        !locked.is_empty() && locked.iter().all(|h| declared.contains(h)),
        "{locked:?} vs {declared:?}"
    );
    // And the installed provider runs: Terraform loads its schema.
    ws.tf_ok("", &["validate", "-no-color"])?;
    Ok(())
}

/// A provider network mirror over HTTPS on loopback, with a CA of its own.
struct HttpsMirror {
    child: Child,
    port: u16,
    ca: PathBuf,
}

impl HttpsMirror {
    fn start(root: &Path, certs: &Path) -> Result<HttpsMirror> {
        let ca = certs.join("ca.pem");
        let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(certs));
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=EduLibra test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])?;
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ])?;
        std::fs::write(
            certs.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "1",
            "-extfile",
            "server.ext",
        ])?;
        let mut child = Command::new("python3")
            .arg(repo_root().join("tests/rig/https_mirror.py"))
            .arg(root)
            .arg(certs.join("server.pem"))
            .arg(certs.join("server.key"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("server stdout")?).read_line(&mut line)?;
        let port = line
            .trim()
            .parse()
            .with_context(|| format!("port from {line:?}"))?;
        Ok(HttpsMirror { child, port, ca })
    }

    fn url(&self) -> String {
        format!("https://localhost:{}/", self.port)
    }
}

impl Drop for HttpsMirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn terraform_init_installs_from_a_network_mirror_over_https_with_hashes_that_match() -> Result<()> {
    let (mut ws, dir) = installing_from("net-mirror", "linux_amd64")?;
    let server = HttpsMirror::start(&dir, &ws.scratch("certs")?)?;
    ws.extra_env
        .push(("SSL_CERT_FILE".into(), server.ca.display().to_string()));
    use_mirror(&ws, "network_mirror", &server.url())?;
    let init = ws.tf_ok("", &["init", "-input=false", "-no-color"])?;
    assert!(
        init.stdout.contains("(verified checksum)"),
        "{}",
        init.stdout
    );
    let declared = declared_hashes(&dir)?;
    let installed = locked_hashes(&ws)?;
    assert!(
        !installed.is_empty() && installed.iter().all(|h| declared.contains(h)),
        "{installed:?} vs {declared:?}"
    );
    // `terraform providers lock` against the mirror records the same hashes.
    std::fs::remove_file(ws.dir.join(".terraform.lock.hcl"))?;
    let net = format!("-net-mirror={}", server.url());
    ws.tf_ok(
        "",
        &[
            "providers",
            "lock",
            "-no-color",
            &net,
            "-platform=linux_amd64",
        ],
    )?;
    let locked = locked_hashes(&ws)?;
    assert!(
        !locked.is_empty() && locked.iter().all(|h| declared.contains(h)),
        "{locked:?} vs {declared:?}"
    );
    Ok(())
}

#[test]
fn a_mirror_without_this_platform_fails_init_with_terraforms_own_message() -> Result<()> {
    // The same package, offered for another platform only.
    let (ws, dir) = installing_from("no-platform", "darwin_arm64")?;
    use_mirror(&ws, "filesystem_mirror", &dir.display().to_string())?;
    let init = ws.tf("", &["init", "-input=false", "-no-color"])?;
    assert!(!init.ok, "{}", init.combined());
    let said = init.combined().replace('\n', " ");
    assert!(
        said.contains("package available for your current platform, linux_amd64")
            && said.contains("edulibra/edulibra"),
        "Terraform names the provider and the missing platform: {said}"
    );
    Ok(())
}

#[test]
fn a_release_refuses_a_dirty_tree_and_a_version_without_a_changelog_entry() -> Result<()> {
    let ws = workspace("release-checks")?;
    let repo = ws.scratch("repo")?;
    let git = |args: &[&str]| {
        run(Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(&repo))
    };
    git(&["init", "-q"])?;
    std::fs::write(
        repo.join("Cargo.toml"),
        "[workspace.package]\nversion = \"9.8.7\"\n",
    )?;
    std::fs::write(
        repo.join("CHANGELOG.md"),
        "# Changelog\n\n## 9.8.6\n- older\n",
    )?;
    git(&["add", "."])?;
    git(&["commit", "-q", "-m", "start"])?;
    let check = || -> Result<std::process::Output> {
        Ok(release_py()
            .args(["archives", "--check-only", "--out"])
            .arg(repo.join("dist"))
            .arg("--repo")
            .arg(&repo)
            .output()?)
    };
    let out = check()?;
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("CHANGELOG.md has no entry for 9.8.7"),
        "{said}"
    );

    std::fs::write(
        repo.join("CHANGELOG.md"),
        "# Changelog\n\n## 9.8.7\n- new\n\n## 9.8.6\n- older\n",
    )?;
    let out = check()?;
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("uncommitted changes (CHANGELOG.md)"),
        "{said}"
    );

    git(&["commit", "-q", "-am", "changelog"])?;
    let out = check()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn gate_action(dist: &Path, plan: &Path, outputs: &str, github_output: &Path) -> Command {
    let mut c = Command::new("bash");
    c.arg(repo_root().join("scripts/gate-action.sh"))
        .env_remove("EDULIBRA_ACTION_REPOSITORY")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("EDULIBRA_PLAN", plan)
        .env("EDULIBRA_VERSION", VERSION)
        .env("EDULIBRA_RELEASE_URL", dist)
        .env("EDULIBRA_FAIL_ON", "medium")
        .env("EDULIBRA_OUTPUTS", outputs)
        .env("GITHUB_OUTPUT", github_output);
    c
}

#[test]
fn the_action_installs_the_gate_from_a_release_checks_its_checksum_and_runs_it() -> Result<()> {
    let ws = workspace("action")?;
    let dist = ws.scratch("dist")?;
    archives(&dist)?;
    let out = ws.scratch("out")?;
    let plan = out.join("plan.json");
    std::fs::write(&plan, r#"{"format_version":"1.2","resource_changes":[]}"#)?;
    let outputs = format!(
        "sarif={}\n  junit={}\n\ngithub=-\n",
        out.join("gate.sarif").display(),
        out.join("gate.xml").display()
    );
    let github_output = out.join("github_output");
    let summary = out.join("step_summary.md");
    let o = gate_action(&dist, &plan, &outputs, &github_output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()?;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("gate.sarif").is_file() && out.join("gate.xml").is_file());
    // The runner's job summary gets the summary report.
    assert!(std::fs::read_to_string(&summary)?.starts_with("## ✅ EduLibra policy gate: passed"));
    assert_eq!(
        std::fs::read_to_string(&github_output)?.trim(),
        "exit-code=0"
    );

    // A plan the gate cannot read fails the step with 2, and says so.
    std::fs::write(&plan, "{ not json")?;
    let o = gate_action(&dist, &plan, "github=-", &github_output).output()?;
    assert_eq!(o.status.code(), Some(2));

    // An archive that is not the one released: refused, with both checksums.
    let gate = dist.join(format!("edulibra-validate_{VERSION}_linux_amd64.tar.gz"));
    let expected = sha256(&gate)?;
    let mut bytes = std::fs::read(&gate)?;
    bytes.push(0);
    std::fs::write(&gate, bytes)?;
    let actual = sha256(&gate)?;
    let o = gate_action(&dist, &plan, "github=-", &github_output).output()?;
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("checksum mismatch")
            && said.contains(&format!("expected {expected}, got {actual}")),
        "{said}"
    );

    // No release location and no action repository to default to: a clear error, no guess.
    let o = gate_action(&dist, &plan, "github=-", &github_output)
        .env("EDULIBRA_RELEASE_URL", "")
        .output()?;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("set release-url"));
    Ok(())
}
