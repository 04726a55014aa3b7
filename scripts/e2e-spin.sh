#!/usr/bin/env bash
# The same end-to-end scenarios as on workerd, against the Spin components in the test host
# (scripts/spin-stack.sh), on their own ports and a fresh state directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# The WhatsApp secrets are the local ones (scripts/whatsapp-secrets.sh, exported by the stack):
# the tests sign deliveries with the app secret.
export SPIN_PORT=8796 SPIN_SANDBOX_PORT=8798 SPIN_STATE_DIR=target/spin-e2e-state SPIN_MANIFEST=target/spin-e2e.toml
export SPIN_VARIABLE_SUBMIT_LIMIT_PER_SELLER_PER_MINUTE=20 SPIN_VARIABLE_SUBMIT_LIMIT_PER_CLIENT_PER_MINUTE=10000
export SPIN_VARIABLE_AUTH_LIMIT_PER_CLIENT_PER_MINUTE=10000
export SPIN_VARIABLE_PAGE_LIMIT_PER_CLIENT_PER_MINUTE=10000
# The shipped manifest plus the test-only contract component (tests/contract-spin) on the same
# stores, at /_contract; the shipped components are the ones spin.toml names.
env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo build -q --release --target wasm32-wasip2 -p linkhub-contract-spin
{ sed 's#^source = "target/#source = "../target/#; s#^files = \[{ source = "#files = [{ source = "../#' spin.toml
  cat <<'TOML'

[[trigger.http]]
route = "/_contract"
component = "contract"

[component.contract]
source = "../target/wasm32-wasip2/release/linkhub_contract_spin.wasm"
sqlite_databases = ["default"]
key_value_stores = ["objects"]
TOML
} > "$SPIN_MANIFEST"
source scripts/spin-stack.sh
rm -rf "$SPIN_STATE_DIR"
trap 'stop_spin_stack' EXIT
start_spin_stack
# Spin's ingest component may not call out, so the http contract suite runs on workerd only.
CONTRACT_SUITES=sql,kv,blobs,queue LINKHUB_URL="http://127.0.0.1:$SPIN_PORT" SANDBOX_URL="http://127.0.0.1:$SPIN_SANDBOX_PORT" \
  cargo test ${E2E_SELECTION:--p linkhub-e2e} --test hub --quiet -- --test-threads=4
