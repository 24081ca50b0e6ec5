#!/usr/bin/env bash
# `byocni discover --all-subscriptions` on a large estate, served by the simulated az
# (tests/src/resource_graph.rs behind byocni-sim) with a fixed delay on every az call, against
# the one-subscription-at-a-time way it replaced (`az account list`, then `az network vnet list
# --subscription S` for each subscription) in the same run. Prints az calls and wall time.
#
#   bash bench/discover.sh                      # figures for docs/benchmarks.md
#   VNETS=20000 CLUSTERS=2000 SUBS=2000 DELAY_MS=200 bash bench/discover.sh
#   BASELINE_SUBS=100 bash bench/discover.sh    # baseline over the first 100 subscriptions only,
#                                               # extrapolated to all (marked as such)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
vnets=${VNETS:-20000}
clusters=${CLUSTERS:-2000}
subs=${SUBS:-2000}
delay=${DELAY_MS:-200}
baseline_subs=${BASELINE_SUBS:-$subs}

cargo build --release --locked -p byocni-cli -p byocni-tests --bin byocni --bin byocni-sim >&2
target=${CARGO_TARGET_DIR:-target}
byocni=$(realpath "$target/release/byocni")
sim=$(realpath "$target/release/byocni-sim")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/state"
ln -s "$sim" "$work/bin/az"
printf '{"vnets":%d,"clusters":%d,"subscriptions":%d}' "$vnets" "$clusters" "$subs" >"$work/state/graph-estate"
printf '%d' "$delay" >"$work/state/call-delay-ms"
cp tests/fixtures/seed.json "$work/plan.json"
export PATH="$work/bin:$PATH" BYOCNI_SIM_DIR="$work/state"

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
calls() { if [ -f "$work/state/calls.log" ]; then wc -l <"$work/state/calls.log"; else echo 0; fi; }
reset() { rm -f "$work/state/calls.log"; }

echo "estate: $vnets VNets, $clusters AKS clusters, $subs subscriptions; ${delay} ms per az call" >&2

# byocni: Resource Graph, every VNet and cluster, merged into a v1 plan.
reset
t0=$(now)
"$byocni" discover "$work/plan.json" --all-subscriptions -o "$work/merged.json" 2>"$work/discover.err"
t1=$(now)
graph_calls=$(calls)
graph_s=$(calc "$t1 - $t0")
cat "$work/discover.err" >&2

# The same into a version 2 estate: every VNet and cluster added as existing, with peerings.
cp tests/fixtures/estate-bluegreen.json "$work/estate.json"
reset
t0=$(now)
"$byocni" discover "$work/estate.json" --all-subscriptions -o "$work/merged-estate.json" 2>"$work/discover-v2.err"
t1=$(now)
v2_calls=$(calls)
v2_s=$(calc "$t1 - $t0")
cat "$work/discover-v2.err" >&2

# Baseline: one subscription at a time, VNets only (what `discover --all-subscriptions` did
# before Resource Graph); listing the clusters that way would take as many calls again.
reset
t0=$(now)
az account list --output json >"$work/accounts.json"
mapfile -t ids < <(python3 -c 'import json,sys; [print(a["id"]) for a in json.load(open(sys.argv[1]))]' "$work/accounts.json")
mkdir -p "$work/vnets"
n=0
for id in "${ids[@]:0:$baseline_subs}"; do
    n=$((n + 1))
    az network vnet list --subscription "$id" --output json >"$work/vnets/$n.json"
done
t1=$(now)
base_calls=$(calls)
found=$(python3 -c 'import json,sys; print(sum(len(json.load(open(f))) for f in sys.argv[1:]))' "$work"/vnets/*.json)
base_s=$(calc "$t1 - $t0")
note=""
if [ "$baseline_subs" -lt "${#ids[@]}" ]; then
    base_s=$(calc "$base_s * ${#ids[@]} / $baseline_subs")
    base_calls=$((1 + ${#ids[@]}))
    note=" (extrapolated from $baseline_subs subscriptions)"
fi

printf '\n| way | az calls | wall |\n|---|---:|---:|\n'
# shellcheck disable=SC2016
printf '| `byocni discover --all-subscriptions` (Resource Graph, VNets and clusters) | %d | %.1f s |\n' "$graph_calls" "$graph_s"
# shellcheck disable=SC2016
printf '| `byocni discover ESTATE --all-subscriptions` (the same, merged into a v2 estate) | %d | %.1f s |\n' "$v2_calls" "$v2_s"
# shellcheck disable=SC2016
printf '| one subscription at a time (`az network vnet list --subscription`, VNets only)%s | %d | %.1f s |\n' "$note" "$base_calls" "$base_s"
printf '\nbaseline found %d VNets in the subscriptions it listed; speed-up %.0fx\n' "$found" "$(calc "$base_s / $graph_s")"
