//! What a resource's configuration refers to, resolved to the addresses of plan resources at any
//! module depth.
//!
//! A rule that needs a referenced resource (the subnets of a load balancer, the key of a bucket)
//! finds it through `input.resource.references`. Terraform's plan JSON records references in the
//! `configuration` tree, per module *call* (not per instance) and in the module's own terms:
//! `var.subnets` inside `module.app.module.lb` names whatever `module.app` passed to `lb`, and
//! `module.net.subnet_ids` in the root names whatever that output's expression refers to inside
//! each instance of `module.net`. Both are followed here, through any number of calls, `count`
//! and `for_each` instances included, until they reach resources.
//!
//! What cannot be followed (locals, which the plan's configuration leaves out; root variables;
//! function results) resolves to nothing, so a rule that finds no referenced resource and an
//! unknown value says "unknown", never "pass".

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use crate::address::{
    bracket_len, config_key, config_path, identifier, join, module_segments, split_last,
};

/// Raw references (as Terraform wrote them) per attribute path of one expression tree.
type RawRefs = BTreeMap<String, Vec<String>>;

type Seen = HashSet<(String, String)>;

/// What one resource's configuration says, read once from its `expressions`.
#[derive(Default)]
struct ResourceConfig {
    /// Attribute path -> raw references.
    refs: RawRefs,
    /// The argument paths it writes (-> true: rules look them up as an object's keys).
    written: BTreeMap<String, bool>,
}

#[derive(Default)]
pub(crate) struct ConfigReferences {
    /// Resource configuration key (`config_key`) -> what its configuration says.
    resources: HashMap<String, ResourceConfig>,
    /// Called module's configuration path (`module.a.module.b`) -> argument -> raw references.
    arguments: HashMap<String, HashMap<String, Vec<String>>>,
    /// Module configuration path -> output -> raw references.
    outputs: HashMap<String, HashMap<String, Vec<String>>>,
    /// Module instance (`module.a["x"]`, "" for the root) -> its child instances in the plan.
    children: BTreeMap<String, BTreeSet<String>>,
}

impl ConfigReferences {
    /// Reads the plan's `configuration` member (absent: no references are known).
    pub(crate) fn from_configuration(configuration: Option<&Value>) -> Self {
        let mut out = ConfigReferences::default();
        if let Some(root) = configuration.and_then(|c| c.get("root_module")) {
            out.walk(root, "");
        }
        out
    }

    /// Records a module instance that holds a resource of the plan, with its ancestors: outputs
    /// are followed into the instances that exist, which only the plan's addresses tell.
    pub(crate) fn add_instance(&mut self, module_address: &str) {
        let Some(segments) = module_segments(module_address) else {
            return;
        };
        let mut parent = String::new();
        for (name, key) in segments {
            let child = join(&parent, &format!("module.{name}{key}"));
            self.children
                .entry(parent)
                .or_default()
                .insert(child.clone());
            parent = child;
        }
    }

    /// For the resource `mode.kind.name` in the module instance `module`: the resources each
    /// attribute refers to (attribute path -> addresses, without the resources' own instance
    /// keys, which a reference rarely fixes; rules match every instance of such an address), and
    /// the arguments its configuration writes (None when the plan has no configuration for it).
    pub(crate) fn of_resource(
        &self,
        module: &str,
        mode: &str,
        kind: &str,
        name: &str,
    ) -> (
        BTreeMap<String, Vec<String>>,
        Option<BTreeMap<String, bool>>,
    ) {
        let Some(config) = self.resources.get(&config_key(module, mode, kind, name)) else {
            return (BTreeMap::new(), None);
        };
        let mut resolved = BTreeMap::new();
        for (attr, refs) in &config.refs {
            let mut found = BTreeSet::new();
            self.resolve_list(module, refs, &mut HashSet::new(), &mut found);
            if !found.is_empty() {
                resolved.insert(attr.clone(), found.into_iter().collect());
            }
        }
        (resolved, Some(config.written.clone()))
    }

