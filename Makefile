# The two commands: `make dev` brings the whole hub up locally; `make test` runs every test.
# Both install what is missing first (scripts/setup.sh), quickly when everything is there.

SHELL := /bin/bash
WASM_CRATES := -p linkhub-core -p linkhub-analysis -p linkhub-imaging -p linkhub-contract -p linkhub-cloudflare -p linkhub-gateway -p linkhub-ingest \
	-p linkhub-caption-parser -p linkhub-auto-tagger -p linkhub-thumbnailer -p linkhub-contract-worker
SPIN_COMPONENTS := -p linkhub-spin-gateway -p linkhub-spin-ingest -p linkhub-spin-metadata \
	-p linkhub-spin-caption-parser -p linkhub-spin-auto-tagger -p linkhub-spin-thumbnailer -p linkhub-spin-drain -p linkhub-spin-dashboard
# Worker crates and Spin components only make sense on wasm: linted there, not built natively.
WORKER_CRATES := --exclude linkhub-cloudflare --exclude linkhub-gateway --exclude linkhub-ingest \
	--exclude linkhub-caption-parser --exclude linkhub-auto-tagger --exclude linkhub-thumbnailer \
	--exclude linkhub-contract-worker --exclude linkhub-contract-spin $(subst -p ,--exclude ,$(SPIN_COMPONENTS))
# The Spin test host (wasmtime) is built, linted and tested on its own: unified with the rest of the
# workspace it would change shared dependencies' features, and wasmtime would be built twice.
HOST := linkhub-spin-host
WASI_CRATES := -p linkhub-core -p linkhub-analysis -p linkhub-imaging -p linkhub-contract -p linkhub-spin $(SPIN_COMPONENTS) \
	-p linkhub-contract-spin

.PHONY: dev spin-up test setup build build-all lint unit eval e2e sizes bench bench-thumbnails clean-state

dev: setup build
	bash scripts/dev.sh

# The Spin build in the test host (no Spin install needed); `spin build && spin up` with Spin 4.
spin-up: setup build
	cargo build -p $(HOST)
	bash scripts/spin-up.sh

test: setup lint unit eval build-all e2e sizes

# What `make test` builds: the Workers and Spin components (release wasm), and beside them the
# Spin test host (debug, native). The host's build takes another cargo lock (target/debug, not
# target/release), so it fills the core the single-threaded LTO links leave idle.
build-all:
	cargo build -q -p $(HOST) > target/spin-host-build.log 2>&1 & host=$$!; \
	$(MAKE) build; status=$$?; \
	wait $$host || { tail -30 target/spin-host-build.log; exit 1; }; exit $$status

setup:
	bash scripts/setup.sh

build:
	cargo build -p linkhub-sandbox
	bash scripts/build-workers.sh
	bash scripts/build-spin.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets $(WORKER_CRATES) --exclude $(HOST) -- -D warnings
	cargo clippy -p $(HOST) --all-targets -- -D warnings
	cargo clippy $(WASM_CRATES) --target wasm32-unknown-unknown -- -D warnings
	cargo clippy $(WASI_CRATES) --target wasm32-wasip2 -- -D warnings

unit:
	cargo test --workspace --exclude linkhub-e2e --exclude $(HOST) $(WORKER_CRATES)
	cargo test -p $(HOST)

# The same scenarios on both platforms: workerd, then the Spin components in the test host.
e2e:
	bash scripts/e2e.sh
	cargo build -p $(HOST)
	bash scripts/e2e-spin.sh

sizes:
	bash scripts/wasm-sizes.sh

# Forget the local D1/KV/R2/Queues state of `make dev`.
clean-state:
	rm -rf .wrangler/state .spin

# Caption analysis quality: the project's scorer on the dev set and our own fixtures, with floors.
eval:
	bash scripts/eval-analysis.sh

# Speed figures (not part of `make test`): caption analysis natively and in V8 (Node's WASI).
bench: bench-thumbnails
	bash scripts/bench-analysis.sh

bench-thumbnails: setup
	bash scripts/bench-thumbnails.sh
