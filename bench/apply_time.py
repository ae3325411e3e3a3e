#!/usr/bin/env python3
"""Apply wall time of an environment against moto: `max_concurrency = 1` versus the default (8).

usage: bench/apply_time.py [--runs 3] [--example dev|prod] [--binary PATH]  (default: debug provider)
Each run is `terraform apply` of a fresh environment (every child of the provisioned types),
then `terraform destroy`, both timed. The emulator answers in milliseconds, so the figures
measure the engine's scheduling and the calls' round trips, not AWS's own waits. Prints the
median of each setting and the speed-up.
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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--example", default="dev")
    ap.add_argument("--binary", default=str(target / "debug" / "terraform-provider-edulibra"))
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="edulibra-applytime-"))
    port = free_port()
    moto = subprocess.Popen([TOOLS / "bin" / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        shutil.copytree(ROOT / "examples" / a.example, work / "examples" / a.example)
        main_tf = work / "examples" / a.example / "main.tf"
        base = main_tf.read_text()
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1", HOME=str(work), AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", NO_PROXY="127.0.0.1", AWS_EC2_METADATA_DISABLED="true")
        vars_ = [f"-var=aws_endpoint=http://127.0.0.1:{port}"]
        if a.example == "prod":
            vars_ += ["-var=domain_name=learn.example.com", "-var=zone_id=Z0123456789EXAMPLE",
                      "-var=cdn_certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/cdn",
                      "-var=alb_certificate_arn=arn:aws:acm:eu-central-1:123456789012:certificate/alb"]
        tf = lambda *args: subprocess.run([TOOLS / "bin" / "terraform", *args], cwd=main_tf.parent, env=env, check=True, capture_output=True)
        tf("init", "-input=false", "-no-color")
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
            results.setdefault(concurrency, []).append((applied, destroyed))
        med = {c: (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r)) for c, r in results.items()}
        print(f"examples/{a.example} against moto, {a.runs} runs each (median):")
        for c in sorted(med):
            print(f"  max_concurrency={c}: apply {med[c][0]:.2f} s, destroy {med[c][1]:.2f} s")
        print(f"  speed-up of 8 over 1: apply {med[1][0] / med[8][0]:.2f}x, destroy {med[1][1] / med[8][1]:.2f}x")
    finally:
        moto.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
