#!/usr/bin/env python3
"""Apply wall time of an environment against moto: `max_concurrency = 1` versus the default (8).

usage: bench/apply_time.py [--runs 3] [--example dev|prod] [--binary PATH]  (default: debug provider)
Each run is `terraform apply` of a fresh environment (every child of the provisioned types),
then `terraform destroy`, both timed. The emulator answers in milliseconds, so the figures
measure the engine's scheduling and the calls' round trips, not AWS's own waits. Prints the
median of each setting and the speed-up.
"""
import argparse
import statistics
import subprocess
import time

from rig import TARGET, TERRAFORM, moto, prod_vars, reset, workspace


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--example", default="dev")
    ap.add_argument("--binary", default=str(TARGET / "debug" / "terraform-provider-edulibra"))
    a = ap.parse_args()
    with moto() as endpoint, workspace(a.binary, a.example) as (cwd, env):
        main_tf = cwd / "main.tf"
        base = main_tf.read_text()
        vars_ = [f"-var=aws_endpoint={endpoint}"] + (prod_vars(endpoint) if a.example == "prod" else [])

        def tf(*args):
            subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, check=True, capture_output=True)

        results = {}
        for concurrency in [1, 8] * a.runs:
            main_tf.write_text(base.replace('waivers_file = "${path.module}/waivers.yaml"',
                                            f'waivers_file = "${{path.module}}/waivers.yaml"\n  max_concurrency = {concurrency}\n  policy_enforcement = "off"'))
            t = time.perf_counter()
            tf("apply", "-auto-approve", "-input=false", "-no-color", *vars_)
            applied = time.perf_counter() - t
            t = time.perf_counter()
            tf("destroy", "-auto-approve", "-input=false", "-no-color", *vars_)
            destroyed = time.perf_counter() - t
            reset(endpoint)
            results.setdefault(concurrency, []).append((applied, destroyed))
        med = {c: (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r)) for c, r in results.items()}
        print(f"examples/{a.example} against moto, {a.runs} runs each (median):")
        for c in sorted(med):
            print(f"  max_concurrency={c}: apply {med[c][0]:.2f} s, destroy {med[c][1]:.2f} s")
        print(f"  speed-up of 8 over 1: apply {med[1][0] / med[8][0]:.2f}x, destroy {med[1][1] / med[8][1]:.2f}x")


if __name__ == "__main__":
    main()
