#!/usr/bin/env bash
# Builds the web planner into dist/ (release, size-optimised): `trunk build --release --offline`
# with the `release-web` profile (opt-level "z", LTO) and `wasm-opt -Oz`.
#
# When the pinned nightly toolchain is installed (scripts/setup.sh web installs it), the wasm is
# built with it and `-Zbuild-std` under `panic = immediate-abort`: the standard library is
# compiled for size together with the app, and panics trap instead of formatting a message, which
# drops the panic and formatting machinery from the wasm (about 20 KB of the gzip transfer, see
# docs/benchmarks.md). Planning never panics on user input, so nothing a user sees changes. The
# standard library is built with its `optimize_for_size` feature (smaller sorting, formatting and
# string algorithms: about 6 KB less gzip).
# Without that toolchain, or with BYOCNI_WEB_STABLE=1, the stable toolchain builds it.
# Release builds then go through scripts/post-build.mjs (Trunk's post_build hook): terser,
# inlining, short wasm-bindgen names, zopfli gzip twins. Trunk's own JavaScript minifier gives up
# on wasm-bindgen's module with a "Failed to minify JS" warning; terser minifies it instead.
#
#   scripts/build-web.sh [trunk build args...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:${BYOCNI_TOOLS:-$HOME/.cache/byocni}/npm/node_modules/.bin:$PATH"
# shellcheck source=scripts/toolchains.sh
source scripts/toolchains.sh

# Trunk builds offline (its own downloads fail here), so what cargo needs is fetched first; a
# no-op once it is cached. `fetch_locked [cargo fetch args...]`
fetch_locked() {
    cargo fetch --locked --offline "$@" >/dev/null 2>&1 || cargo fetch --locked "$@"
}
fetch_locked

if [ "${BYOCNI_WEB_STABLE:-0}" != 1 ] && nightly_ready; then
    echo "build-web: $WEB_NIGHTLY, -Zbuild-std, panic = immediate-abort" >&2
    # -Zbuild-std resolves the standard library's own dependencies (wasip1, libc, ...) from the
    # registry, as its library/Cargo.lock pins them: on a fresh machine they are not cached yet.
    RUSTUP_TOOLCHAIN=$WEB_NIGHTLY fetch_locked \
        --manifest-path "$(rustc "+$WEB_NIGHTLY" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
    RUSTUP_TOOLCHAIN=$WEB_NIGHTLY \
        CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
        CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
        RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
        trunk build --release --offline "$@"
else
    echo "build-web: stable toolchain (no $WEB_NIGHTLY with rust-src and wasm32: a larger wasm)" >&2
    trunk build --release --offline "$@"
fi
