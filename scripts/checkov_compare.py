#!/usr/bin/env python3
"""Compares edulibra-validate's verdicts with checkov's on the shared plan fixtures.

usage: checkov_compare.py VALIDATE_BIN FIXTURES_DIR

For every (fixture, resource, checkov check) row of FIXTURES_DIR/checkov-verdicts.tsv whose
check id one of our rules lists in `references`, our verdict on that resource is: failed when one
of those rules fails it, unknown when one reports unknown (and none fails), passed otherwise
(the rule judged the resource type and found nothing). Prints Markdown: a table per fixture of
agreements and disagreements, each disagreement listed with the rules involved.
"""
import collections
import json
import subprocess
import sys


def main():
    validate, fixtures = sys.argv[1], sys.argv[2]
    rules = json.loads(subprocess.run([validate, "rules", "--format", "json"], check=True, capture_output=True, text=True).stdout)
    by_ckv = collections.defaultdict(list)
    for r in rules:
        for ref in r["metadata"]["references"]:
            by_ckv[ref].append(r)
    rows = collections.defaultdict(list)
    with open(f"{fixtures}/checkov-verdicts.tsv") as f:
        next(f)
        for line in f:
            fixture, check, resource, result, _name = line.rstrip("\n").split("\t", 4)
            rows[fixture].append((check, resource, result))
    out = ["| fixture | rows | covered | agree | disagree | not covered by our rules |", "|---|---|---|---|---|---|"]
    details = []
    totals = collections.Counter()
    for fixture in sorted(rows):
        proc = subprocess.run([validate, "check", f"{fixtures}/{fixture}", "--format", "json"], capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{fixture}: validator failed: {proc.stderr.strip()}")
        report = json.loads(proc.stdout)
        verdict = collections.defaultdict(dict)  # resource -> rule id -> status
        for fnd in report["findings"]:
            verdict[fnd["resource"]][fnd["rule_id"]] = fnd["status"]
        c = collections.Counter()
        for check, resource, result in rows[fixture]:
            c["rows"] += 1
            rtype = resource.split("[")[0].split(".")[-2]
            ours = [r for r in by_ckv.get(check, []) if rtype in r["resource_types"]]
            if not ours:
                c["uncovered"] += 1
                continue
            c["covered"] += 1
            statuses = [verdict[resource].get(r["metadata"]["id"]) for r in ours]
            if "fail" in statuses:
                mine = "failed"
            elif "unknown" in statuses:
                mine = "unknown"
            else:
                mine = "passed"
            if mine == result:
                c["agree"] += 1
            else:
                c["disagree"] += 1
                details.append(f"| {fixture} | `{resource}` | {check} | {result} | {mine} | {', '.join(r['metadata']['id'] for r in ours)} |")
        totals.update(c)
        out.append(f"| {fixture} | {c['rows']} | {c['covered']} | {c['agree']} | {c['disagree']} | {c['uncovered']} |")
    out.append(f"| **total** | {totals['rows']} | {totals['covered']} | {totals['agree']} | {totals['disagree']} | {totals['uncovered']} |")
    print("\n".join(out))
    print("\n### Disagreements\n")
    print("| fixture | resource | checkov check | checkov | ours | our rules |\n|---|---|---|---|---|---|")
    print("\n".join(details))


if __name__ == "__main__":
    main()
