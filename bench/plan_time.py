#!/usr/bin/env python3
"""Plan time of examples/prod with the plan-time policy check on (warn) and off, against moto.

usage: bench/plan_time.py [--runs 5] [--binary PATH]   (default: the release provider)
Each run is a full `terraform plan` (three provider launches, Configure with STS, expansion,
and with the check on, the built-in rules over the ~120 planned resources). Prints the median of
each mode and the overhead ratio.
"""
import argparse
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"


def main():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=str(target / "release" / "terraform-provider-edulibra"))
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="edulibra-plantime-"))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    moto = subprocess.Popen([TOOLS / "bin" / "moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        mirror = work / "mirror"
        plat = mirror / "registry.terraform.io/edulibra/edulibra/0.1.0/linux_amd64"
        plat.mkdir(parents=True)
        shutil.copy(a.binary, plat / "terraform-provider-edulibra_v0.1.0")
        rc = work / "terraformrc"
        rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n    include = ["registry.terraform.io/edulibra/edulibra"]\n  }}\n  direct {{ exclude = ["registry.terraform.io/edulibra/edulibra"] }}\n}}\n')
        shutil.copytree(ROOT / "modules", work / "modules")
        shutil.copytree(ROOT / "examples" / "prod", work / "examples" / "prod")
        main_tf = work / "examples" / "prod" / "main.tf"
        base = main_tf.read_text()
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1", HOME=str(work), AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", NO_PROXY="127.0.0.1", AWS_EC2_METADATA_DISABLED="true")
        vars_ = [f"-var=aws_endpoint=http://127.0.0.1:{port}", "-var=domain_name=learn.example.com", "-var=zone_id=Z0123456789EXAMPLE",
                 "-var=cdn_certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/cdn", "-var=alb_certificate_arn=arn:aws:acm:eu-central-1:123456789012:certificate/alb"]
        subprocess.run([TOOLS / "bin" / "terraform", "init", "-input=false", "-no-color"], cwd=main_tf.parent, env=env, check=True, capture_output=True)
        results = {}
        for mode in ["off", "warn", "off", "warn"] * 1:
            main_tf.write_text(base.replace('waivers_file = "${path.module}/waivers.yaml"', f'waivers_file = "${{path.module}}/waivers.yaml"\n  policy_enforcement = "{mode}"'))
            times = results.setdefault(mode, [])
            for _ in range(a.runs):
                t = time.perf_counter()
                subprocess.run([TOOLS / "bin" / "terraform", "plan", "-input=false", "-no-color", "-refresh=false", *vars_],
                               cwd=main_tf.parent, env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
        off, on = statistics.median(results["off"]), statistics.median(results["warn"])
        print(f"plan of examples/prod ({len(results['off'])} runs each): rules off {off:.3f} s, rules on {on:.3f} s, overhead {100 * (on / off - 1):+.1f}%")
    finally:
        moto.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
