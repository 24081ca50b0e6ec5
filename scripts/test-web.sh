#!/usr/bin/env bash
# The web planner's browser tests: component tests with wasm-bindgen-test, then build dist/
# (release, as served) and drive it in Debian's Chromium with playwright-core (tests/e2e).
# Screenshots and figures land in tests/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:${BYOCNI_TOOLS:-$HOME/.cache/byocni}/npm/node_modules/.bin:$PATH"
# Component tests: wasm-bindgen-test in headless Chromium (web/webdriver.json sets the flags).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
    cargo test --locked -p byocni-web --target wasm32-unknown-unknown --test components
bash scripts/build-web.sh
if [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/axe-core ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund)
fi
node --test tests/e2e/planner.test.mjs
