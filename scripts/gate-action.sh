#!/usr/bin/env bash
# The body of action.yml: installs edulibra-validate from a release archive, verifies its
# checksum, and runs the gate on a plan. Inputs arrive as EDULIBRA_* variables (see action.yml);
# it runs the same outside GitHub, against a directory of archives (tests/tests/install.rs).
set -euo pipefail

plan=${EDULIBRA_PLAN:?the plan input is required}
version=${EDULIBRA_VERSION:?the version input is required}
fail_on=${EDULIBRA_FAIL_ON:-medium}
base=${EDULIBRA_RELEASE_URL:-}
if [[ -z "$base" ]]; then
  if [[ -z "${EDULIBRA_ACTION_REPOSITORY:-}" ]]; then
    echo "edulibra gate: set release-url: where the edulibra-validate release archives are" >&2
    exit 2
  fi
  base="https://github.com/${EDULIBRA_ACTION_REPOSITORY}/releases/download/v${version}"
fi

case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=$(uname -s | tr 'A-Z' 'a-z') ;; esac
case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
archive="edulibra-validate_${version}_${os}_${arch}.tar.gz"
sums="edulibra-validate_${version}_SHA256SUMS"

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/edulibra-gate.XXXXXX")
fetch() {
  if [[ -d "$base" ]]; then
    cp "$base/$1" "$work/$1"
  else
    # Release downloads may be refused for a moment: retried, never half-written.
    curl --fail --silent --show-error --location --retry 4 --retry-all-errors \
      --output "$work/$1" "${base%/}/$1"
  fi
}
fetch "$archive" || { echo "edulibra gate: cannot fetch $archive from $base" >&2; exit 2; }
fetch "$sums" || { echo "edulibra gate: cannot fetch $sums from $base" >&2; exit 2; }

expected=$(awk -v f="$archive" '$2 == f { print $1 }' "$work/$sums")
actual=$(sha256sum "$work/$archive" | awk '{ print $1 }')
if [[ -z "$expected" ]]; then
  echo "edulibra gate: $sums lists no $archive" >&2
  exit 2
fi
if [[ "$expected" != "$actual" ]]; then
  echo "edulibra gate: checksum mismatch for $archive: expected $expected, got $actual" >&2
  exit 2
fi
tar -xzf "$work/$archive" -C "$work"

args=(check "$plan" --fail-on "$fail_on")
if [[ -n "${EDULIBRA_WAIVERS:-}" ]]; then args+=(--waivers "$EDULIBRA_WAIVERS"); fi
while IFS= read -r line; do
  line=${line#"${line%%[![:space:]]*}"}
  line=${line%"${line##*[![:space:]]}"}
  if [[ -n "$line" ]]; then args+=(--output "$line"); fi
done <<< "${EDULIBRA_OUTPUTS:-github=-}"
# The job summary GitHub shows on the run's page, when the runner offers one.
if [[ -n "${GITHUB_STEP_SUMMARY:-}" && "${EDULIBRA_OUTPUTS:-}" != *summary=* ]]; then
  args+=(--output "summary=$GITHUB_STEP_SUMMARY")
fi
if [[ -n "${EDULIBRA_ARGS:-}" ]]; then
  read -r -a extra <<< "$EDULIBRA_ARGS"
  args+=("${extra[@]}")
fi

set +e
"$work/edulibra-validate" "${args[@]}"
code=$?
set -e
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then echo "exit-code=$code" >> "$GITHUB_OUTPUT"; fi
exit "$code"
