#!/usr/bin/env bash
# Installs what is missing, builds the web planner (release, size-optimised) and serves it on
# http://127.0.0.1:8080 (PORT=... to change), Brotli or gzip twins sent as built (scripts/serve.py).
# Everything runs in the browser; nothing leaves it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:${BYOCNI_TOOLS:-$HOME/.cache/byocni}/npm/node_modules/.bin:$PATH"
port=${PORT:-8080}
bash scripts/setup.sh web
bash scripts/build-web.sh
echo
echo "(the CLI: cargo build --release -p byocni-cli, then target/release/byocni --help)"
exec python3 scripts/serve.py "$port" dist
