//! The built-in rules compiled to regorus' register VM (RVM).
//!
//! The tree-walking interpreter pays a fixed setup on every evaluation (fresh scopes, cleared
//! caches, the rule path resolved again) before it runs a rule's body; a gate judges tens of
//! thousands of (rule, resource) pairs, so that setup dominated. A compiled program runs the same
//! Rego in about a quarter of the time.
//!
//! Only the built-in pack runs compiled. The RVM of regorus 0.14 departs from the interpreter on
//! some Rego: when a body of an `else` chain fails because a value is *undefined* (an assignment
//! from a missing key, a `some … in` with no match, a missing head value), the RVM leaves the
//! whole rule undefined instead of taking the `else`. The built-in rules avoid those shapes, and
//! `validator/tests/engines.rs` proves both engines give the same verdicts on every fixture,
//! generated plans and thousands of damaged resources. Reviewers' rules have no such proof, so
//! they stay on the interpreter, whose semantics are OPA's.

use std::sync::Arc;
use std::time::Duration;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;

use crate::rules::{one_line, Rule, RuleError};

/// Which engine judges the built-in rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineChoice {
    /// Built-in rules compiled, reviewers' rules interpreted.
    #[default]
    Auto,
    /// Every rule interpreted (slower; the reference the compiled rules are tested against).
    Interpreter,
}

pub use crate::programs::Programs;

/// Lowers the built-in rules around two faults of the RVM in regorus 0.14, leaving heads, strings
/// and comments alone, and every line where it was, so errors keep their line numbers.
///
/// 1. Every comprehension body starts with `some _ in [1];`. Inside another comprehension, a
///    comprehension without an iteration of its own whose condition fails ends the *outer*
///    iteration instead of yielding an empty collection. One pass of a one-element loop changes
///    nothing else.
/// 2. A boolean rule's `else` chain becomes separate definitions (`f if {A} else if {B}` turns
///    into `f if {A} f if {B}`, on the same lines). When a body that iterates finds nothing, the
///    RVM ends the whole chain instead of trying the next `else`. For a rule whose every body
///    yields `true` the chain means "any body holds", which is what several definitions mean;
///    the RVM still stops at the first that holds. Chains with values are left as they are.
/// 3. Every `x := e` inside a body (any bracket depth above 0) is followed by `; x == x`.
/// The RVM compiles a body's `x := e` without checking that `e` is defined: the body goes on with
/// an undefined `x` (a rule "succeeds" with an undefined value, `not f(x)` holds), where the
/// interpreter, like OPA, fails the body. `x == x` fails on an undefined `x` in both engines and
/// holds for any defined value, so the guard restores the interpreter's meaning. Destructuring
/// (`[a, b] := e`) is left as it is: the RVM guards those itself.
pub fn lower_for_vm(text: &str) -> String {
    let split = split_boolean_chains(text);
    let b = split.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 256);
    let mut depth = 0usize;
    // Variables assigned at a bracket depth whose statement has not ended yet.
    let mut pending: Vec<(usize, String)> = Vec::new();
    // Per open bracket: whether its comprehension bar has been seen.
    let mut bars: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                let end = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p);
                guard_at_depth(&mut out, &mut pending, depth);
                out.extend_from_slice(&b[i..end]);
                i = end;
                continue;
            }
            b'"' | b'`' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != c {
                    i += if c == b'"' && b[i] == b'\\' { 2 } else { 1 };
                }
                out.extend_from_slice(&b[start..(i + 1).min(b.len())]);
                i += 1;
                continue;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                // Parentheses hold no comprehension: a bar there is a union.
                bars.push(c == b'(');
                out.push(c);
            }
            b'}' | b']' | b')' => {
                guard_at_depth(&mut out, &mut pending, depth);
                depth = depth.saturating_sub(1);
                bars.pop();
                out.push(c);
            }
            b'|' if bars.last() == Some(&false) => {
                // The first bar of a bracket starts a comprehension's body (later ones are set
                // unions). See the comment on this function for the iteration.
                *bars.last_mut().expect("checked") = true;
                out.extend_from_slice(b"| some _ in [1];");
            }
            b';' | b'\n' => {
                guard_at_depth(&mut out, &mut pending, depth);
                out.push(c);
            }
            b':' if depth > 0 && b.get(i + 1) == Some(&b'=') => {
                if let Some(var) = assigned_variable(&out) {
                    pending.push((depth, var));
                }
                out.extend_from_slice(b":=");
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    guard_at_depth(&mut out, &mut pending, 0);
    String::from_utf8(out).expect("ASCII edits of UTF-8 text")
}

