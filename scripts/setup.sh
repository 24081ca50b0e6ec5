#!/usr/bin/env bash
# Installs what byocni's build and tests need, skipping whatever is already there.
# Safe to re-run. Tools land in ~/.cargo/bin and in $BYOCNI_TOOLS (default ~/.cache/byocni).
#
#   scripts/setup.sh            everything (web build, browser tests, az parser, shellcheck)
#   scripts/setup.sh web        only what building and serving the planner needs
set -euo pipefail

what=${1:-all}
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TERSER_VERSION=5.51.2
ZOPFLI_VERSION=1.0.15
AZ_CLI_VERSION=2.91.0
tools=${BYOCNI_TOOLS:-$HOME/.cache/byocni}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$tools"
export PATH="$HOME/.cargo/bin:$tools/npm/node_modules/.bin:$PATH"

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

# The wasm-bindgen CLI must equal the crate version in Cargo.lock exactly.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock" 2>/dev/null || true
}

apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$apt_updated" -eq 0 ]; then
        say "apt-get update"
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
    say "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# shellcheck source=scripts/toolchains.sh
source "$root/scripts/toolchains.sh"

setup_web() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
    # The size-optimised release wasm (scripts/build-web.sh); optional: without it the stable
    # toolchain builds a larger wasm.
    if ! nightly_ready; then
        say "installing $WEB_NIGHTLY (minimal, rust-src, wasm32) for the size-optimised planner build"
        rustup toolchain install "$WEB_NIGHTLY" --profile minimal --component rust-src \
            --target wasm32-unknown-unknown >/dev/null 2>&1 ||
            say "could not install $WEB_NIGHTLY: the planner will be built with the stable toolchain"
    fi
    if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
        say "installing trunk $TRUNK_VERSION (about 11 minutes on 2 cores, once)"
        cargo install trunk --version "$TRUNK_VERSION" --locked
    fi
    local wbg
    wbg=$(wasm_bindgen_version)
    wbg=${wbg:-0.2.130}
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
        say "installing wasm-bindgen-cli $wbg (about 4 minutes, once)"
        cargo install wasm-bindgen-cli --version "$wbg" --force
    fi
    if ! wasm-opt --version 2>/dev/null | grep -q "version_$BINARYEN_VERSION"; then
        say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
        mkdir -p "$tools/npm"
        npm install --silent --prefix "$tools/npm" "binaryen@$BINARYEN_VERSION" >/dev/null
    fi
    # The release build's minifier and gzip compressor (scripts/post-build.mjs).
    if ! grep -qs "\"version\": \"$TERSER_VERSION\"" "$tools/npm/node_modules/terser/package.json" ||
        ! grep -qs "\"version\": \"$ZOPFLI_VERSION\"" "$tools/npm/node_modules/@gfx/zopfli/package.json"; then
        say "installing terser@$TERSER_VERSION and @gfx/zopfli@$ZOPFLI_VERSION (npm)"
        mkdir -p "$tools/npm"
        npm install --silent --prefix "$tools/npm" "terser@$TERSER_VERSION" "@gfx/zopfli@$ZOPFLI_VERSION" >/dev/null ||
            say "could not install them: the planner is served unminified, gzipped by zlib"
    fi
}

setup_tests() {
    apt_install chromium chromium-driver shellcheck
    if ! "$tools/az-venv/bin/az" version >/dev/null 2>&1; then
        say "installing azure-cli $AZ_CLI_VERSION into $tools/az-venv (about 2 minutes, once)"
        python3 -m venv "$tools/az-venv"
        "$tools/az-venv/bin/pip" install -q "azure-cli==$AZ_CLI_VERSION"
    fi
    if { [ ! -d "$root/tests/e2e/node_modules/playwright-core" ] || [ ! -d "$root/tests/e2e/node_modules/axe-core" ]; } &&
        [ -f "$root/tests/e2e/package.json" ]; then
        say "installing playwright-core and axe-core for the browser end-to-end tests"
        (cd "$root/tests/e2e" && { npm ci --silent --no-audit --no-fund >/dev/null 2>&1 || npm install --silent --no-audit --no-fund >/dev/null; })
    fi
}

case "$what" in
    web) setup_web ;;
    tests) setup_tests ;;
    all) setup_web; setup_tests ;;
    *) echo "usage: scripts/setup.sh [all|web|tests]" >&2; exit 2 ;;
esac
