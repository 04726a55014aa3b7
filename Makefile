# The two commands: `make dev` brings the whole hub up locally; `make test` runs every test.
# Both install what is missing first (scripts/setup.sh), quickly when everything is there.

SHELL := /bin/bash
WASM_CRATES := -p linkhub-core -p linkhub-analysis -p linkhub-imaging -p linkhub-contract -p linkhub-cloudflare -p linkhub-gateway -p linkhub-ingest -p linkhub-products -p linkhub-storefront \
	-p linkhub-caption-parser -p linkhub-auto-tagger -p linkhub-thumbnailer -p linkhub-whatsapp -p linkhub-contract-worker
SPIN_COMPONENTS := -p linkhub-spin-gateway -p linkhub-spin-ingest -p linkhub-spin-products -p linkhub-spin-storefront -p linkhub-spin-metadata \
	-p linkhub-spin-caption-parser -p linkhub-spin-auto-tagger -p linkhub-spin-thumbnailer -p linkhub-spin-whatsapp -p linkhub-spin-drain -p linkhub-spin-dashboard
# Worker crates and Spin components only make sense on wasm: linted there, not built natively.
WORKER_CRATES := --exclude linkhub-cloudflare --exclude linkhub-gateway --exclude linkhub-ingest --exclude linkhub-products --exclude linkhub-storefront \
	--exclude linkhub-caption-parser --exclude linkhub-auto-tagger --exclude linkhub-thumbnailer --exclude linkhub-whatsapp \
	--exclude linkhub-contract-worker --exclude linkhub-contract-spin $(subst -p ,--exclude ,$(SPIN_COMPONENTS))
# The Spin test host (wasmtime) is built, linted and tested on its own: unified with the rest of the
# workspace it would change shared dependencies' features, and wasmtime would be built twice.
HOST := linkhub-spin-host
# The native selection of `make unit`. Every native cargo call of `make test` uses it: cargo
# resolves features per selection, and `-p linkhub-cli` alone (other serde features) rebuilt
# serde, the core and everything between (142 s of the eval step).
NATIVE := --workspace --exclude $(HOST) $(WORKER_CRATES)
WASI_CRATES := -p linkhub-core -p linkhub-analysis -p linkhub-imaging -p linkhub-contract -p linkhub-spin $(SPIN_COMPONENTS) \
	-p linkhub-contract-spin

.PHONY: dev spin-up test setup build build-dev build-all fmt lint lint-native lint-wasm unit eval e2e budgets sizes bench \
	bench-catalog bench-storefront bench-thumbnails bench-webhook clean-state

# Clippy as the compiler of our own native crates (cargo's RUSTC_WORKSPACE_WRAPPER; dependencies
# still go through plain rustc): `make test`'s native builds lint what they compile, so no crate is
# compiled once to be checked and again to be tested (wasmtime alone took six minutes of `cargo
# clippy`). CLIPPY_ARGS is how cargo-clippy hands `-- -D warnings` to clippy-driver. The release
# wasm builds clear it (scripts/build-*.sh): a lint driver is not what ships.
LINTED = export RUSTC_WORKSPACE_WRAPPER="$$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)" \
	CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__; \
	[ -x "$$RUSTC_WORKSPACE_WRAPPER" ] || { echo "clippy-driver not found (rustup component add clippy)" >&2; exit 1; };

# `make dev` builds the Workers in the `wasm-dev` profile (no LTO, incremental), so a one-line
# change is rebuilt in seconds; `make test` and deployments use release.
dev: setup build-dev
	bash scripts/dev.sh

build-dev:
	$(LINTED) cargo build -p linkhub-sandbox -p linkhub-cli
	WORKER_PROFILE=wasm-dev bash scripts/build-workers.sh

# The Spin build in the test host (no Spin install needed); `spin build && spin up` with Spin 4.
spin-up: setup build
	cargo build -p $(HOST)
	bash scripts/spin-up.sh

# Lint runs inside the native test builds (LINTED above); the wasm targets are checked beside the
# release builds in build-all.
test: setup fmt unit eval build-all e2e budgets sizes

