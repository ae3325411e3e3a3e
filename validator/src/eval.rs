//! Evaluation: every rule over the resources of its types (or the whole plan), with the verdict
//! a third state apart from pass and fail: `unknown` when only apply can tell.

use std::collections::BTreeMap;

use std::sync::Arc;
use std::time::Duration;

use regorus::rvm::program::Program;

use crate::compiled::{EngineChoice, Vm};
use crate::plan::{object, Plan, Resource};
use crate::rules::{one_line, Rule, RuleError, RuleSet, Scope};
use crate::waivers::Waivers;

// What a judgement is lives below the judging (`finding`), so that waivers and reports use it
// without depending on `eval`.
pub use crate::finding::{Finding, Status};

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub resources: usize,
    pub rules: usize,
    pub failed: usize,
    pub passed: usize,
    pub unknown: usize,
    pub waived: usize,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Waivers past their expiry date (they no longer waive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired_waivers: Vec<String>,
    /// Waivers in force that matched no finding of this run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_waivers: Vec<String>,
    /// Every waiver, with what it silenced in this run (`--waivers-report`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<crate::waivers::WaiverUse>,
    /// The rules that had something to judge in these plans (a resource of their types, or a
    /// plan): a rule not listed was not applicable. Sorted by id.
    pub applicable_rules: Vec<String>,
    /// Rules left out of the run (`--check`, `--skip`), with the flag that left each out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rules: Vec<crate::gate::Skipped>,
    /// `--group-by framework`: the text and Markdown reports add a table per compliance control.
    #[serde(skip)]
    pub group_by_framework: bool,
    /// What the failing findings do to the gate (`--soft-fail` and friends), once decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateDecision>,
}

/// The failing findings that fail the gate, and those that only report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GateDecision {
    pub blocking: usize,
    pub reported_only: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Skip resources that are not changing (no-op, read) as well as deletions.
    pub only_changes: bool,
    pub engine: EngineChoice,
}

fn judged(r: &Resource, opts: &Options) -> bool {
    match r.action.as_str() {
        "delete" => false,
        "no-op" | "read" => !opts.only_changes,
        _ => true,
    }
}

fn strings_of(v: &regorus::Value) -> Vec<String> {
    match v {
        regorus::Value::Set(s) => s.iter().map(text_of).collect(),
        regorus::Value::Array(a) => a.iter().map(text_of).collect(),
        regorus::Value::Undefined | regorus::Value::Null => vec![],
        other => vec![text_of(other)],
    }
}

fn text_of(v: &regorus::Value) -> String {
    match v {
        regorus::Value::String(s) => s.to_string(),
        other => {
            if let Ok(o) = other.as_object() {
                for k in ["msg", "message"] {
                    if let Some(regorus::Value::String(s)) = o.get(&regorus::Value::from(k)) {
                        return s.to_string();
                    }
                }
            }
            other.to_json_str().unwrap_or_default()
        }
    }
}

/// For plan rules: (resource address, message) pairs.
fn addressed(v: &regorus::Value) -> Vec<(String, String)> {
    let items: Vec<&regorus::Value> = match v {
        regorus::Value::Set(s) => s.iter().collect(),
        regorus::Value::Array(a) => a.iter().collect(),
        _ => vec![],
    };
    items
        .into_iter()
        .filter_map(|x| {
            let o = x.as_object().ok()?;
            let res = o
                .get(&regorus::Value::from("resource"))?
                .as_string()
                .ok()?
                .to_string();
            Some((res, text_of(x)))
        })
        .collect()
}

/// Resources in the shapes rules read them, built once per evaluation.
struct Inputs<'a> {
    resources: Vec<&'a Resource>,
    /// `{"resource": r}` for each resource
    per_resource: Vec<regorus::Value>,
    /// `{"resources": [...]}` for plan rules
    whole_plan: regorus::Value,
    /// By rule: `{"resources": [...]}` with just the rule's `plan_types`, for compiled plan rules
    /// that declare them.
    plan_inputs: Vec<Option<regorus::Value>>,
}

/// One unit of work: a rule over some of its subjects (a plan rule always over all of them).
struct Task<'a> {
    rule: usize,
    subjects: &'a [usize],
}

