//! Output formats: text, json, sarif (2.1.0), junit, github (workflow annotations), markdown
//! (a PR comment), summary (a GitHub job summary), gitlab (Code Quality), gitlab-sast (GitLab's
//! security report).

use std::fmt::Write as _;

use serde_json::json;

use crate::eval::{Report, Status};
use crate::rules::Rule;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
    /// GitLab Code Quality (`artifacts:reports:codequality`).
    Gitlab,
    /// GitLab SAST security report (`artifacts:reports:sast`, schema 15.0.7).
    GitlabSast,
    /// GitHub job summary Markdown (write it to `$GITHUB_STEP_SUMMARY`).
    Summary,
}

/// Where a run's reports go: `--output PATH` (in `--format`) or `--output FORMAT=PATH`,
/// repeatable, `-` for stdout; none: `--format` to stdout. At most one goes to stdout, so two
/// reports never interleave there.
pub fn destinations(
    default: Format,
    outputs: &[String],
) -> Result<Vec<(Format, Option<std::path::PathBuf>)>, String> {
    let mut out = Vec::new();
    for o in outputs {
        let (format, path) = match o.split_once('=') {
            Some((f, p)) => match <Format as clap::ValueEnum>::from_str(f, true) {
                Ok(format) => (format, p),
                Err(_) => (default, o.as_str()),
            },
            None => (default, o.as_str()),
        };
        if path.is_empty() {
            return Err(format!("--output {o}: no path (use - for stdout)"));
        }
        out.push((
            format,
            (path != "-").then(|| std::path::PathBuf::from(path)),
        ));
    }
    if out.is_empty() {
        out.push((default, None));
    }
    if out.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        return Err("more than one --output goes to stdout (-)".into());
    }
    Ok(out)
}

/// Renders straight into `out`: the JSON report of a large plan is tens of MB, not worth
/// holding as one string first.
pub fn write(
    format: Format,
    report: &Report,
    rules: &[Rule],
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let text = match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::other)?;
            return out.write_all(b"\n");
        }
        Format::Text => {
            let mut t = text(report, color);
            if report.group_by_framework {
                t.push_str(&by_framework(report, rules, false));
            }
            t
        }
        Format::Sarif => sarif(report, rules),
        Format::Junit => junit(report, rules),
        Format::Github => github(report),
        Format::Markdown => {
            let mut t = markdown(report);
            if report.group_by_framework {
                t.push_str(&by_framework(report, rules, true));
            }
            t
        }
        Format::Gitlab => gitlab(report),
        Format::GitlabSast => gitlab_sast(report),
        Format::Summary => job_summary(report, rules),
    };
    out.write_all(text.as_bytes())
}

fn text(r: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let mut current = "";
    for f in &r.findings {
        if f.resource != current {
            current = &f.resource;
            let _ = writeln!(out, "\n{}", paint("1", current));
        }
        let status = match f.status {
            Status::Fail => paint("31", "FAIL"),
            Status::Unknown => paint("33", "UNKNOWN"),
            Status::Waived => paint("36", "WAIVED"),
        };
        let _ = writeln!(
            out,
            "  {status} {} [{}] {}",
            f.rule_id, f.severity, f.message
        );
        if let Some(l) = &f.location {
            let _ = writeln!(out, "       at: {}:{}", l.file, l.line);
        }
        if f.status == Status::Fail && !f.remediation.is_empty() {
            let _ = writeln!(out, "       fix: {}", f.remediation);
        }
        if let Some(w) = &f.waiver {
            let _ = writeln!(out, "       waived: {w}");
        }
    }
    for s in &r.skipped_rules {
        let _ = writeln!(out, "skipped rule {} ({})", s.rule_id, s.by);
    }
    if let Some(g) = r.gate.as_ref().filter(|g| g.reported_only > 0) {
        let _ = writeln!(
            out,
            "{} failing finding(s) reported without failing the gate (--soft-fail, --soft-fail-on, --hard-fail-on); {} fail it",
            g.reported_only, g.blocking
        );
    }
    for e in &r.stale_waivers {
        let _ = writeln!(out, "stale waiver (matched nothing in this plan): {e}");
    }
    for e in &r.expired_waivers {
        let _ = writeln!(out, "expired waiver (no longer applies): {e}");
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "\n{} resources, {} rules: {} failed, {} passed, {} unknown, {} waived",
        s.resources, s.rules, s.failed, s.passed, s.unknown, s.waived
    );
    out
}

