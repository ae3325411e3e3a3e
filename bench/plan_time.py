#!/usr/bin/env python3
"""Plan time of examples/prod with the plan-time policy check on (warn) and off, against moto.

usage: bench/plan_time.py [--runs 5] [--binary PATH]   (default: the release provider)
Each run is a full `terraform plan` (three provider launches, Configure with STS, expansion,
and with the check on, the built-in rules over the ~120 planned resources). Prints the median of
each mode and the overhead ratio.
"""
import argparse
import statistics
import subprocess
import time

from rig import PROD_VARS, TARGET, TERRAFORM, moto, workspace


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=str(TARGET / "release" / "terraform-provider-edulibra"))
    a = ap.parse_args()
    with moto() as endpoint, workspace(a.binary, "prod") as (cwd, env):
        main_tf = cwd / "main.tf"
        base = main_tf.read_text()
        vars_ = [f"-var=aws_endpoint={endpoint}", *PROD_VARS]
        results = {}
        for mode in ["off", "warn", "off", "warn"]:
            main_tf.write_text(base.replace('waivers_file = "${path.module}/waivers.yaml"', f'waivers_file = "${{path.module}}/waivers.yaml"\n  policy_enforcement = "{mode}"'))
            times = results.setdefault(mode, [])
            for _ in range(a.runs):
                t = time.perf_counter()
                subprocess.run([TERRAFORM, "plan", "-input=false", "-no-color", "-refresh=false", *vars_],
                               cwd=cwd, env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
        off, on = statistics.median(results["off"]), statistics.median(results["warn"])
        print(f"plan of examples/prod ({len(results['off'])} runs each): rules off {off:.3f} s, rules on {on:.3f} s, overhead {100 * (on / off - 1):+.1f}%")


if __name__ == "__main__":
    main()
