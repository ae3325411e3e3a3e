#!/usr/bin/env bash
# The main job on a fresh machine: emulator, init, plan of examples/dev, the validator gate,
# then apply of the judged plan, the outputs, and destroy.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
tools="${EDULIBRA_TOOLS_DIR:-$root/.tools}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"

cleanup() {
  [ -n "${moto_pid:-}" ] && kill "$moto_pid" 2>/dev/null || true
  [ -n "${rules_pid:-}" ] && kill "$rules_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== moto server on 127.0.0.1:$port"
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ECS_SERVICE_RUNNING=100 "$tools/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
# The provider reaches moto through the rig's AWS rules (tests/rig/awsrules.py): what AWS
# refuses and moto accepts is refused here too (docs/aws-emulator-gaps.md).
moto_port="$port"
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
echo '{"rules": []}' >"$work/faults.json"
"$tools/moto/bin/python" "$root/tests/rig/faultproxy.py" "$port" "http://127.0.0.1:$moto_port" "$work/faults.json" --aws-rules >"$work/rules.log" 2>&1 &
rules_pid=$!
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "== AWS rules proxy on 127.0.0.1:$port"

mirror="$work/mirror/registry.terraform.io/edulibra/edulibra/0.1.0/linux_amd64"
mkdir -p "$mirror" "$work/home"
cp "$target/debug/terraform-provider-edulibra" "$mirror/terraform-provider-edulibra_v0.1.0"
cat >"$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/edulibra/edulibra"]
  }
  direct { exclude = ["registry.terraform.io/edulibra/edulibra"] }
}
RC
mkdir -p "$work/examples" "$work/modules"
example="${EXAMPLE:-dev}"
cp -r "$root/examples/$example" "$work/examples/$example"
cp -r "$root/modules/edulibra" "$work/modules/edulibra"

export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 HOME="$work/home"
# The moto emulator lacks these APIs (docs/aws-emulator-gaps.md): the provider leaves them out.
TF_VAR_skip_resource_types="$(python3 -c 'import json, sys; print(json.dumps(list(json.load(open(sys.argv[1])))))' "$root/tests/rig/moto-gaps.json")"
export TF_VAR_skip_resource_types
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1
tf="$tools/bin/terraform"
cd "$work/examples/$example"
echo "== terraform init (offline, from the filesystem mirror)"
"$tf" init -input=false -no-color >/dev/null
echo "== terraform plan"
"$tf" plan -input=false -no-color -out=tfplan -var "aws_endpoint=http://127.0.0.1:$port" | tail -n 3
"$tf" show -json tfplan >plan.json
echo "== edulibra-validate gate"
set +e
"$target/debug/edulibra-validate" check plan.json --waivers "$root/examples/$example/waivers.yaml" --format text >gate.txt
gate=$?
set -e
tail -n "${GATE_LINES:-25}" gate.txt
cp plan.json "${KEEP_PLAN:-/dev/null}" 2>/dev/null || true
echo "== gate exit code: $gate (0 pass, 1 findings, 2 could not judge)"
if [ "$gate" -ne 0 ]; then
  echo "== the gate did not pass: no apply" >&2
  exit 1
fi
echo "== terraform apply (the plan the gate judged)"
"$tf" apply -input=false -no-color tfplan | tail -n 16
echo "== outputs"
"$tf" output -no-color
echo "== terraform destroy"
"$tf" destroy -auto-approve -input=false -no-color -var "aws_endpoint=http://127.0.0.1:$port" | tail -n 2
