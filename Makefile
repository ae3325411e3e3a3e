# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/edulibra/target
export CHECKPOINT_DISABLE := 1
TOOLS := $(CURDIR)/.tools
PROVIDER_BIN := $(CARGO_TARGET_DIR)/debug/terraform-provider-edulibra
VALIDATE_BIN := $(CARGO_TARGET_DIR)/debug/edulibra-validate

.PHONY: tools build test test-unit test-e2e demo bench fmt clean

tools:
	bash scripts/install-tools.sh

build:
	cargo build --workspace --bins

# Every test: unit, property, policy and end-to-end (real Terraform, moto).
test: tools build
	cargo test --workspace --no-fail-fast -- --test-threads=2

demo: tools build
	bash scripts/demo.sh

bench: build
	cargo bench -p terraform-provider-edulibra

fmt:
	cargo fmt --all

clean:
	rm -rf $(TOOLS)
