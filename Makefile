# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/edulibra/target
export CHECKPOINT_DISABLE := 1
TOOLS := $(CURDIR)/.tools
PROVIDER_BIN := $(CARGO_TARGET_DIR)/debug/terraform-provider-edulibra
VALIDATE_BIN := $(CARGO_TARGET_DIR)/debug/edulibra-validate

.PHONY: tools build test demo bench bench-tools bench-validator validator-dist docs fmt clean fuzz release mirror

tools:
	bash scripts/install-tools.sh

# Builds the binaries through the test build: `cargo build --bins` resolves the dependencies'
# features without the dev-dependencies, which would compile every AWS SDK crate a second time.
build:
	@echo "== build: the provider, the gate and the tests (cargo test --workspace --no-run, dev profile)."
	@echo "   The first build compiles about 470 crates, the AWS SDK's among them: about 12 minutes on"
	@echo "   2 cores (docs/benchmarks.md, Cold build); later ones only what changed. Cargo lists each crate."
	cargo test --workspace --no-run

# Every test: unit, property, policy and end-to-end (real Terraform, moto).
test: tools build
	cargo test --workspace --no-fail-fast -- --test-threads=2

demo: tools build
	bash scripts/demo.sh

# Criterion benches of the provider (handshake, expansion), in the release profile.
bench:
	cargo bench -p terraform-provider-edulibra

# checkov and Go OPA for the validator comparison, in .tools/bench (not needed by `make test`).
bench-tools:
	test -x $(TOOLS)/bench/bin/checkov || (python3 -m venv $(TOOLS)/bench && \
	  $(TOOLS)/bench/bin/pip install --quiet checkov==3.3.30 && \
	  $(TOOLS)/bench/bin/pip install --quiet --ignore-requires-python opa-golib-python-bindings==0.4.4)

# The gate as CI pipelines should run it: $(CARGO_TARGET_DIR)/dist/edulibra-validate ([profile.dist]).
validator-dist:
	cargo build --profile dist -p edulibra-validate

bench-validator: bench-tools validator-dist
	python3 bench/compare_validators.py

# Coverage-guided fuzzing of the validator, FUZZ_SECONDS per target (default 600); not in `make test`.
fuzz:
	test -x $(TOOLS)/cargo-fuzz/bin/cargo-fuzz || cargo install --locked --root $(TOOLS)/cargo-fuzz cargo-fuzz
	bash scripts/fuzz.sh

# Regenerates docs/rules.md (the rule catalogue) from the rules' metadata, and the Registry
# docs (docs/index.md, docs/resources, docs/data-sources) from the provider's schema.
docs: tools build
	python3 scripts/render_rules_doc.py $(VALIDATE_BIN) > docs/rules.md
	UPDATE_DOCS=1 cargo test -p edulibra-e2e --test provider_docs

# Release archives in dist/ for this machine's platform, from the release profile: the provider's
# zip, manifest and SHA256SUMS (signed with GPG_KEY when given) and the gate's tar.gz. Refuses
# a dirty tree and a version without a CHANGELOG.md entry (docs/install.md).
release:
	python3 scripts/release.py archives --out dist --check-only
	cargo build --release -p terraform-provider-edulibra -p edulibra-validate
	python3 scripts/release.py archives --out dist $(if $(GPG_KEY),--gpg-key $(GPG_KEY))

# A filesystem mirror, and the network mirror protocol's files, in DIR from dist/.
mirror:
	@test -n "$(DIR)" || { echo "usage: make mirror DIR=/path/to/mirror (after make release)"; exit 2; }
	python3 scripts/release.py mirror --from dist --out $(DIR)

fmt:
	cargo fmt --all

clean:
	rm -rf $(TOOLS)
