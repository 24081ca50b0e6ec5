#!/usr/bin/env bash
# byocni's whole test suite: the README's test command, and what CI (.ci/run) runs.
# Installs what is missing first (scripts/setup.sh), then: format, lints (native and wasm32),
# every Rust test (unit, snapshot, property, CLI end-to-end, simulated provisioning, the real az
# parser, shellcheck of the exports, fuzz corpus replay), shellcheck of the project's own scripts,
# then the web planner's browser tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:${BYOCNI_TOOLS:-$HOME/.cache/byocni}/npm/node_modules/.bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup"
bash scripts/setup.sh all

step "format"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32: the core, the web planner and its export worker)"
cargo clippy -p byocni-core --target wasm32-unknown-unknown --locked -- -D warnings
cargo clippy -p byocni-web -p byocni-web-exports --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
# The page alone, as Trunk builds it: its core without `path-errors`.
cargo clippy -p byocni-web --target wasm32-unknown-unknown --locked -- -D warnings

step "Rust tests"
cargo test --workspace --locked
# The core as the web planner builds it (without `fast-json`: plans go through a JSON value).
cargo test -p byocni-core --no-default-features --lib --locked

step "shellcheck (the project's own scripts)"
shellcheck scripts/*.sh tests/e2e/*.sh .ci/run

step "web planner (browser tests)"
bash scripts/test-web.sh