    fn walk(&mut self, module: &Value, path: &str) {
        if let Some(Value::Array(resources)) = module.get("resources") {
            for r in resources {
                let (Some(kind), Some(name)) = (
                    r.get("type").and_then(Value::as_str),
                    r.get("name").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let mode = r.get("mode").and_then(Value::as_str).unwrap_or("managed");
                let mut config = ResourceConfig::default();
                if let Some(Value::Object(exprs)) = r.get("expressions") {
                    read_expressions(exprs, "", &mut config);
                }
                self.resources
                    .insert(config_key(path, mode, kind, name), config);
            }
        }
        if let Some(Value::Object(outputs)) = module.get("outputs") {
            let entry = self.outputs.entry(path.to_string()).or_default();
            for (name, output) in outputs {
                entry.insert(
                    name.clone(),
                    output.get("expression").map(all_refs).unwrap_or_default(),
                );
            }
        }
        if let Some(Value::Object(calls)) = module.get("module_calls") {
            for (name, call) in calls {
                let callee = join(path, &format!("module.{name}"));
                if let Some(Value::Object(args)) = call.get("expressions") {
                    let entry = self.arguments.entry(callee.clone()).or_default();
                    for (arg, expr) in args {
                        entry.insert(arg.clone(), all_refs(expr));
                    }
                }
                if let Some(inner) = call.get("module") {
                    self.walk(inner, &callee);
                }
            }
        }
    }

    /// Resolves one expression's references. Terraform lists a module output reference with its
    /// call (`module.net.ids`, `module.net`): the bare call is followed only when nothing more
    /// precise names it, which means the whole module object was used as a value.
    ///
    /// `seen` holds the (instance, reference) pairs already followed: following one twice adds
    /// nothing, and Terraform refuses cycles but a crafted plan may hold one.
    fn resolve_list(
        &self,
        instance: &str,
        refs: &[String],
        seen: &mut Seen,
        out: &mut BTreeSet<String>,
    ) {
        for r in refs {
            if r.starts_with("module.") && module_output(r).is_none() {
                let precise = refs.iter().any(|o| {
                    o.len() > r.len() && o.starts_with(r.as_str()) && module_output(o).is_some()
                });
                if precise {
                    continue;
                }
            }
            if seen.insert((instance.to_string(), r.clone())) {
                self.resolve_one(instance, r, seen, out);
            }
        }
    }

    fn resolve_one(
        &self,
        instance: &str,
        reference: &str,
        seen: &mut Seen,
        out: &mut BTreeSet<String>,
    ) {
        let (head, rest) = reference.split_once('.').unwrap_or((reference, ""));
        match head {
            "var" => {
                // A variable is what the caller passed: its argument's references, in the caller.
                let Some((parent, _)) = split_last(instance) else {
                    return; // a root variable: set outside the configuration
                };
                let var = identifier(rest);
                if let Some(refs) = self
                    .arguments
                    .get(&config_path(instance))
                    .and_then(|args| args.get(var))
                {
                    self.resolve_list(&parent, refs, seen, out);
                }
            }
            "module" => {
                let call = identifier(rest);
                let key = instance_key(&rest[call.len()..]);
                let output = module_output(reference);
                for child in self.children.get(instance).into_iter().flatten() {
                    let Some((_, (name, child_key))) = split_last(child) else {
                        continue;
                    };
                    if name != call || key.is_some_and(|k| k != child_key) {
                        continue;
                    }
                    let Some(outputs) = self.outputs.get(&config_path(child)) else {
                        continue;
                    };
                    match output {
                        Some(o) => {
                            if let Some(refs) = outputs.get(o) {
                                self.resolve_list(child, refs, seen, out);
                            }
                        }
                        None => {
                            for refs in outputs.values() {
                                self.resolve_list(child, refs, seen, out);
                            }
                        }
                    }
                }
            }
            // Values of the expression's own evaluation, or of configuration the plan omits.
            "each" | "count" | "path" | "local" | "terraform" | "self" => {}
            "data" => {
                if let Some(address) = resource_address(rest, 2) {
                    out.insert(join(instance, &format!("data.{address}")));
                }
            }
            _ => {
                if let Some(address) = resource_address(reference, 2) {
                    out.insert(join(instance, &address));
                }
            }
        }
    }
}

/// The instance key written after a module call in a reference (`[0]` of `[0].ids`), if any.
fn instance_key(after_call: &str) -> Option<&str> {
    let len = bracket_len(after_call)?;
    (len > 0).then(|| &after_call[..len])
}

/// The output named by a module reference (`ids` of `module.net[0].ids`), None for a bare call.
fn module_output(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix("module.")?;
    let call = identifier(rest);
    let after = &rest[call.len()..];
    let after = &after[bracket_len(after)?..];
    let output = identifier(after.strip_prefix('.')?);
    (!output.is_empty()).then_some(output)
}

/// `aws_kms_key.k[0].arn` -> `aws_kms_key.k`: the first `parts` identifiers, without instance keys.
fn resource_address(reference: &str, parts: usize) -> Option<String> {
    let mut names = Vec::new();
    let mut rest = reference;
    for i in 0..parts {
        if i > 0 {
            rest = rest.strip_prefix('.')?;
        }
        let name = identifier(rest);
        if name.is_empty() {
            return None;
        }
        names.push(name);
        rest = &rest[name.len()..];
        rest = &rest[bracket_len(rest)?..];
    }
    Some(names.join("."))
}

/// Every reference anywhere inside one expression (a module argument or an output).
fn all_refs(expr: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                if let Some(Value::Array(refs)) = o.get("references") {
                    out.extend(refs.iter().filter_map(Value::as_str).map(str::to_string));
                }
                stack.extend(o.values().filter(|v| v.is_object() || v.is_array()));
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out
}

/// One walk of a resource's `expressions`: every argument path it writes (`a`, and for a block
/// `b` both `b` and `b.c`, block indexes dropped, as rules read paths) and the raw references of
/// each expression.
fn read_expressions(exprs: &Map<String, Value>, path: &str, out: &mut ResourceConfig) {
    for (k, v) in exprs {
        let p = join(path, k);
        out.written.insert(p.clone(), true);
        match v {
            Value::Object(o)
                if o.contains_key("references") || o.contains_key("constant_value") =>
            {
                if let Some(Value::Array(refs)) = o.get("references") {
                    let refs = refs.iter().filter_map(Value::as_str).map(str::to_string);
                    out.refs.entry(p).or_default().extend(refs);
                }
            }
            Value::Object(o) => read_expressions(o, &p, out),
            Value::Array(blocks) => {
                for b in blocks {
                    if let Value::Object(o) = b {
                        read_expressions(o, &p, out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_outputs_and_resources() {
        assert_eq!(
            module_output("module.net[0].subnet_ids[1]"),
            Some("subnet_ids")
        );
        assert_eq!(module_output("module.net[\"a\"]"), None);
        assert_eq!(module_output("module.net"), None);
        assert_eq!(
            resource_address("aws_subnet.a[\"x.y\"].id", 2).as_deref(),
            Some("aws_subnet.a")
        );
        assert_eq!(resource_address("aws_subnet", 2), None);
    }

    #[test]
    fn a_variable_cycle_in_a_crafted_plan_ends() {
        // module.a's output is its variable, which its caller sets from module.a's output.
        let config = serde_json::json!({"root_module": {"module_calls": {"a": {
            "expressions": {"v": {"references": ["module.a.o", "module.a"]}},
            "module": {"outputs": {"o": {"expression": {"references": ["var.v"]}}},
                       "resources": [{"mode": "managed", "type": "aws_lb", "name": "l",
                                      "expressions": {"subnets": {"references": ["var.v"]}}}]}}}}});
        let mut refs = ConfigReferences::from_configuration(Some(&config));
        refs.add_instance("module.a");
        assert!(refs
            .of_resource("module.a", "managed", "aws_lb", "l")
            .0
            .is_empty());
    }
}
