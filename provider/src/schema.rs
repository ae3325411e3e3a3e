//! Schemas of the provider, its resources and data sources, built with a small builder that
//! refuses what Terraform's own `configschema.InternalValidate` refuses (Terraform 1.0.3 core
//! does not check provider schemas, so a bad one would only fail confusingly later).

use std::collections::BTreeMap;

use crate::value::Type;

#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
    /// Always present as an object; absent in configuration means every attribute null.
    Group,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid schema at {path}: {message}")]
pub struct SchemaError {
    pub path: String,
    pub message: String,
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Attribute {
        Attribute {
            name: name.into(),
            ty,
            description: description.into(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
        }
    }
    pub fn required(name: &str, ty: Type, description: &str) -> Attribute {
        Attribute {
            required: true,
            ..Attribute::new(name, ty, description)
        }
    }
    pub fn optional(name: &str, ty: Type, description: &str) -> Attribute {
        Attribute {
            optional: true,
            ..Attribute::new(name, ty, description)
        }
    }
    pub fn computed(name: &str, ty: Type, description: &str) -> Attribute {
        Attribute {
            computed: true,
            ..Attribute::new(name, ty, description)
        }
    }
    /// Optional, with a default the provider fills in during plan.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Attribute {
        Attribute {
            optional: true,
            computed: true,
            ..Attribute::new(name, ty, description)
        }
    }
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }
}

impl Block {
    pub fn new(description: &str) -> Block {
        Block {
            description: description.into(),
            ..Block::default()
        }
    }
    pub fn attr(mut self, a: Attribute) -> Block {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, type_name: &str, nesting: Nesting, block: Block) -> Block {
        self.blocks.push(NestedBlock {
            type_name: type_name.into(),
            block,
            nesting,
            min_items: 0,
            max_items: if nesting == Nesting::Single { 1 } else { 0 },
        });
        self
    }
    pub fn block_limited(
        mut self,
        type_name: &str,
        nesting: Nesting,
        block: Block,
        min: i64,
        max: i64,
    ) -> Block {
        self.blocks.push(NestedBlock {
            type_name: type_name.into(),
            block,
            nesting,
            min_items: min,
            max_items: max,
        });
        self
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == name)
    }

    /// The object type a value of this block has on the wire.
    pub fn implied_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for b in &self.blocks {
            let obj = b.block.implied_type();
            let t = match b.nesting {
                Nesting::Single | Nesting::Group => obj,
                Nesting::List => Type::list(obj),
                Nesting::Set => Type::set(obj),
                Nesting::Map => Type::map(obj),
            };
            attrs.insert(b.type_name.clone(), t);
        }
        Type::Object(attrs)
    }

    /// Checks the rules of Terraform's `configschema.Block.InternalValidate`.
    pub fn validate(&self, path: &str) -> Result<(), SchemaError> {
        let fail = |p: String, m: &str| {
            Err(SchemaError {
                path: p,
                message: m.into(),
            })
        };
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.attributes {
            let p = join(path, &a.name);
            if !valid_name(&a.name) {
                return fail(
                    p,
                    "names may contain only lowercase letters, digits and underscores",
                );
            }
            if !seen.insert(a.name.as_str()) {
                return fail(p, "name used twice");
            }
            match (a.required, a.optional, a.computed) {
                (true, false, false)
                | (false, true, false)
                | (false, false, true)
                | (false, true, true) => {}
                (false, false, false) => {
                    return fail(p, "must set one of required, optional or computed")
                }
                (true, _, true) => return fail(p, "cannot be both required and computed"),
                (true, true, _) => return fail(p, "cannot be both required and optional"),
            }
        }
        for b in &self.blocks {
            let p = join(path, &b.type_name);
            if !valid_name(&b.type_name) {
                return fail(
                    p,
                    "names may contain only lowercase letters, digits and underscores",
                );
            }
            if !seen.insert(b.type_name.as_str()) {
                return fail(p, "name used twice (or by an attribute)");
            }
            if b.min_items < 0 || b.max_items < 0 {
                return fail(p, "min_items and max_items must not be negative");
            }
            match b.nesting {
                Nesting::Single => {
                    if b.min_items > 1 || b.max_items > 1 {
                        return fail(
                            p,
                            "min_items and max_items must be 0 or 1 in single nesting",
                        );
                    }
                    if b.min_items > b.max_items {
                        return fail(p, "min_items must not exceed max_items");
                    }
                }
                Nesting::Group => {
                    if b.min_items != 0 || b.max_items != 0 {
                        return fail(p, "group blocks take no min_items or max_items");
                    }
                }
                Nesting::List | Nesting::Set => {
                    if b.max_items != 0 && b.min_items > b.max_items {
                        return fail(p, "min_items must not exceed max_items");
                    }
                    if b.nesting == Nesting::Set && b.block.implied_type().has_dynamic() {
                        return fail(p, "set blocks may not contain dynamic attributes");
                    }
                }
                Nesting::Map => {
                    if b.min_items != 0 || b.max_items != 0 {
                        return fail(p, "map blocks take no min_items or max_items");
                    }
                }
            }
            b.block.validate(&p)?;
        }
        Ok(())
    }
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Result<Schema, SchemaError> {
        block.validate("")?;
        Ok(Schema { version, block })
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_terraform_rejects() {
        let bad_name = Block::new("").attr(Attribute::optional("Name", Type::String, ""));
        assert!(bad_name.validate("").is_err());
        let mut both = Attribute::required("a", Type::String, "");
        both.computed = true;
        assert!(Block::new("").attr(both).validate("").is_err());
        let mut none = Attribute::optional("a", Type::String, "");
        none.optional = false;
        assert!(Block::new("").attr(none).validate("").is_err());
        let dup = Block::new("")
            .attr(Attribute::optional("a", Type::String, ""))
            .block("a", Nesting::List, Block::new(""));
        assert!(dup.validate("").is_err());
        let single_two = Block::new("").block_limited("b", Nesting::Single, Block::new(""), 0, 2);
        assert!(single_two.validate("").is_err());
        let group_min = Block::new("").block_limited("g", Nesting::Group, Block::new(""), 1, 1);
        assert!(group_min.validate("").is_err());
        let set_dyn = Block::new("").block(
            "s",
            Nesting::Set,
            Block::new("").attr(Attribute::optional("d", Type::Dynamic, "")),
        );
        let e = set_dyn.validate("").unwrap_err();
        assert_eq!(e.path, "s");
        let list_inverted = Block::new("").block_limited("l", Nesting::List, Block::new(""), 3, 2);
        assert!(list_inverted.validate("").is_err());
    }

    #[test]
    fn accepts_a_sound_schema_and_implies_its_type() {
        let b = Block::new("")
            .attr(Attribute::required("name", Type::String, ""))
            .attr(Attribute::optional_computed("n", Type::Number, ""))
            .block(
                "g",
                Nesting::Group,
                Block::new("").attr(Attribute::optional("x", Type::Bool, "")),
            )
            .block(
                "l",
                Nesting::List,
                Block::new("").attr(Attribute::optional("y", Type::String, "")),
            );
        b.validate("").unwrap();
        let t = b.implied_type();
        assert_eq!(
            t.to_json(),
            serde_json::json!(["object", {"name": "string", "n": "number", "g": ["object", {"x": "bool"}],
                "l": ["list", ["object", {"y": "string"}]]}])
        );
    }
}
