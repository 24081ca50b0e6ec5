# Sourced by the scripts: the toolchains the web build uses besides the stable default.
# shellcheck shell=bash

# The nightly that builds the planner's release wasm with -Zbuild-std (scripts/build-web.sh).
# Pinned: build-std flags change between nightlies (panic_immediate_abort became a panic strategy
# in 2025). Its rustc is 1.97.0-nightly (e50aa6fba 2026-05-19).
WEB_NIGHTLY=nightly-2026-05-20

# Whether the pinned nightly is installed with what build-std for wasm32 needs.
nightly_ready() {
    rustup run "$WEB_NIGHTLY" rustc --version >/dev/null 2>&1 &&
        rustup component list --toolchain "$WEB_NIGHTLY" --installed 2>/dev/null | grep -q '^rust-src' &&
        rustup target list --toolchain "$WEB_NIGHTLY" --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}