/// Where each rule is described: its section of docs/rules.md (`helpUri`), in the repository
/// the workspace declares (`Cargo.toml`, `workspace.package.repository`).
const RULES_DOC: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

fn sarif_level(sev: &str) -> &'static str {
    match sev {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// GitHub's code scanning ranks alerts by `security-severity`, a CVSS-like score: over 9.0
/// critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low ("SARIF support for code
/// scanning", GitHub Docs).
fn security_severity(sev: &str) -> &'static str {
    match sev {
        "critical" => "9.5",
        "high" => "8.0",
        "medium" => "5.5",
        "low" => "3.0",
        _ => "0.0",
    }
}

/// A finding's identity across runs: its rule and resource address, not its line or message,
/// so code scanning tracks one alert while the plan around it changes. FNV-1a (64 bits): the
/// same on every machine and release, unlike std's hasher.
pub fn fingerprint(rule_id: &str, resource: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in rule_id.bytes().chain([0u8]).chain(resource.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A rule's SARIF tags: its category, `security` (what GitHub lists as security alerts), and
/// each compliance control as `framework/id`, which code scanning can filter on.
fn sarif_tags(rule: &Rule) -> Vec<String> {
    let m = &rule.metadata;
    [m.category.clone(), "security".to_string()]
        .into_iter()
        .chain(
            m.compliance
                .iter()
                .flat_map(|(f, ids)| ids.iter().map(move |i| format!("{f}/{i}"))),
        )
        .collect()
}

fn sarif(r: &Report, rules: &[Rule]) -> String {
    use serde_sarif::sarif;
    let level = |sev: &str| match sarif_level(sev) {
        "error" => sarif::ResultLevel::Error,
        "warning" => sarif::ResultLevel::Warning,
        _ => sarif::ResultLevel::Note,
    };
    let rule_index: std::collections::BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, x)| (x.metadata.id.as_str(), i))
        .collect();
    let results: Vec<sarif::Result> = r
        .findings
        .iter()
        .map(|f| {
            // An unknown verdict (a value known only after apply) is a note to look at, not an
            // alert: dropping it would hide that the gate could not judge.
            let (lvl, text) = match f.status {
                Status::Unknown => (
                    sarif::ResultLevel::Note,
                    format!("unknown until apply: {}", f.message),
                ),
                _ => (level(&f.severity), f.message.clone()),
            };
            let physical = match &f.location {
                Some(l) => sarif::PhysicalLocation::builder()
                    .artifact_location(sarif::ArtifactLocation::builder().uri(&l.file).build())
                    .region(sarif::Region::builder().start_line(l.line as i64).build())
                    .build(),
                None => sarif::PhysicalLocation::builder()
                    .artifact_location(sarif::ArtifactLocation::builder().uri(&f.source).build())
                    .build(),
            };
            let location = sarif::Location::builder()
                .physical_location(physical)
                .logical_locations(vec![sarif::LogicalLocation::builder()
                    .fully_qualified_name(&f.resource)
                    .kind("resource")
                    .build()])
                .build();
            let fingerprints: std::collections::BTreeMap<String, String> = [(
                "edulibraFinding/v1".to_string(),
                fingerprint(&f.rule_id, &f.resource),
            )]
            .into();
            let suppressions = f.waiver.as_ref().map(|w| {
                vec![sarif::Suppression::builder()
                    .kind(json!("external"))
                    .justification(w)
                    .build()]
            });
            let mut result = sarif::Result::builder()
                .rule_id(&f.rule_id)
                .level(lvl)
                .message(sarif::Message::builder().text(text).build())
                .partial_fingerprints(fingerprints)
                .locations(vec![location])
                .build();
            result.rule_index = rule_index.get(f.rule_id.as_str()).map(|&i| i as i64);
            result.suppressions = suppressions;
            result
        })
        .collect();
    let driver_rules: Vec<sarif::ReportingDescriptor> = rules
        .iter()
        .map(|x| {
            let m = &x.metadata;
            let text = |t: &str| sarif::MultiformatMessageString::builder().text(t).build();
            let properties = sarif::PropertyBag::builder()
                .tags(sarif_tags(x))
                .additional_properties(
                    [
                        ("category".to_string(), json!(m.category)),
                        ("severity".to_string(), json!(m.severity)),
                        (
                            "security-severity".to_string(),
                            json!(security_severity(&m.severity)),
                        ),
                    ]
                    .into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
                )
                .build();
            sarif::ReportingDescriptor::builder()
                .id(&m.id)
                .name(x.package.rsplit('.').next().unwrap_or(""))
                .short_description(text(&m.title))
                .full_description(text(if m.description.is_empty() {
                    &m.title
                } else {
                    &m.description
                }))
                .help(
                    sarif::MultiformatMessageString::builder()
                        .text(&m.remediation)
                        .markdown(format!(
                            "**{}**\n\n{}\n\nReferences: {}",
                            m.title,
                            m.remediation,
                            m.references.join(", ")
                        ))
                        .build(),
                )
                .help_uri(format!("{RULES_DOC}#{}", m.id.to_lowercase()))
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(json!(sarif_level(&m.severity)))
                        .build(),
                )
                .properties(properties)
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("edulibra-validate")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(driver_rules)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let doc = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&doc).expect("sarif serialises") + "\n"
}

