#!/usr/bin/env bash
# The test suite RUNS times in a row while a busy loop per core keeps every core busy
# (docs/reliability.md). Stops at the first failing run; each run's output is kept in LOG_DIR.
#   bash scripts/suite_under_load.sh [RUNS] [make targets]     default: 5 runs of `test-python test-trino`
# Run it where `make test` ran (or after `make install` and `make test-dbt`): it uses the same steps.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
shift || true
targets="${*:-test-python test-trino}"
logs="${LOG_DIR:-.mesh/suite-under-load}"
mkdir -p "$logs"
loops=()
for _ in $(seq "$(nproc)"); do
	python3 -c 'while True: pass' &
	loops+=("$!")
done
trap 'kill "${loops[@]}" 2>/dev/null' EXIT
echo "$(nproc) busy loops started (pids ${loops[*]}); $runs runs of: make $targets"
for run in $(seq "$runs"); do
	started=$(date +%s)
	# shellcheck disable=SC2086 # targets are words
	make $targets >"$logs/run-$run.log" 2>&1
	status=$?
	seconds=$(($(date +%s) - started))
	summary=$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$logs/run-$run.log" | sed -E 's/=+ ?//g' | paste -sd ';' -)
	echo "run $run: exit $status, ${seconds} s, load average $(cut -d' ' -f1-3 /proc/loadavg) | $summary"
	[ "$status" -eq 0 ] || { echo "run $run failed: $logs/run-$run.log"; exit 1; }
done
echo "$runs of $runs runs passed under load"
