#!/usr/bin/env bash
# Installs what is missing, builds byocni and runs it on the bundled example plan.
# (The web planner, issue 3, will make this serve the planner; until then it runs the CLI.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p byocni-cli
byocni=target/release/byocni
plan=${1:-target/example-plan.json}
[ -f "$plan" ] || "$byocni" new "$plan"
echo
echo "== byocni check $plan"
"$byocni" check "$plan" || true
echo
echo "== byocni export $plan --format bash"
"$byocni" export "$plan" --format bash
echo
echo "byocni is built at $PWD/$byocni; the plan is $plan. Try: $byocni explain"