/// Fingerprints unique within one report, as GitLab wants them (it shows only the first issue
/// of a fingerprint): the rule and resource, or with the message too when one resource has two
/// findings of a rule.
#[derive(Default)]
struct UniquePrints(std::collections::BTreeSet<String>);

impl UniquePrints {
    fn of(&mut self, f: &crate::finding::Finding) -> String {
        let mut print = fingerprint(&f.rule_id, &f.resource);
        if !self.0.insert(print.clone()) {
            print = fingerprint(&f.rule_id, &format!("{}\0{}", f.resource, f.message));
            self.0.insert(print.clone());
        }
        print
    }
}

/// A Markdown table cell: its pipes escaped, on one line.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// GitLab's Code Quality report ("Code Quality report format", GitLab Docs): one issue per
/// failing or unknown finding, with GitLab's severities and a fingerprint that is stable across
/// runs and unique within one (GitLab shows only the first issue of a fingerprint).
fn gitlab(r: &Report) -> String {
    let mut seen = UniquePrints::default();
    let issues: Vec<serde_json::Value> = r
        .findings
        .iter()
        .filter(|f| f.status != Status::Waived)
        .map(|f| {
            let severity = match (&f.status, f.severity.as_str()) {
                (Status::Unknown, _) => "info",
                (_, "critical") => "blocker",
                (_, "high") => "critical",
                (_, "medium") => "major",
                (_, "low") => "minor",
                _ => "info",
            };
            let print = seen.of(f);
            let prefix = if f.status == Status::Unknown {
                "unknown until apply: "
            } else {
                ""
            };
            json!({
                "description": format!("{prefix}{} ({})", f.message, f.resource),
                "check_name": f.rule_id,
                "fingerprint": print,
                "severity": severity,
                "location": match &f.location {
                    Some(l) => json!({"path": l.file, "lines": {"begin": l.line}}),
                    None => json!({"path": f.source, "lines": {"begin": 1}}),
                },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("code quality serialises") + "\n"
}

/// The time now as GitLab's security reports write it (`YYYY-MM-DDTHH:MM:SS`, UTC).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (y, m, d) = crate::waivers::civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// GitLab's SAST security report (security-report-schemas, `sast-report-format.json`, version
/// 15.0.7, which GitLab 16 and 17 accept): one vulnerability per failing finding, identified by
/// the rule and located at its `.tf` line when the sources were read. Unknown and waived
/// findings are left out: a security report has no "could not judge" state, and the Code
/// Quality and SARIF reports carry those.
fn gitlab_sast(r: &Report) -> String {
    let now = utc_now();
    let tool = json!({"id": "edulibra-validate", "name": "edulibra-validate",
        "vendor": {"name": "EduLibra"}, "version": env!("CARGO_PKG_VERSION")});
    let mut seen = UniquePrints::default();
    let vulnerabilities: Vec<serde_json::Value> = r
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| {
            let id = seen.of(f);
            let severity = match f.severity.as_str() {
                "critical" => "Critical",
                "high" => "High",
                "medium" => "Medium",
                "low" => "Low",
                "info" => "Info",
                _ => "Unknown",
            };
            let location = match &f.location {
                Some(l) => json!({"file": l.file, "start_line": l.line}),
                None => json!({"file": f.source}),
            };
            json!({
                "id": id,
                "category": "sast",
                "name": f.title,
                "description": format!("{} ({})", f.message, f.resource),
                "severity": severity,
                "solution": f.remediation,
                "scanner": {"id": "edulibra-validate", "name": "edulibra-validate"},
                "location": location,
                "identifiers": [{"type": "edulibra_rule", "name": f.rule_id, "value": f.rule_id}],
            })
        })
        .collect();
    let doc = json!({
        "version": "15.0.7",
        "scan": {"analyzer": tool, "scanner": tool, "type": "sast",
                 "start_time": now, "end_time": now, "status": "success"},
        "vulnerabilities": vulnerabilities,
    });
    serde_json::to_string_pretty(&doc).expect("sast report serialises") + "\n"
}

/// A GitHub job summary: the verdict, the counts, the failing findings by severity with where
/// to fix them, and the rest folded away.
fn job_summary(r: &Report, rules: &[Rule]) -> String {
    let s = &r.summary;
    let blocking = r.gate.as_ref().map_or(s.failed, |g| g.blocking);
    let mut out = format!(
        "## {} EduLibra policy gate: {}\n\n| resources | rules | failed | passed | unknown | waived |\n|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} |\n\n",
        if blocking == 0 { "✅" } else { "❌" },
        if blocking == 0 { "passed" } else { "failed" },
        s.resources,
        s.rules,
        s.failed,
        s.passed,
        s.unknown,
        s.waived
    );
    let at = |f: &crate::finding::Finding| match &f.location {
        Some(l) => format!("`{}:{}`", l.file, l.line),
        None => format!("`{}`", f.resource),
    };
    // A table of findings: failing ones with their fix, the others with their message or the
    // waiver's reason.
    let rows = |findings: &[&crate::finding::Finding], fix: bool| {
        let mut t = String::from(if fix {
            "| rule | resource | where | finding | fix |\n|---|---|---|---|---|\n"
        } else {
            "| rule | resource | where | finding |\n|---|---|---|---|\n"
        });
        for f in findings {
            let said = if fix {
                format!("{} | {}", md_cell(&f.message), md_cell(&f.remediation))
            } else {
                md_cell(f.waiver.as_deref().unwrap_or(&f.message))
            };
            let _ = writeln!(
                t,
                "| {} | `{}` | {} | {said} |",
                f.rule_id,
                md_cell(&f.resource),
                at(f)
            );
        }
        t
    };
    for severity in ["critical", "high", "medium", "low", "info"] {
        let failing: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.severity == severity)
            .collect();
        if failing.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "### {} {severity} ({})\n\n",
            if matches!(severity, "critical" | "high") {
                "🔴"
            } else {
                "🟠"
            },
            failing.len()
        );
        out.push_str(&rows(&failing, true));
        out.push('\n');
    }
    for (status, title) in [
        (Status::Unknown, "known only after apply"),
        (Status::Waived, "waived"),
    ] {
        let some: Vec<_> = r.findings.iter().filter(|f| f.status == status).collect();
        if some.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<details><summary>{} {title}</summary>\n\n{}\n</details>\n\n",
            some.len(),
            rows(&some, false)
        );
    }
    if !r.skipped_rules.is_empty() {
        let _ = writeln!(
            out,
            "Rules left out: {}.\n",
            r.skipped_rules
                .iter()
                .map(|k| format!("{} ({})", k.rule_id, k.by))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{} rules ran; `edulibra-validate explain RULE` says what one checks and how to fix it.",
        rules.len()
    );
    out
}

fn junit(r: &Report, rules: &[Rule]) -> String {
    use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("edulibra-validate");
    for f in &r.findings {
        let status = match f.status {
            Status::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.message.as_str())
                    .set_type(f.severity.as_str())
                    .set_description(f.remediation.as_str());
                s
            }
            Status::Unknown => {
                let mut s = TestCaseStatus::skipped();
                s.set_message("known only after apply");
                s
            }
            Status::Waived => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("waived: {}", f.waiver.as_deref().unwrap_or("")));
                s
            }
        };
        let mut case = TestCase::new(f.resource.as_str(), status);
        case.set_classname(f.rule_id.as_str());
        // `file` and `line` as the JUnit readers of GitLab and Jenkins take them.
        if let Some(l) = &f.location {
            case.extra.insert("file".into(), l.file.as_str().into());
            case.extra.insert("line".into(), l.line.to_string().into());
        }
        suite.add_test_case(case);
    }
    let mut passed = TestCase::new(
        format!(
            "{} passed checks over {} rules",
            r.summary.passed,
            rules.len()
        ),
        TestCaseStatus::success(),
    );
    passed.set_classname("edulibra-validate");
    suite.add_test_case(passed);
    let mut report = Junit::new("edulibra-validate");
    report.add_test_suite(suite);
    report.to_string().expect("junit serialises")
}