/// Judges one rule over the given subjects: the findings it raises and how many subjects passed.
fn judge(
    engine: &mut regorus::Engine,
    rule: &Rule,
    program: Option<&Arc<Program>>,
    limit: Duration,
    inputs: &Inputs,
    plan_input: Option<&regorus::Value>,
    subjects: &[usize],
) -> Result<(Vec<Finding>, usize), RuleError> {
    let err = |m: String| RuleError::Runtime {
        path: rule.path.clone(),
        package: rule.package.clone(),
        message: one_line(&m),
    };
    let resources = &inputs.resources;
    let mut verdicts: BTreeMap<usize, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut vm = program.map(|p| Vm::new(p.clone(), limit));
    let mut run = |input: &regorus::Value| -> Result<(regorus::Value, regorus::Value), RuleError> {
        if let Some(vm) = vm.as_mut() {
            return vm.run(input).map_err(|m| err(m));
        }
        engine.set_input(input.clone());
        let deny = engine
            .eval_rule(format!("{}.deny", rule.package))
            .map_err(|e| err(e.to_string()))?;
        let unknown = if rule.has_unknown {
            engine
                .eval_rule(format!("{}.unknown", rule.package))
                .map_err(|e| err(e.to_string()))?
        } else {
            regorus::Value::Undefined
        };
        Ok((deny, unknown))
    };
    match rule.scope {
        Scope::Resource => {
            for &i in subjects {
                let (deny, unknown) = run(&inputs.per_resource[i])?;
                verdicts.insert(i, (strings_of(&deny), strings_of(&unknown)));
            }
        }
        Scope::Plan if !subjects.is_empty() => {
            let (deny, unknown) = run(plan_input.unwrap_or(&inputs.whole_plan))?;
            let index: BTreeMap<&str, usize> = subjects
                .iter()
                .map(|&i| (resources[i].address.as_str(), i))
                .collect();
            for &i in subjects {
                verdicts.insert(i, (vec![], vec![]));
            }
            for (found, unknown) in [(addressed(&deny), false), (addressed(&unknown), true)] {
                for (addr, msg) in found {
                    if let Some(&i) = index.get(addr.as_str()) {
                        let v = verdicts.get_mut(&i).expect("subject");
                        if unknown {
                            v.1.push(msg)
                        } else {
                            v.0.push(msg)
                        }
                    }
                }
            }
        }
        Scope::Plan => {}
    }
    let mut findings = Vec::new();
    let mut passed = 0;
    for (i, (deny, unknown)) in verdicts {
        let r = resources[i];
        if deny.is_empty() && unknown.is_empty() {
            passed += 1;
            continue;
        }
        let (status, messages) = if !deny.is_empty() {
            (Status::Fail, deny)
        } else {
            (Status::Unknown, unknown)
        };
        for message in messages {
            findings.push(Finding {
                rule_id: rule.metadata.id.clone(),
                title: rule.metadata.title.clone(),
                severity: rule.metadata.severity.clone(),
                category: rule.metadata.category.clone(),
                status: status.clone(),
                resource: r.address.clone(),
                resource_type: r.kind.clone(),
                message,
                remediation: rule.metadata.remediation.clone(),
                references: rule.metadata.references.clone(),
                waiver: None,
                source: r.source.clone(),
                location: None,
            });
        }
    }
    Ok((findings, passed))
}

/// Subjects of a resource rule per task.
const CHUNK: usize = 256;

pub(crate) use crate::plan::workers;

