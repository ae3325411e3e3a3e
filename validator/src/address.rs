//! Terraform addresses as text: module instance paths (`module.a["k"].module.b[0]`), their
//! configuration paths (`module.a.module.b`), and resource addresses within them. Instance keys
//! may hold dots and brackets inside quotes, so addresses are split by a small scanner, never by
//! `split('.')`.

/// The key under which a resource's configuration is recorded: configuration is per module call,
/// not per instance, so the module path loses its instance keys.
pub(crate) fn config_key(module: &str, mode: &str, kind: &str, name: &str) -> String {
    let prefix = if mode == "data" { "data." } else { "" };
    keyed(module, &format!("{prefix}{kind}.{name}"))
}

/// `config_path(module)|resource`: the one spelling of a configuration key.
fn keyed(module: &str, resource: &str) -> String {
    format!("{}|{resource}", config_path(module))
}

/// `module.a["x"].module.b[0]` -> `module.a.module.b`.
pub(crate) fn config_path(instance: &str) -> String {
    match module_segments(instance) {
        Some(segments) => segments
            .iter()
            .map(|(name, _)| format!("module.{name}"))
            .collect::<Vec<_>>()
            .join("."),
        None => instance.to_string(),
    }
}

/// A dotted path one step longer: `prefix.rest`, or `rest` when the prefix is empty (a module
/// path and what is in it, an argument path and a nested name).
pub(crate) fn join(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{prefix}.{rest}")
    }
}

/// The parent instance and the last call (name, instance key text) of a module instance.
pub(crate) fn split_last(instance: &str) -> Option<(String, (String, String))> {
    let mut segments = module_segments(instance)?;
    let last = segments.pop()?;
    let parent = segments
        .iter()
        .map(|(n, k)| format!("module.{n}{k}"))
        .collect::<Vec<_>>()
        .join(".");
    Some((parent, last))
}

/// Splits `module.a["x.y"].module.b[0]` into `[("a", "[\"x.y\"]"), ("b", "[0]")]`. Keys are kept
/// as Terraform writes them, so they compare with the keys that references carry. None when the
/// text is not a module address.
pub(crate) fn module_segments(instance: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = instance;
    while !rest.is_empty() {
        let (name, key, after) = module_segment(rest)?;
        out.push((name.to_string(), key.to_string()));
        rest = after;
        if !rest.is_empty() {
            rest = rest.strip_prefix('.')?;
        }
    }
    Some(out)
}

/// The leading `module.NAME[KEY]` of a text: its name, its key text (maybe empty) and what
/// follows it.
fn module_segment(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix("module.")?;
    let name = identifier(rest);
    if name.is_empty() {
        return None;
    }
    let rest = &rest[name.len()..];
    let key_len = bracket_len(rest)?;
    Some((name, &rest[..key_len], &rest[key_len..]))
}

/// The length of a leading `[...]` instance key (0 when there is none), quotes and escapes
/// respected; None when it never closes.
pub(crate) fn bracket_len(text: &str) -> Option<usize> {
    if !text.starts_with('[') {
        return Some(0);
    }
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ']' if !in_string => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The leading identifier of a traversal (`subnets` of `subnets[0].id`).
pub(crate) fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Splits a resource address into its module instance and the resource within it, without the
/// resource's instance key: `module.a["k"].aws_lb.x[0]` -> (`module.a["k"]`, `aws_lb.x`);
/// `data.T.N` keeps its `data.` prefix. None when it is not a resource address.
pub(crate) fn split_resource(address: &str) -> Option<(String, String)> {
    let mut rest = address;
    let mut module_len = 0;
    while rest.starts_with("module.") {
        let (_, _, after) = module_segment(rest)?;
        let after = after.strip_prefix('.')?;
        module_len = address.len() - after.len() - 1;
        rest = after;
    }
    let (data, rest) = match rest.strip_prefix("data.") {
        Some(r) => ("data.", r),
        None => ("", rest),
    };
    let kind = identifier(rest);
    let rest = rest[kind.len()..].strip_prefix('.')?;
    let name = identifier(rest);
    let tail = &rest[name.len()..];
    if kind.is_empty() || name.is_empty() || bracket_len(tail)? != tail.len() {
        return None;
    }
    Some((
        address[..module_len].to_string(),
        format!("{data}{kind}.{name}"),
    ))
}

/// The configuration key (`module.a.module.b|aws_lb.x`) of a resource address: what a `.tf`
/// block and an inline waiver are known by. A child of an environment (`ENV/aws_x.y`) has its
/// environment's.
pub(crate) fn block_key(address: &str) -> Option<String> {
    let address = address.split('/').next().unwrap_or(address);
    let (module, resource) = split_resource(address)?;
    Some(keyed(&module, &resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses_split_on_calls_not_on_dots_inside_keys() {
        assert_eq!(
            module_segments(r#"module.a["x.y]"].module.b[0]"#).unwrap(),
            vec![
                ("a".to_string(), r#"["x.y]"]"#.to_string()),
                ("b".to_string(), "[0]".to_string())
            ]
        );
        assert_eq!(
            config_path(r#"module.a["k"].module.b[1]"#),
            "module.a.module.b"
        );
        assert!(module_segments("module.a[\"open").is_none());
        assert_eq!(module_segments("").unwrap(), vec![]);
    }

    #[test]
    fn resource_addresses_split_into_module_instance_and_resource() {
        assert_eq!(
            split_resource(r#"module.a["x.y"].module.b.aws_lb.this[0]"#).unwrap(),
            (
                r#"module.a["x.y"].module.b"#.to_string(),
                "aws_lb.this".to_string()
            )
        );
        assert_eq!(
            split_resource("data.aws_iam_policy_document.p").unwrap(),
            (String::new(), "data.aws_iam_policy_document.p".to_string())
        );
        assert_eq!(
            split_resource(r#"aws_s3_bucket.b["a]b"]"#).unwrap(),
            (String::new(), "aws_s3_bucket.b".to_string())
        );
        assert!(split_resource("module.a").is_none());
        assert!(split_resource("aws_s3_bucket").is_none());
        assert!(split_resource("aws_s3_bucket.b.c").is_none());
    }
}