fn github(r: &Report) -> String {
    // GitHub's workflow commands (@actions/core `escapeData`, `escapeProperty`): a property
    // ends at `,` and its name at `:`, so both are escaped there; `%`, CR and LF everywhere.
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let esc = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for f in &r.findings {
        let level = match (&f.status, f.severity.as_str()) {
            (Status::Fail, "critical" | "high") => "error",
            (Status::Fail, _) => "warning",
            _ => "notice",
        };
        let at = match &f.location {
            Some(l) => format!("file={},line={}", esc(&l.file), l.line),
            None => format!("file={}", esc(&f.source)),
        };
        let _ = writeln!(
            out,
            "::{level} {at},title={} {}::{}",
            esc(&f.rule_id),
            esc(&f.resource),
            data(&f.message)
        );
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "{} failed, {} passed, {} unknown, {} waived",
        s.failed, s.passed, s.unknown, s.waived
    );
    out
}

fn markdown(r: &Report) -> String {
    let s = &r.summary;
    let mut out = format!(
        "### edulibra-validate: {}\n\n{} resources, {} rules: **{} failed**, {} passed, {} unknown, {} waived\n\n",
        if s.failed == 0 { "passed" } else { "failed" },
        s.resources,
        s.rules,
        s.failed,
        s.passed,
        s.unknown,
        s.waived
    );
    if !r.findings.is_empty() {
        out.push_str("| status | rule | severity | resource | message |\n|---|---|---|---|---|\n");
        for f in &r.findings {
            let status = match f.status {
                Status::Fail => "❌ fail",
                Status::Unknown => "❔ unknown",
                Status::Waived => "➖ waived",
            };
            let _ = writeln!(
                out,
                "| {status} | {} | {} | `{}` | {} |",
                f.rule_id,
                f.severity,
                f.resource,
                md_cell(&f.message)
            );
        }
    }
    out
}

