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
# What the demo writes stays for a person to read: the full plan, the gate's reports, the apply log.
keep="$root/.demo"
rm -rf "$keep" && mkdir -p "$keep"
report() { python3 "$root/scripts/demo_report.py" "$@"; }
cd "$work/examples/$example"

echo
echo "== 1. terraform init (offline, from the filesystem mirror)"
"$tf" init -input=false -no-color >"$keep/init.txt"
grep -E "Installed|Terraform has been successfully initialized" "$keep/init.txt" || cat "$keep/init.txt"

echo
echo "== 2. terraform plan of examples/$example"
"$tf" plan -input=false -no-color -out=tfplan -var "aws_endpoint=http://127.0.0.1:$port" >"$keep/plan.txt"
grep -E "^Plan:|No changes" "$keep/plan.txt" || true
"$tf" show -json tfplan >plan.json
cp plan.json "$keep/plan.json"
echo "What the environment expands into, by AWS resource type (the whole plan: .demo/plan.txt):"
report plan plan.json
cp plan.json "${KEEP_PLAN:-/dev/null}" 2>/dev/null || true

echo
echo "== 3. edulibra-validate: the policy gate on the plan"
set +e
"$target/debug/edulibra-validate" check plan.json --waivers "$root/examples/$example/waivers.yaml" \
  --output text=- --output json="$keep/gate.json" --output sarif="$keep/gate.sarif" | tee "$keep/gate.txt"
gate=${PIPESTATUS[0]}
set -e
echo "The gate in numbers:"
report gate "$keep/gate.json"
echo "Exit code: $gate (0 pass, 1 findings, 2 could not judge)"
if [ "$gate" -ne 0 ]; then
  echo "== the gate did not pass: no apply" >&2
  exit 1
fi

echo
echo "== 4. terraform apply of the plan the gate judged"
TF_LOG=INFO TF_LOG_PATH="$keep/apply.log" "$tf" apply -input=false -no-color tfplan >"$keep/apply.txt"
grep -E "^Apply complete" "$keep/apply.txt"
echo "Timeline (from the provider's log, .demo/apply.log):"
report timeline "$keep/apply.log"

echo
echo "== 5. outputs"
"$tf" output -no-color

echo
echo "== 6. terraform destroy"
"$tf" destroy -auto-approve -input=false -no-color -var "aws_endpoint=http://127.0.0.1:$port" >"$keep/destroy.txt"
grep -E "^Destroy complete" "$keep/destroy.txt"

cat <<NEXT

== What to try next
- examples/prod: the production stage (multi-AZ, a NAT gateway per zone, deletion protection;
  its apply needs a hosted zone and certificates, README.md "Quick start: platform engineers").
- .demo/ holds what this run wrote: plan.txt (the whole plan), gate.txt, gate.json and
  gate.sarif (the gate's reports), apply.log (the provider's log), destroy.txt.
- Break a rule and watch the gate stop the apply: remove a waiver from examples/$example/waivers.yaml.
- Write a rule of your own: README.md, "Quick start: security reviewers".
- make test runs every test; docs/install.md installs the provider and the gate without Rust.

== Again, and cleaning up
Run it again with make demo (a warm run skips the build). Nothing is left running: the
emulator stopped and the environment was destroyed. rm -rf .demo removes this run's files;
make clean removes the tools in .tools/.
NEXT
