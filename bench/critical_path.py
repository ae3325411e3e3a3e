#!/usr/bin/env python3
"""Apply of an example against moto, beside its critical path: the longest chain of dependent
children, each weighted by the time its calls took.

usage: bench/critical_path.py [--example dev|prod] [--binary PATH]  (default: debug provider)

One `terraform apply` at the default concurrency with the provider's INFO log. From the log,
each child's time runs from the engine starting it ("creating ..." / "updating ...") to its
"ready" line; from `terraform show -json`, the topology gives what each child depends on. Prints
the apply's wall time, the engine's span (first start to last ready), the sum of all children's
times (what one call at a time would take), and the critical path with its children. No engine,
however parallel, finishes before the critical path does.
"""
import argparse
import datetime
import json
import re
import subprocess
import time

from rig import TARGET, TERRAFORM, moto, prod_vars, workspace

# hclog fields come in any order: the message, then `child=` and the provider's `timestamp=`.
LINE = re.compile(r"^\S+ \[INFO\]\s+provider\.\S+: (.+?): .*\bchild=(\S+).*\btimestamp=(\S+)")


def stamp(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def run(*args, **kw):
    """subprocess.run that shows Terraform's own words when it fails."""
    r = subprocess.run(*args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args[0][:2]))} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", default="dev")
    ap.add_argument("--binary", default=str(TARGET / "debug" / "terraform-provider-edulibra"))
    a = ap.parse_args()
    with moto() as endpoint, workspace(a.binary, a.example) as (cwd, env):
        main_tf = cwd / "main.tf"
        main_tf.write_text(main_tf.read_text().replace(
            'waivers_file = "${path.module}/waivers.yaml"',
            'waivers_file = "${path.module}/waivers.yaml"\n  policy_enforcement = "off"'))
        vars_ = [f"-var=aws_endpoint={endpoint}"] + (prod_vars(endpoint) if a.example == "prod" else [])
        log = cwd / "apply.log"
        run_env = dict(env, TF_LOG="INFO", TF_LOG_PATH=str(log))
        t = time.perf_counter()
        run([TERRAFORM, "apply", "-auto-approve", "-input=false", "-no-color", *vars_], cwd=cwd, env=run_env)
        wall = time.perf_counter() - t
        shown = json.loads(run([TERRAFORM, "show", "-json"], cwd=cwd, env=env).stdout)
        # No destroy: the emulator goes with the block (prod's protection would refuse anyway).
        lines = log.read_text().splitlines()

    start, ready = {}, {}
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        message, child, ts = m.group(1), m.group(2), stamp(m.group(3))
        if message.startswith(("creating", "updating", "replacing: creating")):
            start.setdefault(child, ts)
        elif message == "ready":
            ready[child] = ts
    took = {c: ready[c] - start[c] for c in ready if c in start}

    env_values = next(r["values"] for m in [shown["values"]["root_module"], *shown["values"]["root_module"].get("child_modules", [])]
                      for r in m.get("resources", []) if r["type"] == "edulibra_environment")
    deps = {e["address"]: [d for d in e.get("depends_on", []) if d in took] for e in env_values["topology"]}

    # Longest path in the dependency graph, weighted by each child's time (children come in
    # topological order in the topology, so one pass suffices).
    best, via = {}, {}
    for e in env_values["topology"]:
        c = e["address"]
        if c not in took:
            continue
        before = max(deps.get(c, []), key=lambda d: best[d], default=None)
        best[c] = took[c] + (best[before] if before else 0.0)
        via[c] = before
    end = max(best, key=best.get)
    chain = []
    while end:
        chain.append(end)
        end = via[end]
    chain.reverse()
    span = max(ready.values()) - min(start.values())
    print(f"examples/{a.example} against moto, default concurrency, {len(took)} children created")
    print(f"  terraform apply wall time:      {wall:6.2f} s")
    print(f"  engine span (first start to last ready): {span:6.2f} s")
    print(f"  sum of every child's time:      {sum(took.values()):6.2f} s")
    print(f"  critical path ({len(chain)} children):  {best[chain[-1]]:6.2f} s")
    for c in chain:
        print(f"    {took[c] * 1000:7.1f} ms  {c}")


if __name__ == "__main__":
    main()