/// `--group-by framework`: per compliance framework and control, the rules that cover it and
/// what they found. A control whose rules found nothing shows as passing; rules that map to no
/// control are counted apart, so nothing is hidden by the grouping.
fn by_framework(r: &Report, rules: &[Rule], markdown: bool) -> String {
    use std::collections::BTreeMap;
    #[derive(Default)]
    struct Row<'a> {
        rules: Vec<&'a str>,
        failed: usize,
        unknown: usize,
        waived: usize,
    }
    let mut per_rule: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for f in &r.findings {
        let e = per_rule.entry(f.rule_id.as_str()).or_default();
        match f.status {
            Status::Fail => e.0 += 1,
            Status::Unknown => e.1 += 1,
            Status::Waived => e.2 += 1,
        }
    }
    let mut rows: BTreeMap<(&str, &str), Row> = BTreeMap::new();
    let mut unmapped = Row::default();
    for rule in rules {
        let id = rule.metadata.id.as_str();
        let (failed, unknown, waived) = per_rule.get(id).copied().unwrap_or_default();
        let add = |row: &mut Row<'_>| {
            row.failed += failed;
            row.unknown += unknown;
            row.waived += waived;
        };
        if rule.metadata.compliance.is_empty() {
            unmapped.rules.push(id);
            add(&mut unmapped);
        }
        for (framework, controls) in &rule.metadata.compliance {
            for c in controls {
                let row = rows.entry((framework.as_str(), c.as_str())).or_default();
                row.rules.push(rule.metadata.id.as_str());
                add(row);
            }
        }
    }
    let mut out = String::new();
    if markdown {
        out.push_str("\n#### By compliance framework\n\n| framework | control | verdict | rules | failed | unknown | waived |\n|---|---|---|---|---|---|---|\n");
    } else {
        out.push_str(
            "\nBy compliance framework (framework control: failed/unknown/waived, rules):\n",
        );
    }
    let applicable: std::collections::BTreeSet<&str> =
        r.applicable_rules.iter().map(String::as_str).collect();
    let mut line = |framework: &str, control: &str, row: &Row<'_>| {
        // A control none of whose rules had anything to judge is not passed: it did not apply.
        let verdict = if row.failed > 0 {
            "FAIL"
        } else if !row.rules.iter().any(|id| applicable.contains(id)) {
            "n/a"
        } else if row.unknown > 0 {
            "unknown"
        } else {
            "pass"
        };
        if markdown {
            let _ = writeln!(
                out,
                "| {framework} | {control} | {verdict} | {} | {} | {} | {} |",
                row.rules.join(", "),
                row.failed,
                row.unknown,
                row.waived
            );
        } else {
            let _ = writeln!(
                out,
                "  {verdict:7} {framework} {control}: {}/{}/{} ({})",
                row.failed,
                row.unknown,
                row.waived,
                row.rules.join(", ")
            );
        }
    };
    for ((framework, control), row) in &rows {
        line(framework, control, row);
    }
    if !unmapped.rules.is_empty() {
        line("(no framework)", "-", &unmapped);
    }
    out
}