/// Item 2 of [`lower_for_vm`]: each top-level rule (a line starting in column 0 and the lines
/// below it up to the next such line) whose head has no value and whose `else` lines carry none
/// gets its `} else if {` / `} else {` lines rewritten to `} HEAD if {`.
fn split_boolean_chains(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let starts_rule = |l: &str| l.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if !starts_rule(lines[i]) {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < lines.len() && !starts_rule(lines[end]) {
            end += 1;
        }
        let rule = &lines[i..end];
        let head = rule[0].strip_suffix(" if {").filter(|h| {
            !h.contains('=') && !h.contains(" contains ") && !h.starts_with("default ")
        });
        let bare_else = |l: &str| l == "} else if {" || l == "} else {";
        let valued_else = rule
            .iter()
            .any(|l| l.starts_with("} else") && !bare_else(l));
        for l in rule {
            match head {
                Some(h) if !valued_else && bare_else(l) => out.push(format!("}} {h} if {{")),
                _ => out.push(l.to_string()),
            }
        }
        i = end;
    }
    out.join("\n")
}

/// The plain variable left of a `:=` just written (None for `_` or a destructuring pattern,
/// which ends in a bracket).
fn assigned_variable(out: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(out).ok()?.trim_end();
    let start = text
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |p| p + 1);
    let name = &text[start..];
    let plain = !name.is_empty() && name != "_" && !name.starts_with(|c: char| c.is_ascii_digit());
    plain.then(|| name.to_string())
}

/// Ends the statements open at this bracket depth or deeper with their guards.
fn guard_at_depth(out: &mut Vec<u8>, pending: &mut Vec<(usize, String)>, depth: usize) {
    while let Some((d, var)) = pending.last() {
        if *d < depth {
            break;
        }
        // Trailing spaces stay after the guard so a following comment keeps its place.
        let keep = out
            .iter()
            .rev()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let tail: Vec<u8> = out.split_off(out.len() - keep);
        out.extend_from_slice(format!("; {var} == {var}").as_bytes());
        out.extend_from_slice(&tail);
        pending.pop();
    }
}

pub use crate::vm::Vm;
/// The rule each built-in rule's package gains for the RVM: `[deny, unknown]` in one value.
///
/// Every execution of an entry point resets the VM and starts with empty rule caches, so asking
/// for `deny` and then `unknown` paid that setup twice per resource and computed twice what both
/// read (a package's normalised statements, say). One entry point that yields both halves the
/// executions of a gate (65,000 on 10,000 resources).
use crate::vm::VERDICT;

/// The built-in rules and library, lowered, in an engine of their own.
fn builtin_engine(limit: Duration) -> Result<regorus::Engine, RuleError> {
    let mut engine = crate::rules::new_engine(limit);
    for (rel, text) in crate::rules::BUILTIN_POLICIES {
        if rel.ends_with("_test.rego") {
            continue;
        }
        let path = format!("builtin:policies/{rel}");
        let mut lowered = lower_for_vm(text);
        let heads = crate::rules::defined_heads(text, &["deny", "unknown"]);
        if heads.contains(&"deny") {
            // After the last line, so every line of the file keeps its number in errors.
            let unknown = if heads.contains(&"unknown") {
                "unknown"
            } else {
                "set()"
            };
            lowered.push_str(&format!("\n{VERDICT} := [deny, {unknown}]\n"));
        }
        engine
            .add_policy(path.clone(), lowered)
            .map_err(|e| RuleError::Parse {
                path,
                message: one_line(&e.to_string()),
            })?;
    }
    Ok(engine)
}

/// The entry point of a rule's program.
fn entry_point(rule: &Rule) -> String {
    format!("{}.{VERDICT}", rule.package)
}

impl crate::rules::RuleSet {
    /// Compiles every built-in rule for the RVM now rather than on first use.
    pub fn compile_builtin(&mut self) -> Result<(), RuleError> {
        for rule in self.rules.iter().filter(|r| r.builtin) {
            self.programs.get(rule, self.limit)?;
        }
        self.programs.identity(self.limit)?;
        Ok(())
    }
}

