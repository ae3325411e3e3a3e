#!/usr/bin/env python3
"""What `make demo` shows a person, read from the files the demo writes.

  demo_report.py plan PLAN.json      the AWS resources the plan makes, by type
  demo_report.py gate REPORT.json    the gate's rules: failed, waived, unknown, passed, not applicable
  demo_report.py timeline LOG        the apply's timeline, from the provider's INFO log

Every table is printed whole: nothing is cut to a few lines.
"""
import collections
import datetime
import json
import re
import sys


def plan(path):
    doc = json.load(open(path))
    counts = collections.Counter()
    environments = 0
    for rc in doc.get("resource_changes", []):
        after = (rc.get("change") or {}).get("after") or {}
        if rc.get("type") != "edulibra_environment":
            continue
        environments += 1
        for child in after.get("topology") or []:
            counts[child.get("type", "?")] += 1
    if not environments:
        print("  (the plan has no edulibra_environment)")
        return
    width = max(len(t) for t in counts) if counts else 10
    print(f"  {'AWS resource type':<{width}}  count")
    for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind:<{width}}  {n:>5}")
    print(f"  {'total':<{width}}  {sum(counts.values()):>5}  in {environments} environment(s)")


def gate(path):
    doc = json.load(open(path))
    s = doc.get("summary", {})
    # Per rule: its worst verdict over the resources it judged.
    rank = {"fail": 0, "waived": 1, "unknown": 2}
    worst = {}
    for f in doc.get("findings", []):
        rule, status = f.get("rule_id"), f.get("status")
        if rule and (rule not in worst or rank.get(status, 9) < rank.get(worst[rule], 9)):
            worst[rule] = status
    judged = doc.get("applicable_rules")
    by = collections.Counter(worst.values())
    print(f"  resources judged   {s.get('resources', 0):>5}")
    print(f"  rules              {s.get('rules', 0):>5}")
    print(f"  rules failing      {by.get('fail', 0):>5}")
    print(f"  rules waived       {by.get('waived', 0):>5}")
    print(f"  rules unknown      {by.get('unknown', 0):>5}")
    if judged is not None:
        passed = len(set(judged) - set(worst))
        print(f"  rules passing      {passed:>5}")
        print(f"  not applicable     {s.get('rules', 0) - len(set(judged)):>5}")
    print(f"  verdicts: {s.get('passed', 0)} passed, {s.get('failed', 0)} failed, "
          f"{s.get('waived', 0)} waived, {s.get('unknown', 0)} unknown")
    gate_doc = doc.get("gate") or {}
    if gate_doc:
        print(f"  failing findings that fail the gate: {gate_doc.get('blocking', 0)}, "
              f"that only report: {gate_doc.get('reported_only', 0)}")


# hclog: the message, then `child=` and the provider's `timestamp=`, in any order.
LINE = re.compile(r"^\S+ \[INFO\]\s+provider\.\S+: (.+?): .*\bchild=(\S+).*\btimestamp=(\S+)")


def stamp(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def timeline(path):
    start, ready = {}, {}
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        message, child, t = m.group(1), m.group(2).strip('"'), stamp(m.group(3))
        if message.startswith(("creating", "updating", "adopting", "replacing")):
            start.setdefault(child, t)
        elif message.startswith("ready"):
            ready[child] = t
    spans = [(child, start[child], ready[child]) for child in ready if child in start]
    if not spans:
        print("  (no child was created or changed)")
        return
    t0 = min(s for _, s, _ in spans)
    t1 = max(e for _, _, e in spans)
    print(f"  {len(spans)} children created or changed in {t1 - t0:.1f} s")
    print("  the ten that took longest (start, duration, child):")
    for child, s, e in sorted(spans, key=lambda x: x[1] - x[2])[:10]:
        print(f"    +{s - t0:6.2f} s  {e - s:6.2f} s  {child}")


def main(argv):
    if len(argv) != 2 or argv[0] not in ("plan", "gate", "timeline"):
        print(__doc__, file=sys.stderr)
        return 2
    {"plan": plan, "gate": gate, "timeline": timeline}[argv[0]](argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