/// `--waivers-report`: every waiver, what it silenced in this run, and when it expires.
pub fn waivers_markdown(r: &Report) -> String {
    let mut out = String::from("# Waivers\n\n");
    if r.waivers.is_empty() {
        out.push_str("No waivers were given.\n");
        return out;
    }
    out.push_str(
        "| rule | on | expires | state | reason | silenced |\n|---|---|---|---|---|---|\n",
    );
    for w in &r.waivers {
        let silenced = if w.silenced.is_empty() {
            "nothing".to_string()
        } else {
            w.silenced
                .iter()
                .map(|s| md_cell(s))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            md_cell(&w.rule),
            md_cell(&w.resource),
            w.expires.as_deref().unwrap_or("never"),
            w.state,
            md_cell(&w.reason),
            silenced
        );
    }
    out
}

fn types_of(r: &Rule) -> String {
    r.resource_types
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// `edulibra-validate rules --format markdown`: the catalogue in docs/rules.md.
pub fn rules_markdown(rules: &[Rule]) -> String {
    let mut out = String::from("| id | title | severity | category | resource types | checkov |\n|---|---|---|---|---|---|\n");
    for r in rules {
        let m = &r.metadata;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            m.id,
            m.title.replace('|', "\\|"),
            m.severity,
            m.category,
            types_of(r),
            m.references.join(", ")
        );
    }
    let mapped: Vec<&Rule> = rules
        .iter()
        .filter(|r| !r.metadata.compliance.is_empty())
        .collect();
    if !mapped.is_empty() {
        out.push_str("\nCompliance mappings (metadata `compliance`; `check --group-by framework` reports by control):\n\n| id | AWS FSBP | other Security Hub controls | CIS AWS Foundations v3.0.0 |\n|---|---|---|---|\n");
        for r in mapped {
            let c = &r.metadata.compliance;
            let ids = |k: &str| c.get(k).map(|v| v.join(", ")).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.metadata.id,
                ids("aws-fsbp"),
                ids("aws-securityhub"),
                ids("cis-aws-3.0.0")
            );
        }
    }
    // One heading per rule: SARIF's helpUri and `explain` point here (`#edu-ha-001`).
    out.push_str("\n## Each rule\n");
    for r in rules {
        let m = &r.metadata;
        let _ = write!(
            out,
            "\n### {}\n\n**{}** ({}, {}; {})\n\n{}\n\nFix: {}\n",
            m.id,
            m.title,
            m.severity,
            m.category,
            types_of(r),
            if m.description.is_empty() {
                &m.title
            } else {
                &m.description
            },
            m.remediation
        );
    }
    let assuming: Vec<&Rule> = rules
        .iter()
        .filter(|r| !r.metadata.assumes.is_empty())
        .collect();
    if !assuming.is_empty() {
        out.push_str("\nWhat the rules assume AWS does when an argument is left out:\n\n| id | assumes |\n|---|---|\n");
        for r in assuming {
            let said = r.metadata.assumes.join(" ").replace('|', "\\|");
            let _ = writeln!(out, "| {} | {} |", r.metadata.id, said);
        }
    }
    out
}