/// Adds `identity` facts to the rule inputs of the resources of the library's types, the cores
/// sharing the work (see `identity`).
fn add_identity_facts(
    facts: &crate::identity::Facts,
    limit: Duration,
    resources: &[&Resource],
    per_resource: &mut [regorus::Value],
) -> Result<(), RuleError> {
    let mut subjects: Vec<&mut regorus::Value> = per_resource
        .iter_mut()
        .zip(resources)
        .filter(|(_, r)| facts.types.contains(&r.kind))
        .map(|(input, _)| input)
        .collect();
    let chunk = subjects.len().div_ceil(workers()).max(1);
    let added: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = subjects
            .chunks_mut(chunk)
            .map(|part| scope.spawn(move || facts.add_to(limit, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an identity worker panicked"))
            .collect()
    });
    added
        .into_iter()
        .collect::<Result<(), String>>()
        .map_err(|message| RuleError::Runtime {
            path: "builtin:policies/lib/edulibra.rego".into(),
            package: "data.edulibra.lib".into(),
            message: one_line(&message),
        })
}

pub fn evaluate(
    rules: &mut RuleSet,
    plans: &[Plan],
    waivers: &Waivers,
    opts: &Options,
) -> Result<Report, RuleError> {
    let resources: Vec<&Resource> = plans
        .iter()
        .flat_map(|p| p.resources.iter())
        .filter(|r| judged(r, opts))
        .collect();
    let mut by_type: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate() {
        by_type.entry(r.kind.as_str()).or_default().push(i);
    }
    let subjects: Vec<Vec<usize>> = rules
        .rules
        .iter()
        .map(|rule| {
            rule.resource_types
                .iter()
                .flat_map(|t| by_type.get(t.as_str()).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    // Converting every resource is a copy of the whole plan, so the cores share it; the
    // built-in rules with something to judge are compiled for the RVM (see `compiled`) meanwhile.
    let chunk = resources.len().div_ceil(workers()).max(1);
    let (rule_list, cache, limit) = (&rules.rules, &mut rules.programs, rules.limit);
    let (converted, programs) = std::thread::scope(|scope| {
        type Compiled = (
            Vec<Option<Arc<Program>>>,
            Option<Arc<crate::identity::Facts>>,
        );
        let compiling = scope.spawn(|| -> Result<Compiled, RuleError> {
            let programs = rule_list
                .iter()
                .zip(&subjects)
                .map(|(rule, subjects)| {
                    let compiled =
                        opts.engine == EngineChoice::Auto && rule.builtin && !subjects.is_empty();
                    compiled.then(|| cache.get(rule, limit)).transpose()
                })
                .collect::<Result<Vec<_>, _>>()?;
            // The facts serve only compiled rules; interpreted ones work them out themselves.
            let identity = programs
                .iter()
                .any(Option::is_some)
                .then(|| cache.identity(limit))
                .transpose()?;
            Ok((programs, identity))
        });
        let handles: Vec<_> = resources
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|r| r.to_rule_input()).collect::<Vec<_>>())
            })
            .collect();
        let converted: Vec<Vec<regorus::Value>> = handles
            .into_iter()
            .map(|h| h.join().expect("an input converter panicked"))
            .collect();
        let programs = compiling.join().expect("the rule compiler panicked");
        (converted, programs)
    });
    let (programs, identity) = programs?;
    let all: Vec<regorus::Value> = converted.into_iter().flatten().collect();
    let mut per_resource: Vec<regorus::Value> = all
        .iter()
        .map(|v| object([(regorus::Value::from("resource"), v.clone())]))
        .collect();
    crate::profile::phase("inputs and compile");
    if let Some(facts) = identity {
        add_identity_facts(&facts, limit, &resources, &mut per_resource)?;
        crate::profile::phase("identity facts");
    }
    let plan_of = |list: Vec<regorus::Value>| {
        object([(
            regorus::Value::from("resources"),
            regorus::Value::from(list),
        )])
    };
    // A compiled plan rule that declares its plan_types is given only those resources: each plan
    // rule otherwise walks every resource to pick out its few types (14 rules over 10,000
    // resources). The interpreter, the reference, still gets them all (`tests/engines.rs`).
    let plan_inputs: Vec<Option<regorus::Value>> = rules
        .rules
        .iter()
        .zip(&programs)
        .map(|(rule, program)| {
            let types = rule.plan_types.as_ref().filter(|_| program.is_some())?;
            let mut picked: Vec<usize> = types
                .iter()
                .flat_map(|t| by_type.get(t.as_str()).into_iter().flatten().copied())
                .collect();
            // in the plan's order, as the rule's own filter would leave them
            picked.sort_unstable();
            Some(plan_of(picked.iter().map(|&i| all[i].clone()).collect()))
        })
        .collect();
    let whole_plan = plan_of(all);
    let inputs = Inputs {
        resources,
        per_resource,
        whole_plan,
        plan_inputs,
    };

    let mut summary = Summary {
        resources: inputs.resources.len(),
        rules: rules.rules.len(),
        ..Summary::default()
    };
    let profile = crate::profile::enabled();
    // Work for the threads: plan rules whole, resource rules in chunks, so that one rule with
    // many subjects does not leave the other cores idle; biggest first.
    let mut tasks: Vec<Task> = Vec::new();
    for (idx, (rule, subjects)) in rules.rules.iter().zip(&subjects).enumerate() {
        match rule.scope {
            Scope::Plan if !subjects.is_empty() => tasks.push(Task {
                rule: idx,
                subjects,
            }),
            Scope::Plan => {}
            Scope::Resource => tasks.extend(subjects.chunks(CHUNK).map(|c| Task {
                rule: idx,
                subjects: c,
            })),
        }
    }
    tasks.sort_by_key(|t| {
        std::cmp::Reverse(match rules.rules[t.rule].scope {
            Scope::Plan => usize::MAX,
            Scope::Resource => t.subjects.len(),
        })
    });
    let n = workers().min(tasks.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rule_list = &rules.rules;
    let engine = &rules.engine;
    let limit = rules.limit;
    let (programs, tasks, inputs_ref, next) = (&programs, &tasks, &inputs, &next);
    type Judged = (usize, Vec<Finding>, usize, Duration);
    let results: Vec<Result<Vec<Judged>, RuleError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let mut engine = engine.clone();
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(task) = tasks.get(k) else { break };
                        let started = std::time::Instant::now();
                        let rule = &rule_list[task.rule];
                        let program = programs[task.rule].as_ref();
                        let plan_input = inputs_ref.plan_inputs[task.rule].as_ref();
                        let (f, p) = judge(
                            &mut engine,
                            rule,
                            program,
                            limit,
                            inputs_ref,
                            plan_input,
                            task.subjects,
                        )?;
                        out.push((task.rule, f, p, started.elapsed()));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a rule worker panicked"))
            .collect()
    });
    crate::profile::phase("judge");
    let mut judged_rules = Vec::new();
    for r in results {
        judged_rules.extend(r?);
    }
    judged_rules.sort_by_key(|(idx, ..)| *idx);
    if profile {
        let mut per_rule: BTreeMap<usize, Duration> = BTreeMap::new();
        for (idx, _, _, took) in &judged_rules {
            *per_rule.entry(*idx).or_default() += *took;
        }
        for (idx, took) in per_rule {
            eprintln!(
                "profile {:>8.1} ms {:>6} subjects {}",
                took.as_secs_f64() * 1e3,
                subjects[idx].len(),
                rules.rules[idx].metadata.id
            );
        }
    }
    let mut applicable_rules: Vec<String> = judged_rules
        .iter()
        .map(|(idx, ..)| rules.rules[*idx].metadata.id.clone())
        .collect();
    applicable_rules.sort();
    applicable_rules.dedup();
    let mut findings = Vec::new();
    for (_, f, p, _) in judged_rules {
        findings.extend(f);
        summary.passed += p;
    }

    // conftest-style rules over each raw plan.
    for plan in plans {
        if rules.raw_rules.is_empty() {
            break;
        }
        let raw = plan.raw.to_regorus().map_err(|m| RuleError::Runtime {
            path: plan.path.clone(),
            package: "(plan document)".into(),
            message: m,
        })?;
        rules.engine.set_input(raw);
        for raw in rules.raw_rules.clone() {
            for out in &raw.outputs {
                let v = rules
                    .engine
                    .eval_rule(format!("{}.{out}", raw.package))
                    .map_err(|e| RuleError::Runtime {
                        path: raw.path.clone(),
                        package: raw.package.clone(),
                        message: one_line(&e.to_string()),
                    })?;
                let severity = if *out == "warn" { "info" } else { "high" };
                for message in strings_of(&v) {
                    findings.push(Finding {
                        rule_id: format!("{}.{out}", raw.package.trim_start_matches("data.")),
                        title: format!("{} ({out})", raw.package.trim_start_matches("data.")),
                        severity: severity.into(),
                        category: "custom".into(),
                        status: Status::Fail,
                        resource: plan.path.clone(),
                        resource_type: "plan".into(),
                        message,
                        remediation: String::new(),
                        references: vec![],
                        waiver: None,
                        source: plan.path.clone(),
                        location: None,
                    });
                }
            }
        }
    }

    // The gate cannot judge what it cannot see: an environment whose topology is unknown fails.
    for plan in plans {
        for env in &plan.opaque_environments {
            findings.push(Finding {
                rule_id: "EDU-GATE-001".into(),
                title: "Environment topology is known at plan time".into(),
                severity: "high".into(),
                category: "network".into(),
                status: Status::Fail,
                resource: env.clone(),
                resource_type: "edulibra_environment".into(),
                message: format!("{env}: its topology is unknown in this plan, so none of its AWS resources can be checked"),
                remediation: "Make the provider configuration (region, credentials, endpoint) and the environment's arguments known at plan time, then plan again.".into(),
                references: vec![],
                waiver: None,
                source: plan.path.clone(),
                location: None,
            });
        }
    }

    // Freeing the rule inputs (a regorus copy of every resource: 3% of a 10,000-resource run)
    // would hold up the report, which does not need them; another thread frees them meanwhile.
    let Inputs {
        per_resource,
        whole_plan,
        plan_inputs,
        ..
    } = inputs;
    std::thread::spawn(move || drop((per_resource, whole_plan, plan_inputs)));
    let applied = waivers.apply(&mut findings);
    for f in &findings {
        match f.status {
            Status::Fail => summary.failed += 1,
            Status::Unknown => summary.unknown += 1,
            Status::Waived => summary.waived += 1,
        }
    }
    findings.sort_by(|a, b| {
        (a.resource.as_str(), a.rule_id.as_str(), a.message.as_str()).cmp(&(
            b.resource.as_str(),
            b.rule_id.as_str(),
            b.message.as_str(),
        ))
    });
    Ok(Report {
        summary,
        findings,
        expired_waivers: applied.expired,
        stale_waivers: applied.stale,
        waivers: applied.uses,
        applicable_rules,
        skipped_rules: Vec::new(),
        group_by_framework: false,
        gate: None,
    })
}

pub use crate::rules::severity_rank;

impl Report {
    /// Failing findings at or above the threshold: what makes the gate exit 1.
    pub fn blocking(&self, fail_on: &str) -> usize {
        let min = severity_rank(fail_on);
        self.findings
            .iter()
            .filter(|f| f.status == Status::Fail && severity_rank(&f.severity) >= min)
            .count()
    }
}
