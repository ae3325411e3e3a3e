#!/usr/bin/env python3
"""Benchmark: edulibra-validate against checkov and Go OPA on the same generated plans.

usage: bench/compare_validators.py [--sizes 1000 10000 100000] [--seed 7] [--checkov-max 10000]
                                   [--repeat 5] [--timeout 900] [--skip-checkov]

Runs, for each size, on one plan from ../shared/tools/gen_plan.py (--seed, 7 by default):
  - edulibra-validate check (the dist build CI pipelines run, the full built-in rule set)
  - checkov -f plan.json --framework terraform_plan (its whole AWS check set)
  - Go OPA (PyPI opa-golib-python-bindings) evaluating the *same* Rego rules over the *same*
    normalised input (from `edulibra-validate input`), through a driver that applies each rule to
    each resource of its types, as edulibra-validate does. This isolates the engines.
Prints wall time (ours: the median of --repeat runs), CPU time (user + system), peak RSS and its
ratio to the plan's size, and the peers' times as multiples of ours. checkov runs only up to
--checkov-max resources (it took over 17 minutes on 50,000). Tools come from .tools/bench (see `make bench-tools`).
"""
import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VALIDATE = TARGET / "dist" / "edulibra-validate"
BENCH_VENV = ROOT / ".tools" / "bench"


def measure(cmd, timeout, **kw):
    """Wall seconds and peak RSS (MiB) of one command, run in a fresh child."""
    wrapper = [sys.executable, "-c", (
        "import json,resource,subprocess,sys,time;"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
        "w=time.perf_counter()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc':p.returncode,'wall':w,'cpu':u.ru_utime+u.ru_stime,'rss_mib':u.ru_maxrss/1024,'err':p.stderr.decode()[-300:]}))"
    )] + [str(c) for c in cmd]
    try:
        out = subprocess.run(wrapper, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return {"rc": None, "wall": float("inf"), "cpu": float("nan"), "rss_mib": float("nan"), "err": "timeout"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def opa_policy_bundle(tmp):
    """The built-in rules (no tests) plus a driver package that evaluates them like our engine."""
    rules = json.loads(subprocess.run([VALIDATE, "rules", "--format", "json"], check=True, capture_output=True, text=True).stdout)
    files = {}
    for p in sorted((ROOT / "policies").rglob("*.rego")):
        if not p.name.endswith("_test.rego"):
            files[str(p.relative_to(ROOT))] = p.read_text()
    lines = ["package bench.driver", "import rego.v1", ""]
    for i, r in enumerate(rules):
        pkg = r["package"]
        if r["scope"] == "plan":
            lines.append(f"f{i} := {{x | some x in {pkg}.deny with input as {{\"resources\": input.resources}}}}")
        else:
            lines.append(f"f{i} := {{[r.address, m] | some r in input.resources; r.type in {pkg}.resource_types; some m in {pkg}.deny with input as {{\"resource\": r}}}}")
    lines.append("findings := count(" + " | ".join(f"f{i}" for i in range(len(rules))) + ")")
    files["bench_driver.rego"] = "\n".join(lines) + "\n"
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--checkov-max", type=int, default=10000, help="largest plan checkov is run on")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--skip-checkov", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="runs of edulibra-validate per size (median kept)")
    a = ap.parse_args()
    if not VALIDATE.exists():
        sys.exit(f"{VALIDATE} is missing: make validator-dist")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="edulibra-bench-"))
    rows = []
    for n in a.sizes:
        plan = tmp / f"plan-{n}.json"
        subprocess.run([sys.executable, SHARED / "tools" / "gen_plan.py", str(n), "--seed", str(a.seed), "-o", plan], check=True, capture_output=True)
        # Ours runs in about a second, where this machine's timing noise is tens of percent: the
        # median of several runs. The peers run for minutes, once.
        runs = [measure([VALIDATE, "check", plan, "--format", "json", "--output", tmp / f"ours-{n}.json"], a.timeout)
                for _ in range(a.repeat)]
        for r in runs:
            if r["rc"] not in (0, 1):
                sys.exit(f"edulibra-validate failed on {n}: {r['err']}")
        ours = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
        row = {"n": n, "mib": plan.stat().st_size / 2**20, "ours": ours}
        if not a.skip_checkov and n <= a.checkov_max:
            row["checkov"] = measure([BENCH_VENV / "bin" / "checkov", "-f", plan, "--framework", "terraform_plan", "-o", "json", "--quiet", "--skip-download"], a.timeout)
        inp = tmp / f"input-{n}.json"
        with open(inp, "w") as f:
            subprocess.run([VALIDATE, "input", plan], check=True, stdout=f)
        bundle = tmp / "opa-bundle.json"
        bundle.write_text(json.dumps(opa_policy_bundle(tmp)))
        row["opa"] = measure([BENCH_VENV / "bin" / "python", ROOT / "bench" / "opa_eval.py", bundle, inp], a.timeout)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(f"{'resources':>9} | {'plan':>8} | {'edulibra-validate (wall, CPU, peak, peak/plan)':>46} | {'Go OPA (same rules)':>30} | {'checkov':>30} | OPA/ours | checkov/ours")
    for r in rows:
        def cell(m):
            return f"{m['wall']:7.3f} s {m['cpu']:7.2f} s {m['rss_mib']:6.0f} MiB" if m else "-"
        o = r["ours"]["wall"]
        opa = r.get("opa")
        ck = r.get("checkov")
        ours = f"{cell(r['ours'])} {r['ours']['rss_mib'] / r['mib']:5.1f}x"
        print(f"{r['n']:>9} | {r['mib']:5.1f} MB | {ours:>46} | {cell(opa):>30} | {cell(ck):>30} | "
              f"{(opa['wall'] / o if opa else float('nan')):8.1f} | {(ck['wall'] / o if ck else float('nan')):8.1f}")
    # Growth: how ours scales from one size to the next (linear: the time grows as the size).
    for a_row, b_row in zip(rows, rows[1:]):
        print(f"ours {a_row['n']} -> {b_row['n']}: size x{b_row['n'] / a_row['n']:.0f}, wall x{b_row['ours']['wall'] / a_row['ours']['wall']:.1f}, CPU x{b_row['ours']['cpu'] / a_row['ours']['cpu']:.1f}")


if __name__ == "__main__":
    main()