impl Programs {
    /// The rule's program, compiled on first use.
    pub fn get(&mut self, rule: &Rule, limit: Duration) -> Result<Arc<Program>, RuleError> {
        if let Some(p) = self.by_package.get(&rule.package) {
            return Ok(p.clone());
        }
        let program = self.compile(&[&entry_point(rule)], limit, &rule.path, &rule.package)?;
        self.by_package
            .insert(rule.package.clone(), program.clone());
        Ok(program)
    }

    /// The library's program for `identity` (entry 0 the facts of one resource, entry 1 the
    /// resource types they are for) with those types.
    pub fn identity(&mut self, limit: Duration) -> Result<Arc<crate::identity::Facts>, RuleError> {
        if let Some(f) = &self.identity {
            return Ok(f.clone());
        }
        let (path, package) = ("builtin:policies/lib/edulibra.rego", "data.edulibra.lib");
        let entries = [crate::identity::FACTS_ENTRY, crate::identity::TYPES_ENTRY];
        let program = self.compile(&entries, limit, path, package)?;
        let facts =
            crate::identity::Facts::new(program, limit).map_err(|m| RuleError::Runtime {
                path: path.into(),
                package: package.into(),
                message: one_line(&m),
            })?;
        let facts = Arc::new(facts);
        self.identity = Some(facts.clone());
        Ok(facts)
    }

    fn compile(
        &mut self,
        entries: &[&str],
        limit: Duration,
        path: &str,
        package: &str,
    ) -> Result<Arc<Program>, RuleError> {
        let err = |m: String| RuleError::Runtime {
            path: path.to_string(),
            package: package.to_string(),
            message: format!("cannot compile: {}", one_line(&m)),
        };
        if self.policy.is_none() {
            // One compiled policy serves every rule: the entry points below pick the rule.
            let mut engine = builtin_engine(limit)?;
            self.policy = Some(
                engine
                    .compile_with_entrypoint(&entries[0].into())
                    .map_err(|e| err(e.to_string()))?,
            );
        }
        let policy = self.policy.as_ref().expect("compiled above");
        let program =
            Compiler::compile_from_policy(policy, entries).map_err(|e| err(e.to_string()))?;
        Ok(Arc::new((*program).clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::lower_for_vm;

    #[test]
    fn body_assignments_are_guarded_and_heads_are_not() {
        let src = "x := 1\nf(a) := v if {\n\tv := a.b\n\tw := \"q := 1\" # c := 2\n}\n";
        let out = lower_for_vm(src);
        assert_eq!(
            out,
            "x := 1\nf(a) := v if {\n\tv := a.b; v == v\n\tw := \"q := 1\"; w == w # c := 2\n}\n"
        );
    }

    #[test]
    fn comprehensions_iterate_once_and_unions_are_left_alone() {
        let out = lower_for_vm("s := {1 | true} | {2 | x := 3}\n");
        assert_eq!(
            out,
            "s := {1 | some _ in [1]; true} | {2 | some _ in [1]; x := 3; x == x}\n"
        );
        assert_eq!(
            lower_for_vm("a := ({1 | true} | {2 | true})\n"),
            "a := ({1 | some _ in [1]; true} | {2 | some _ in [1]; true})\n"
        );
    }

    #[test]
    fn boolean_else_chains_become_definitions_and_valued_ones_stay() {
        let src = "p(x) if {\n\tx == 1\n} else if {\n\tx == 2\n} else {\n\tx == 3\n}\n";
        assert_eq!(
            lower_for_vm(src),
            "p(x) if {\n\tx == 1\n} p(x) if {\n\tx == 2\n} p(x) if {\n\tx == 3\n}\n"
        );
        let valued = "q(x) := 1 if {\n\tx == 1\n} else := 2\n";
        assert_eq!(lower_for_vm(valued), valued);
        let mixed = "r(x) if {\n\tx == 1\n} else := false if {\n\tx == 2\n}\n";
        assert_eq!(lower_for_vm(mixed), mixed);
    }

    #[test]
    fn lines_stay_where_they_were() {
        for (rel, text) in crate::rules::BUILTIN_POLICIES {
            assert_eq!(
                lower_for_vm(text).lines().count(),
                text.lines().count(),
                "{rel}"
            );
        }
    }
}
