"""What the Terraform benchmarks share: a moto server on a free port, and a workspace with the
provider in a filesystem mirror, its own CLI config, the module and one example."""
import contextlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
TERRAFORM = TOOLS / "bin" / "terraform"
# The types whose API moto lacks, as the tests read them.
MOTO_SKIP = json.dumps(list(json.loads((ROOT / "tests" / "rig" / "moto-gaps.json").read_text())))
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PROD_VARS = ["-var=domain_name=learn.example.com", "-var=zone_id=Z0123456789EXAMPLE",
             "-var=cdn_certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/cdn",
             "-var=alb_certificate_arn=arn:aws:acm:eu-central-1:123456789012:certificate/alb"]


def prod_vars(endpoint):
    """PROD_VARS whose hosted zone and certificates exist in the emulator, for an apply (a plan
    looks none of them up): the HTTPS listener needs its certificate, the alias record its zone."""
    script = f"""
import boto3
kw = dict(endpoint_url="{endpoint}", aws_access_key_id="testing", aws_secret_access_key="testing")
zone = boto3.client("route53", region_name="us-east-1", **kw).create_hosted_zone(
    Name="learn.example.com", CallerReference="bench")["HostedZone"]["Id"].split("/")[-1]
cdn = boto3.client("acm", region_name="us-east-1", **kw).request_certificate(DomainName="learn.example.com")["CertificateArn"]
alb = boto3.client("acm", region_name="eu-central-1", **kw).request_certificate(DomainName="learn.example.com")["CertificateArn"]
print(zone, cdn, alb)
"""
    out = subprocess.run([TOOLS / "moto" / "bin" / "python", "-c", script], check=True,
                         capture_output=True, text=True).stdout.split()
    zone, cdn, alb = out
    return ["-var=domain_name=learn.example.com", f"-var=zone_id={zone}",
            f"-var=cdn_certificate_arn={cdn}", f"-var=alb_certificate_arn={alb}"]


def reset(endpoint):
    """Empties the emulator: moto keeps a deleted backup plan's document taken, so a second
    apply after a destroy needs a clean server (docs/aws-emulator-gaps.md)."""
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()


@contextlib.contextmanager
def moto():
    """Yields the endpoint URL of a moto server that lives for the block."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([TOOLS / "bin" / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()


@contextlib.contextmanager
def workspace(binary, example):
    """Yields (the example's directory, the environment to run terraform in), initialised."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="edulibra-bench-"))
    try:
        mirror = work / "mirror"
        plat = mirror / "registry.terraform.io/edulibra/edulibra/0.1.0/linux_amd64"
        plat.mkdir(parents=True)
        shutil.copy(binary, plat / "terraform-provider-edulibra_v0.1.0")
        rc = work / "terraformrc"
        rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n    include = ["registry.terraform.io/edulibra/edulibra"]\n  }}\n  direct {{ exclude = ["registry.terraform.io/edulibra/edulibra"] }}\n}}\n')
        shutil.copytree(ROOT / "modules", work / "modules")
        shutil.copytree(ROOT / "examples" / example, work / "examples" / example)
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1", HOME=str(work), AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", NO_PROXY="127.0.0.1", AWS_EC2_METADATA_DISABLED="true",
                   # The types whose API moto lacks (docs/aws-emulator-gaps.md), left out as the tests do.
                   TF_VAR_skip_resource_types=MOTO_SKIP)
        cwd = work / "examples" / example
        subprocess.run([TERRAFORM, "init", "-input=false", "-no-color"], cwd=cwd, env=env, check=True, capture_output=True)
        yield cwd, env
    finally:
        shutil.rmtree(work, ignore_errors=True)
