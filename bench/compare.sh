#!/usr/bin/env bash
# Side-by-side: `byocni check` / `byocni suggest` vs the same job scripted with Python's
# netaddr.IPSet, on plans with 100,000 and 1,000,000 connected networks. Prints a table with the
# median of several runs, the speed-ups and byocni's 1M/100k cost ratio (O(n log n) check).
#
#   bash bench/compare.sh            # figures for docs/benchmarks.md
#   RUNS=9 PY_RUNS=5 bash bench/compare.sh
#   JOBS= ESTATE=1 ESTATE_SIZES=100000 bash bench/compare.sh   # only the estate rows, 100k
# Each byocni figure is the median of $RUNS runs after one warm-up run (default 7); each netaddr
# figure the median of $PY_RUNS runs (default 3: they take seconds to a minute each).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools=${BYOCNI_TOOLS:-$HOME/.cache/byocni}
runs=${RUNS:-7}
py_runs=${PY_RUNS:-3}
data=target/bench-data
mkdir -p "$data"

cargo build --release --locked -p byocni-cli >&2
byocni=${CARGO_TARGET_DIR:-target}/release/byocni

if ! "$tools/bench-venv/bin/python" -c 'import netaddr' 2>/dev/null; then
    echo "installing netaddr into $tools/bench-venv" >&2
    python3 -m venv "$tools/bench-venv"
    "$tools/bench-venv/bin/pip" install -q netaddr
fi
py="$tools/bench-venv/bin/python"

for n in 100000 1000000; do
    [ -f "$data/check-$n.json" ] || python3 bench/gen_plan.py "$n" "$data/check-$n.json"
    [ -f "$data/suggest-$n.json" ] || python3 bench/gen_plan.py "$n" "$data/suggest-$n.json" --gaps
done

# median wall time in seconds of a command over N runs (after one warm-up run): median N CMD...
median() {
    python3 - "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
print(f"{statistics.median(times):.4f}")
PY
}

printf '%-8s %-10s %12s %12s %10s\n' job networks byocni_s netaddr_s speedup
declare -A ours
jobs=${JOBS-check suggest}
for job in $jobs; do
    for n in 100000 1000000; do
        plan="$data/$job-$n.json"
        t_ours=$(median "$runs" "$byocni" "$job" "$plan")
        t_py=$(median "$py_runs" "$py" bench/netaddr_job.py "$job" "$plan")
        ours[$job-$n]=$t_ours
        printf '%-8s %-10s %12s %12s %9.1fx\n' "$job" "$n" "$t_ours" "$t_py" "$(python3 -c "print($t_py / $t_ours)")"
    done
done
for job in $jobs; do
    printf 'byocni %s: 1M / 100k = %.1fx (target <= 12x)\n' "$job" "$(python3 -c "print(${ours[$job-1000000]} / ${ours[$job-100000]})")"
done

# ESTATE=1: also the estate check (issue 13) side by side with the v1 check and netaddr's v1 job:
# an estate of 50 meshed clusters on 50 VNets, all peered (bench/estate_from_plan.py), with the
# same connected networks. Target: the estate at most 2x the v1 check, at least 50x netaddr.
if [ "${ESTATE:-0}" = 1 ]; then
    printf '\n%-10s %10s %10s %8s %10s %10s\n' networks v1_s estate_s ratio netaddr_s speedup
    for n in ${ESTATE_SIZES:-100000 1000000}; do
        plan="$data/check-$n.json"
        estate="$data/estate50-$n.json"
        [ -f "$estate" ] || python3 bench/estate_from_plan.py "$plan" 50 "$estate"
        t_v1=$(median "$runs" "$byocni" check "$plan")
        t_estate=$(median "$runs" "$byocni" check "$estate")
        t_py=$(median "$py_runs" "$py" bench/netaddr_job.py check "$plan")
        printf '%-10s %10s %10s %7.2fx %10s %9.1fx\n' "$n" "$t_v1" "$t_estate" \
            "$(python3 -c "print($t_estate / $t_v1)")" "$t_py" "$(python3 -c "print($t_py / $t_estate)")"
    done
fi