# What `make test` builds: the Workers and Spin components (release wasm), and beside them clippy
# on both wasm targets, which fills the core the single-threaded LTO links leave idle. Clippy's
# check builds hold target/debug's cargo lock (their build scripts and proc macros), the release
# builds target/release's; the native steps that need target/debug run before and after.
build-all:
	$(LINTED) cargo build $(NATIVE) --all-targets -q
	$(LINTED) $(MAKE) -s lint-wasm > target/lint-wasm.log 2>&1 & lint=$$!; \
	bash scripts/build-workers.sh && SPIN_CHECK_BIN=target/debug/linkhub-spin-check bash scripts/build-spin.sh; status=$$?; \
	wait $$lint || { cat target/lint-wasm.log; exit 1; }; exit $$status

setup:
	bash scripts/setup.sh

build:
	$(LINTED) cargo build -p linkhub-sandbox
	bash scripts/build-workers.sh
	$(LINTED) bash scripts/build-spin.sh

# `make lint` on its own: every check clippy makes in `make test`, without running tests.
lint: fmt lint-native lint-wasm

fmt:
	cargo fmt --all --check

lint-native:
	cargo clippy --workspace --all-targets $(WORKER_CRATES) --exclude $(HOST) -- -D warnings
	cargo clippy -p $(HOST) --all-targets -- -D warnings

lint-wasm:
	cargo clippy $(WASM_CRATES) --target wasm32-unknown-unknown -- -D warnings
	cargo clippy $(WASI_CRATES) --target wasm32-wasip2 -- -D warnings

# Every native target is built linted (binaries, tests, benches and examples: `build --all-targets`
# also makes the binaries later steps run); then the tests run, doctests included. The Spin test
# host's binary is built here too, for the e2e run.
unit:
	$(LINTED) cargo build $(NATIVE) --all-targets -q && cargo test $(NATIVE) --exclude linkhub-e2e
	$(LINTED) cargo test -p $(HOST) --all-targets --no-run -q && cargo test -p $(HOST) && cargo build -p $(HOST)

# The same scenarios on both platforms: workerd, then the Spin components in the test host.
e2e:
	$(LINTED) cargo build $(NATIVE) --all-targets -q && E2E_SELECTION="$(NATIVE)" bash scripts/e2e.sh
	$(LINTED) cargo build -p $(HOST) && E2E_SELECTION="$(NATIVE)" bash scripts/e2e-spin.sh

# The storefront's budgets (gzip page sizes, Lighthouse scores) with its served times, on local
# workerd; `make test` runs it on what build-all built.
budgets:
	bash scripts/bench-storefront.sh

sizes:
	bash scripts/wasm-sizes.sh

# Forget the local D1/KV/R2/Queues state of `make dev`.
clean-state:
	rm -rf .wrangler/state .spin

# Caption analysis quality: the project's scorer on the dev set and our own fixtures, with floors.
eval:
	$(LINTED) cargo build $(NATIVE) --all-targets -q && LINKHUB_BIN=target/debug/linkhub bash scripts/eval-analysis.sh

# Speed figures (not part of `make test`): caption analysis natively and in V8 (Node's WASI).
bench: bench-thumbnails
	bash scripts/bench-analysis.sh

# Catalog search and cache figures: 100,000 products natively and on local D1 through workerd.
bench-catalog: setup
	$(LINTED) cargo build $(NATIVE) --all-targets -q
	bash scripts/build-workers.sh
	bash scripts/bench-catalog.sh

bench-storefront: setup
	$(LINTED) cargo build $(NATIVE) --all-targets -q
	bash scripts/build-workers.sh
	bash scripts/bench-storefront.sh

# The WhatsApp webhook's acknowledgement latency at 200 deliveries/s on local workerd.
bench-webhook: setup
	$(LINTED) cargo build $(NATIVE) --all-targets -q
	bash scripts/build-workers.sh
	bash scripts/bench-webhook.sh

bench-thumbnails: setup
	bash scripts/bench-thumbnails.sh
