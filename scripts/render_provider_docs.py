#!/usr/bin/env python3
"""Provider docs in the Terraform Registry layout, from `terraform providers schema -json`.

usage: render_provider_docs.py SCHEMA_JSON DOCS_DIR [--check]

Each page is a template under DOCS_DIR/templates (prose and examples, written by hand) whose
`{{schema}}` line is replaced by every argument and attribute of the schema, with its type,
whether it is required, optional or read-only, and its description. With --check nothing is
written: the exit code is 1 when a page differs from what the schema gives (an attribute added
or changed without `make docs`) or an attribute has no description.
"""
import json
import pathlib
import sys

SOURCE = "registry.terraform.io/edulibra/edulibra"
PAGES = [  # (template, output, which schema)
    ("index.md.tmpl", "index.md", ("provider", None)),
    ("resources/environment.md.tmpl", "resources/environment.md", ("resource_schemas", "edulibra_environment")),
    ("data-sources/caller_identity.md.tmpl", "data-sources/caller_identity.md", ("data_source_schemas", "edulibra_caller_identity")),
    ("data-sources/topology.md.tmpl", "data-sources/topology.md", ("data_source_schemas", "edulibra_topology")),
]
problems = []


def type_name(t):
    if isinstance(t, str):
        return {"string": "String", "number": "Number", "bool": "Boolean", "dynamic": "Dynamic"}.get(t, t)
    kind, inner = t[0], t[1]
    if kind in ("list", "set", "map"):
        return f"{kind.capitalize()} of {type_name(inner)}"
    if kind == "object":
        return "Object"
    return kind


def render_block(block, where, level):
    out = []
    attrs = block.get("attributes", {})
    groups = [
        ("Required", lambda a: a.get("required")),
        ("Optional", lambda a: a.get("optional")),
        ("Read-Only", lambda a: a.get("computed") and not a.get("optional") and not a.get("required")),
    ]
    for title, keep in groups:
        names = sorted(n for n, a in attrs.items() if keep(a))
        if not names:
            continue
        out.append(f"{'#' * level} {title}\n")
        for n in names:
            a = attrs[n]
            desc = (a.get("description") or "").strip()
            if not desc:
                problems.append(f"{where}.{n} has no description")
            flags = [type_name(a["type"])]
            if a.get("sensitive"):
                flags.append("Sensitive")
            out.append(f"- `{n}` ({', '.join(flags)}) {desc}")
        out.append("")
    for n, bt in sorted(block.get("block_types", {}).items()):
        inner = bt["block"]
        desc = (inner.get("description") or "").strip()
        out.append(f"{'#' * level} Nested block `{n}`\n")
        if desc:
            out.append(desc + "\n")
        else:
            problems.append(f"{where}.{n} (block) has no description")
        out.extend(render_block(inner, f"{where}.{n}", level + 1))
    return out


def main():
    schema_path, docs = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    check = "--check" in sys.argv[3:]
    schemas = json.loads(schema_path.read_text())["provider_schemas"][SOURCE]
    stale = []
    for tmpl, out, (group, name) in PAGES:
        s = schemas[group] if name is None else schemas[group][name]
        body = "\n".join(render_block(s["block"], name or "provider", 3)).rstrip() + "\n"
        text = (docs / "templates" / tmpl).read_text().replace("{{schema}}\n", body)
        target = docs / out
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(out)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    for p in problems:
        print(f"undocumented: {p}", file=sys.stderr)
    for s in stale:
        print(f"stale: docs/{s} differs from the provider's schema; run `make docs`", file=sys.stderr)
    sys.exit(1 if problems or stale else 0)


if __name__ == "__main__":
    main()
