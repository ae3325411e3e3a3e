#!/usr/bin/env bash
# Coverage-guided fuzzing of the gate (cargo fuzz / libFuzzer): the plan loader plus the
# built-in rules on whatever loads, and the policy loader plus evaluation. Corpora are seeded
# from ../shared/fixtures/plans (when present) and the project's own policies, and kept outside
# the clone. FUZZ_SECONDS per target (default 600), FUZZ_TARGETS (default both). Findings land in
# validator/fuzz/artifacts.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${EDULIBRA_TOOLS_DIR:-$root/.tools}"
target="${CARGO_TARGET_DIR:-$root/target}"
seconds="${FUZZ_SECONDS:-600}"
corpus="$target/fuzz-corpus"
mkdir -p "$corpus/plan" "$corpus/policy"
if [ -d "$root/../shared/fixtures/plans" ]; then
  cp -n "$root"/../shared/fixtures/plans/*.json "$corpus/plan/" 2>/dev/null || true
else
  echo "fuzz: ../shared/fixtures/plans is missing; the plan corpus starts from the project's own inputs" >&2
fi
printf '%s' '{"format_version":"1.2","resource_changes":[]}' >"$corpus/plan/minimal.json"
find "$root/policies" -name '*.rego' -exec cp -n {} "$corpus/policy/" \;
export PATH="$tools/cargo-fuzz/bin:$PATH"
# cargo fuzz needs nightly flags; the machine's stable toolchain accepts them with this switch.
export RUSTC_BOOTSTRAP=1
cd "$root/validator/fuzz"
for t in ${FUZZ_TARGETS:-plan policy}; do
  # A policy whose parsing overruns the time limit leaves its parser thread running (it cannot
  # be stopped, see rules::parses_in_time); LeakSanitizer would report that memory as leaked.
  leaks=1
  [ "$t" = policy ] && leaks=0
  echo "== fuzz $t for ${seconds}s"
  cargo fuzz run --target-dir "$target/fuzz" "$t" "$corpus/$t" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -detect_leaks="$leaks" \
    -print_final_stats=1 2>&1 | grep -v '^"' | tail -n 60
done
