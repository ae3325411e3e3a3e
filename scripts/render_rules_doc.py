#!/usr/bin/env python3
"""Writes docs/rules.md: docs/rules.template.md with the catalogue from
`edulibra-validate rules --format markdown` between the BEGIN/END RULES markers, and the checkov
comparison appended. usage: render_rules_doc.py VALIDATE_BIN > docs/rules.md"""
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
validate = sys.argv[1]
template = (root / "docs" / "rules.template.md").read_text()
table = subprocess.run([validate, "rules", "--format", "markdown"], check=True, capture_output=True, text=True).stdout
begin, end = "<!-- BEGIN RULES (generated) -->", "<!-- END RULES -->"
head, rest = template.split(begin)
_, tail = rest.split(end)
sys.stdout.write(head + begin + "\n" + table + end + tail)
