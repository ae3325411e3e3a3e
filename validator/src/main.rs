//! The `edulibra-validate` command line. Exit codes: 0 pass, 1 findings at or above
//! `--fail-on`, 2 anything it could not read or run (the gate never passes on those).

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use edulibra_validate::compiled::EngineChoice;
use edulibra_validate::eval::{self, Options};
use edulibra_validate::report::{self, Format};
use edulibra_validate::rules::RuleSet;
use edulibra_validate::sources::Sources;
use edulibra_validate::waivers::Waivers;
use edulibra_validate::{gate, plan, profile, testing};

// The gate allocates millions of small values per plan; glibc's allocator spent a fifth of the
// run in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "edulibra-validate",
    version,
    about = "Policy gate over Terraform plans: encryption, IAM least privilege, multi-AZ, WAF, logging"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    Auto,
    Interpreter,
}

#[derive(Clone, Copy, ValueEnum)]
enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum GroupBy {
    Framework,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand)]
enum Command {
    /// Check plans (`terraform show -json` output, or binary plan files with terraform on PATH).
    Check(CheckArgs),
    /// Run the rules' Rego tests (`test_*` rules), like `opa test`.
    Test {
        /// Directories of rules and tests; without any, the built-in packs.
        dirs: Vec<PathBuf>,
        #[arg(long)]
        coverage: bool,
    },
    /// List the rules with their metadata.
    Rules {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Show one rule: what it checks, why, how to fix it.
    Explain { rule_id: String },
    /// Print the normalised resources of plans, exactly as rules see them (`input.resource`).
    Input {
        #[arg(required = true)]
        plans: Vec<PathBuf>,
    },
}

/// `check`'s flags: every one may also come from `.edulibra.yaml` (`config`).
#[derive(clap::Args)]
struct CheckArgs {
    #[arg(required = true)]
    plans: Vec<PathBuf>,
    /// Add the rules under this directory (repeatable).
    #[arg(long = "policy")]
    policies: Vec<PathBuf>,
    /// Leave the built-in rules out.
    #[arg(long)]
    no_builtin: bool,
    /// The format of a report whose --output names no format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Where a report goes: PATH (in --format) or FORMAT=PATH, repeatable (`-` is stdout),
    /// so one run writes every report CI needs: `-o sarif=gate.sarif -o github=-`.
    #[arg(long, short)]
    output: Vec<String>,
    /// Lowest severity of a failing finding that fails the gate.
    #[arg(long, value_enum, default_value = "low")]
    fail_on: Severity,
    /// Run only the rules named: rule ids, categories or severities (repeatable,
    /// comma-separated).
    #[arg(long, value_delimiter = ',')]
    check: Vec<String>,
    /// Leave out the rules named: rule ids, categories or severities (repeatable,
    /// comma-separated).
    #[arg(long, value_delimiter = ',')]
    skip: Vec<String>,
    /// Report every finding but exit 0 (except for what --hard-fail-on names).
    #[arg(long)]
    soft_fail: bool,
    /// Failing findings that report without failing the gate: rule ids, or a severity and
    /// those below it.
    #[arg(long, value_delimiter = ',')]
    soft_fail_on: Vec<String>,
    /// Failing findings that always fail the gate: rule ids, or a severity and those above
    /// it. Given alone, nothing else fails the gate (checkov's meaning).
    #[arg(long, value_delimiter = ',')]
    hard_fail_on: Vec<String>,
    /// Judge only resources that change (skip no-op and read as well as delete).
    #[arg(long)]
    only_changes: bool,
    /// Waivers file (YAML, or TOML by extension).
    #[arg(long)]
    waivers: Option<PathBuf>,
    /// Fail the gate when a waiver in force matched no finding (fixed, renamed or
    /// mistyped): stale waivers are otherwise only reported.
    #[arg(long)]
    fail_on_stale_waivers: bool,
    /// Write every waiver (file, inline `# edulibra:waive` comments, `edulibra:waive:RULE`
    /// tags) with what it silenced and when it expires, as Markdown (`-` is stdout).
    #[arg(long)]
    waivers_report: Option<PathBuf>,
    /// The Terraform configuration the plans were made from: findings then carry the `.tf`
    /// file and line of their block or argument, and `# edulibra:waive` comments apply.
    /// Default: the current directory when it holds `.tf` files.
    #[arg(long)]
    source: Option<PathBuf>,
    /// Add to the text and Markdown reports a table per compliance framework control
    /// (AWS FSBP, Security Hub, CIS AWS Foundations v3.0.0) with what its rules found.
    #[arg(long, value_enum)]
    group_by: Option<GroupBy>,
    /// Do not read the configuration, even from the current directory.
    #[arg(long, conflicts_with = "source")]
    no_source: bool,
    /// Time limit of one rule evaluation, in seconds.
    #[arg(long, default_value = "20")]
    timeout: u64,
    /// `interpreter` runs the built-in rules on regorus' interpreter instead of compiled
    /// (slower; for comparing verdicts).
    #[arg(long, value_enum, default_value = "auto")]
    engine: EngineArg,
    /// The config file (default: `.edulibra.yaml` here or in a directory above). Flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Read no config file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

/// Plans larger than this (in all) have subjects for nearly every built-in rule, so compiling
/// them all costs no more than compiling the ones needed, and it can happen beside the parse.
const PRECOMPILE_ABOVE_BYTES: u64 = 2 << 20;

fn main() -> ExitCode {
    // 2 MiB pages for the allocator's memory: a large check touches 300 MB, and faulting it in
    // 4 KiB at a time was a tenth of the run in the kernel (half a second in the worst runs on a
    // virtual machine). Only where the kernel's transparent huge pages allow it (madvise).
    // SAFETY: sets a process-wide allocator option; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(libmimalloc_sys::mi_option_large_os_pages, 1) };
    // The Rego parser builds an anyhow error each time it backtracks, and with RUST_BACKTRACE
    // set (CI runners often set it) each one captured a stack trace: 4% of a 10,000-resource
    // check, on the thread that compiles the rules beside the parse. The gate prints errors on
    // one line and never their traces; panics still get theirs from RUST_BACKTRACE. Set before
    // any thread starts, and only when the user has not chosen.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli, &matches) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("edulibra-validate: error: {}", one_line_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// Fills the flags not given on the command line from `.edulibra.yaml` (`--config`, or found
/// upward from here). Paths in the file are relative to it.
fn apply_config(args: &mut CheckArgs, given: &clap::ArgMatches) -> anyhow::Result<()> {
    use edulibra_validate::config;
    let path = match (&args.config, args.no_config) {
        (_, true) => return Ok(()),
        (Some(p), false) => p.clone(),
        (None, false) => match config::find_upward(std::path::Path::new(".")) {
            Some(p) => p,
            None => return Ok(()),
        },
    };
    let file = config::load(&path)?;
    let on_command_line =
        |id: &str| given.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
    let bad = |key: &str, message: String| anyhow::anyhow!("{}: {key}: {message}", path.display());
    let resolve = |p: &str| config::resolve(&path, p);
    let list = |v: config::StringOrList| v.into_vec();
    // `set!(key => field, |v| value)`: the file's `key` fills `field` unless the flag was given.
    macro_rules! set {
        ($key:ident => $field:ident, |$v:ident| $value:expr) => {
            if let Some($v) = file.$key.filter(|_| !on_command_line(stringify!($field))) {
                args.$field = $value;
            }
        };
    }
    set!(policy => policies, |v| list(v).iter().map(|p| resolve(p)).collect());
    set!(no_builtin => no_builtin, |v| v);
    set!(format => format, |v| Format::from_str(&v, true).map_err(|e| bad("format", e))?);
    set!(output => output, |v| list(v)
        .into_iter()
        .map(|o| match o.split_once('=') {
            Some((f, p)) if p != "-" && Format::from_str(f, true).is_ok() => {
                format!("{f}={}", resolve(p).display())
            }
            None if o != "-" => resolve(&o).display().to_string(),
            _ => o,
        })
        .collect());
    set!(fail_on => fail_on, |v| Severity::from_str(&v, true).map_err(|e| bad("fail-on", e))?);
    set!(check => check, |v| list(v));
    set!(skip => skip, |v| list(v));
    set!(soft_fail => soft_fail, |v| v);
    set!(soft_fail_on => soft_fail_on, |v| list(v));
    set!(hard_fail_on => hard_fail_on, |v| list(v));
    set!(only_changes => only_changes, |v| v);
    set!(waivers => waivers, |v| Some(resolve(&v)));
    set!(fail_on_stale_waivers => fail_on_stale_waivers, |v| v);
    set!(waivers_report => waivers_report, |v| Some(if v == "-" { v.into() } else { resolve(&v) }));
    set!(group_by => group_by, |v| Some(GroupBy::from_str(&v, true).map_err(|e| bad("group-by", e))?));
    set!(timeout => timeout, |v| v);
    set!(engine => engine, |v| EngineArg::from_str(&v, true).map_err(|e| bad("engine", e))?);
    // Sources: a command-line choice (--source or --no-source) replaces the file's.
    if !on_command_line("source") && !on_command_line("no_source") {
        if let Some(v) = file.source {
            args.source = Some(resolve(&v));
        }
        if let Some(v) = file.no_source {
            args.no_source = v;
            if v {
                args.source = None;
            }
        }
    }
    Ok(())
}

/// The error and its causes on one line, leaving out a cause whose text the message already
/// quotes (our errors often name their source in their own message).
fn one_line_chain(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line.replace('\n', " ")
}

fn run(cli: Cli, matches: &clap::ArgMatches) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(mut args) => {
            if let Some(given) = matches.subcommand_matches("check") {
                apply_config(&mut args, given)?;
            }
            let CheckArgs {
                plans,
                policies,
                no_builtin,
                format,
                output,
                fail_on,
                check,
                skip,
                soft_fail,
                soft_fail_on,
                hard_fail_on,
                only_changes,
                waivers,
                fail_on_stale_waivers,
                waivers_report,
                source,
                no_source,
                group_by,
                timeout,
                engine,
                config: _,
                no_config: _,
            } = args;
            profile::phase("start");
            // Rules and plans are read at once: they do not depend on each other.
            // For a large plan the rule thread compiles the built-in rules beside the parse
            // instead of after it; for a small plan only the rules with subjects are compiled.
            let plan_bytes: u64 = plans
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .map(|m| m.len())
                .sum();
            let precompile = plan_bytes > PRECOMPILE_ABOVE_BYTES && engine == EngineArg::Auto;
            let (rules, loaded) = std::thread::scope(|scope| {
                let rules = scope.spawn(|| {
                    let mut rules =
                        RuleSet::load(!no_builtin, &policies, Duration::from_secs(timeout))?;
                    if precompile {
                        rules.compile_builtin()?;
                    }
                    Ok::<_, edulibra_validate::rules::RuleError>(rules)
                });
                let loaded: Result<Vec<plan::Plan>, _> =
                    plans.iter().map(|p| plan::load_file(p)).collect();
                (rules.join().expect("the rule loader panicked"), loaded)
            });
            let mut rules = rules?;
            let mut loaded = loaded?;
            // The plan's own text is kept only for conftest-style rules (`package main`): without
            // any, it is a second copy of the plan for nothing (a tenth of the peak at 100,000
            // resources).
            if rules.raw_rules.is_empty() {
                for p in &mut loaded {
                    p.raw = plan::RawPlan::Text(String::new());
                }
            }
            let destinations = report::destinations(format, &output).map_err(anyhow::Error::msg)?;
            // Two documents on one stream would be one unreadable document.
            if waivers_report.as_deref() == Some(std::path::Path::new("-"))
                && destinations.iter().any(|(_, path)| path.is_none())
            {
                anyhow::bail!(
                    "--waivers-report - and the report both go to stdout: write one of them to a file (--output FORMAT=PATH)"
                );
            }
            let skipped = gate::select(&mut rules.rules, &check, &skip)?;
            let fail_policy =
                gate::FailPolicy::new(fail_on.as_str(), soft_fail, &soft_fail_on, &hard_fail_on)?;
            profile::phase("load");
            let mut waivers = match waivers {
                Some(p) => Waivers::load(&p)?,
                None => Waivers {
                    items: vec![],
                    today: edulibra_validate::waivers::today_utc(),
                },
            };
            let mut sources = match (source, no_source) {
                (_, true) => None,
                (Some(dir), false) => Some(Sources::load(&dir)?),
                (None, false) => Sources::load_if_any(std::path::Path::new("."))?,
            };
            if let Some(src) = sources.as_mut() {
                src.check_plan(
                    loaded
                        .iter()
                        .flat_map(|p| p.resources.iter().map(|r| r.address.as_str())),
                );
                for w in &src.warnings {
                    eprintln!("edulibra-validate: warning: {w}");
                }
                waivers.items.append(&mut src.waivers);
            }
            for p in &loaded {
                waivers
                    .items
                    .extend(edulibra_validate::waivers::from_tags(&p.resources)?);
            }
            let mut report = eval::evaluate(
                &mut rules,
                &loaded,
                &waivers,
                &Options {
                    only_changes,
                    engine: match engine {
                        EngineArg::Auto => EngineChoice::Auto,
                        EngineArg::Interpreter => EngineChoice::Interpreter,
                    },
                },
            )?;
            report.skipped_rules = skipped;
            report.group_by_framework = matches!(group_by, Some(GroupBy::Framework));
            if let Some(src) = &sources {
                src.locate_findings(&rules.rules, &mut report.findings);
            }
            if let Some(path) = &waivers_report {
                let text = report::waivers_markdown(&report);
                if path.as_os_str() == "-" {
                    print!("{text}");
                } else {
                    std::fs::write(path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
            }
            let (blocking, reported_only) = fail_policy.count(&report.findings);
            report.gate = Some(eval::GateDecision {
                blocking,
                reported_only,
            });
            for (format, path) in &destinations {
                let color = path.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none();
                let (mut out, destination): (Box<dyn std::io::Write>, String) = match path {
                    Some(p) => {
                        let file = std::fs::File::create(p)
                            .with_context(|| format!("writing {}", p.display()))?;
                        let out = std::io::BufWriter::with_capacity(1 << 20, file);
                        (Box::new(out), p.display().to_string())
                    }
                    None => (
                        Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                        "the report to stdout".into(),
                    ),
                };
                report::write(*format, &report, &rules.rules, color, &mut out)
                    .and_then(|()| out.flush())
                    .with_context(|| format!("writing {destination}"))?;
            }
            profile::phase("report");
            let stale = fail_on_stale_waivers && !report.stale_waivers.is_empty();
            if stale {
                for w in &report.stale_waivers {
                    eprintln!("error: stale waiver (matched nothing in this plan): {w}");
                }
            }
            let code = if blocking > 0 || stale { 1 } else { 0 };
            // The process ends here: freeing hundreds of MB of plan values one by one would only
            // delay the exit.
            std::mem::forget((loaded, rules, report));
            Ok(code)
        }
        Command::Test { dirs, coverage } => {
            let mut set =
                RuleSet::load_with(dirs.is_empty(), &dirs, Duration::from_secs(20), true)?;
            let (results, cov) = testing::run(&mut set, coverage);
            let failed = results.iter().filter(|r| !r.passed).count();
            for r in &results {
                match &r.error {
                    None => println!("PASS {}", r.name),
                    Some(e) => println!("FAIL {}: {e}", r.name),
                }
            }
            for c in &cov {
                let total = c.covered + c.not_covered;
                let pct = if total == 0 {
                    100.0
                } else {
                    100.0 * c.covered as f64 / total as f64
                };
                println!("coverage {pct:5.1}% {}", c.path);
            }
            println!("{} passed, {} failed", results.len() - failed, failed);
            if results.is_empty() {
                anyhow::bail!("no test_* rules found");
            }
            Ok(if failed > 0 { 1 } else { 0 })
        }
        Command::Rules { policies, format } => {
            let set = RuleSet::load(true, &policies, Duration::from_secs(20))?;
            match format {
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&set.rules)?),
                ListFormat::Markdown => print!("{}", report::rules_markdown(&set.rules)),
                ListFormat::Text => {
                    for r in &set.rules {
                        println!(
                            "{:<12} {:<9} {:<11} {}",
                            r.metadata.id,
                            r.metadata.severity,
                            r.metadata.category,
                            r.metadata.title
                        );
                    }
                }
            }
            Ok(0)
        }
        Command::Input { plans } => {
            let mut all = Vec::new();
            for p in &plans {
                all.extend(plan::load_file(p)?.resources);
            }
            println!("{}", serde_json::to_string_pretty(&all)?);
            Ok(0)
        }
        Command::Explain { rule_id } => {
            let set = RuleSet::load(true, &[], Duration::from_secs(20))?;
            let r = set.find(&rule_id).with_context(|| {
                format!("no rule {rule_id:?}; `edulibra-validate rules` lists them")
            })?;
            let m = &r.metadata;
            println!("{} ({}, {})\n{}\n", m.id, m.severity, m.category, m.title);
            if !m.description.is_empty() {
                println!("{}\n", m.description);
            }
            println!(
                "Applies to: {}",
                r.resource_types
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!("Fix: {}", m.remediation);
            if !m.references.is_empty() {
                println!("checkov: {}", m.references.join(", "));
            }
            for a in &m.assumes {
                println!("Assumes: {a}");
            }
            println!("Source: {}", r.path);
            Ok(0)
        }
    }
}
