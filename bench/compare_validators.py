#!/usr/bin/env python3
"""Benchmark: edulibra-validate against checkov and Go OPA on the same generated plans.

usage: bench/compare_validators.py [--sizes 1000 10000 50000] [--timeout 900]

Runs, for each size, on one plan from ../shared/tools/gen_plan.py (seed 1):
  - edulibra-validate check (the dist build CI pipelines run, the full built-in rule set)
  - checkov -f plan.json --framework terraform_plan (its whole AWS check set)
  - Go OPA (PyPI opa-golib-python-bindings) evaluating the *same* Rego rules over the *same*
    normalised input (from `edulibra-validate input`), through a driver that applies each rule to
    each resource of its types, as edulibra-validate does. This isolates the engines.
Prints wall time (ours: the median of --repeat runs), peak RSS and the ratios. Tools come from .tools/bench (see `make bench-tools`).
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
        "w=time.perf_counter()-t;r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(json.dumps({'rc':p.returncode,'wall':w,'rss_mib':r/1024,'err':p.stderr.decode()[-300:]}))"
    )] + [str(c) for c in cmd]
    try:
        out = subprocess.run(wrapper, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return {"rc": None, "wall": float("inf"), "rss_mib": float("nan"), "err": "timeout"}
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
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
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
        subprocess.run([sys.executable, SHARED / "tools" / "gen_plan.py", str(n), "--seed", "1", "-o", plan], check=True, capture_output=True)
        # Ours runs in about a second, where this machine's timing noise is tens of percent: the
        # median of several runs. The peers run for minutes, once.
        runs = [measure([VALIDATE, "check", plan, "--format", "json", "--output", tmp / f"ours-{n}.json"], a.timeout)
                for _ in range(a.repeat)]
        for r in runs:
            if r["rc"] not in (0, 1):
                sys.exit(f"edulibra-validate failed on {n}: {r['err']}")
        ours = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
        row = {"n": n, "ours": ours}
        if not a.skip_checkov:
            row["checkov"] = measure([BENCH_VENV / "bin" / "checkov", "-f", plan, "--framework", "terraform_plan", "-o", "json", "--quiet", "--skip-download"], a.timeout)
        inp = tmp / f"input-{n}.json"
        with open(inp, "w") as f:
            subprocess.run([VALIDATE, "input", plan], check=True, stdout=f)
        bundle = tmp / "opa-bundle.json"
        bundle.write_text(json.dumps(opa_policy_bundle(tmp)))
        row["opa"] = measure([BENCH_VENV / "bin" / "python", ROOT / "bench" / "opa_eval.py", bundle, inp], a.timeout)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(f"{'resources':>9} | {'edulibra-validate':>22} | {'Go OPA (same rules)':>22} | {'checkov':>22} | OPA/ours | checkov/ours")
    for r in rows:
        def cell(m):
            return f"{m['wall']:8.3f} s {m['rss_mib']:7.0f} MiB" if m else "-"
        o = r["ours"]["wall"]
        opa = r.get("opa")
        ck = r.get("checkov")
        print(f"{r['n']:>9} | {cell(r['ours']):>22} | {cell(opa):>22} | {cell(ck):>22} | "
              f"{(opa['wall'] / o if opa else float('nan')):8.1f} | {(ck['wall'] / o if ck else float('nan')):8.1f}")


if __name__ == "__main__":
    main()
