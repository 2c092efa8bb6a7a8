#!/usr/bin/env bash
# `make test`: the whole suite in lanes, with every service its tests need started here and stopped after.
#
#   scripts/ci/test.sh              # every lane; one summary line per lane with its time
#   scripts/ci/test.sh services     # only start the services (exit 1, one line, when one cannot start)
#
# Lanes (pytest markers, tests/lanes.py): lint, build (the repository's mesh at CI_SCALE on DuckDB), sql
# (sqlfluff), pytest (dbt, postgres, browser: both cores), unit (make check's tests: no dbt build, no
# server), trino (a real Trino 476 and the Iceberg REST catalog servers, started in the background while
# pytest runs), spark (the mesh built by dbt-spark on Delta in a throw-away copy, then the Spark tests).
# Lanes run side by side where one leaves a core idle: lint beside build + sql; the spark lane from the
# build's end at a lower CPU priority (it fills what sql and pytest leave idle, then finishes beside
# trino; it builds in a copy, so the working tree's target/ keeps the DuckDB manifests the other lanes
# read); the unit lane beside trino (unit tests wait on retries, deadlines and polling: about half a core
# sat idle while they ran at pytest's end). Running every lane at once at equal priority was tried and
# was slower (19 min 52 s against 17-19 min, docs/benchmarks.md): the lanes are CPU-bound, and two busy
# cores here give about 1.8 times one core's throughput, not two (scripts/bench_cores.py). sqlfluff
# reuses the build lane's manifests.
# A lane run beside another prints its log when it ends.
# MESH_TEST_STRICT=1: a skipped test fails the run (Databricks `live` tests excepted, and named).
# Every lane runs even when an earlier one failed, so one run shows every failure; the exit status is 1
# when any lane failed.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
CI_SCALE="${CI_SCALE:-0.02}"
LOGS="${MESH_TEST_LOGS:-$ROOT/target/test-logs}"
export MESH_TEST_STRICT=1 DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DBT_PROFILES_DIR="$ROOT/profiles"
# The client deadline for the Trino tests: a loaded 2-core machine can keep a JVM busy past the 20 s
# default, which bounds how long an analyst waits for an unreachable Trino, not how long a query runs.
export MESH_TRINO_TIMEOUT="${MESH_TRINO_TIMEOUT:-120}"

say() { echo "test.sh: $*" >&2; }

SUMMARY=()
FAILED=0
STARTED_AT="$(date +%s)"

# lane NAME COMMAND...: run, time and record one lane.
lane() {
  local name="$1" started status took
  shift
  started="$(date +%s)"
  echo "=== $name: $*" >&2
  "$@"
  status=$?
  took=$(($(date +%s) - started))
  if ((status == 0)); then
    SUMMARY+=("$(printf '%-8s ok      %4d s' "$name" "$took")")
  else
    SUMMARY+=("$(printf '%-8s FAILED  %4d s  (exit %d)' "$name" "$took" "$status")")
    FAILED=1
  fi
  return "$status"
}

# lane_beside NAME COMMAND...: start a lane in the background, its output in $LOGS/NAME.log; lane_join
# NAME waits for it, prints that log and records its line in the summary.
declare -A BESIDE_PIDS=()
lane_beside() {
  local name="$1"
  shift
  mkdir -p "$LOGS"
  (
    started="$(date +%s)"
    "$@"
    status=$?
    echo "$status $(($(date +%s) - started))" >"$LOGS/$name.result"
  ) >"$LOGS/$name.log" 2>&1 &
  BESIDE_PIDS[$name]=$!
}

lane_join() {
  local name="$1" status took
  wait "${BESIDE_PIDS[$name]}"
  unset "BESIDE_PIDS[$name]"
  echo "=== $name (ran beside the lanes above; its log: $LOGS/$name.log)" >&2
  cat "$LOGS/$name.log" >&2
  read -r status took <"$LOGS/$name.result" 2>/dev/null || { status=1; took=0; }
  if ((status == 0)); then
    SUMMARY+=("$(printf '%-8s ok      %4d s  (beside)' "$name" "$took")")
  else
    SUMMARY+=("$(printf '%-8s FAILED  %4d s  (beside, exit %d)' "$name" "$took" "$status")")
    FAILED=1
  fi
}

# --- services ------------------------------------------------------------------------------------------
PG_STARTED_HERE=0
TRINO_PID=""

start_services() {
  local port="${MESH_PG_PORT:-55432}" uri
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PG_STARTED_HERE=1; fi
  # A catalog database emptied for this run: the tests and Trino must not see an earlier run's rows.
  if ! uri="$(bash scripts/ci/postgres.sh fresh mesh_test)"; then
    say "PostgreSQL could not start (above); the catalog tests need it: see scripts/ci/postgres.sh"
    return 1
  fi
  export MESH_TEST_PG_URI="$uri"
  bash scripts/ci/chromium.sh || { say "Chromium could not be installed (above): scripts/ci/chromium.sh"; return 1; }
  bash scripts/ci/packages.sh || { say "Debian packages could not be installed (above): scripts/ci/packages.sh"; return 1; }
}

stop_services() {
  local pid
  for pid in "${BESIDE_PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; done
  [[ -n "$TRINO_PID" ]] && kill "$TRINO_PID" 2>/dev/null
  bash scripts/ci/trino.sh stop || true
  bash scripts/ci/iceberg_rest.sh stop || true
  if ((PG_STARTED_HERE)); then bash scripts/ci/postgres.sh stop >/dev/null 2>&1 || true; fi
}

# Trino starts while pytest runs (its JVM start-up overlaps the tests), after the REST catalog servers that
# stand in for Unity Catalog's Iceberg endpoint (scripts/ci/iceberg_rest.sh); the trino lane waits for it.
start_trino_in_background() {
  mkdir -p "$LOGS"
  { bash scripts/ci/iceberg_rest.sh start && bash scripts/ci/trino.sh start; } >"$LOGS/trino-start.log" 2>&1 &
  TRINO_PID=$!
}

wait_for_trino() {
  local status
  wait "$TRINO_PID"
  status=$?
  TRINO_PID=""
  cat "$LOGS/trino-start.log" >&2
  return "$status"
}

# --- lanes ---------------------------------------------------------------------------------------------
lint_python() {
  "$BIN/ruff" check governance tests scripts dbt_mesh &&
    "$BIN/ruff" format --check governance tests scripts dbt_mesh &&
    "$BIN/mypy"
}

build_mesh() {
  "$BIN/python" scripts/generate_data.py --scale "$CI_SCALE" --seed 7 && "$BIN/mesh" build
}

# loadscope: a module's tests run on one worker, so a module fixture (a built mesh) is built once, not once per
# worker, and tests that share one fixture copy never race each other. --no-loadscope-reorder keeps the
# collection order (tests/lanes.py: modules with a dbt or service test first): xdist's default hands out
# the modules with the most tests first, which left the health end-to-end module (3 tests, 90 s of set-up)
# for last, alone on one worker.
pytest_main() {
  "$BIN/pytest" -n 2 --dist loadscope --no-loadscope-reorder --durations=15 \
    -m "(dbt or postgres or browser or live) and not spark and not trino" "$@"
}

# make check's pytest run: the tests without a lane marker (tests/lanes.py), with the unit-lane guard on
# (a fixture that would run dbt fails instead of building)
pytest_unit() {
  MESH_TEST_LANE=unit "$BIN/pytest" -n 2 --dist loadscope --durations=5 "$@"
}

# Two pytest runs at once: the Trino-target module starts its own Trino and REST stand-in (a catalog of its
# own for its mesh copy), so it needs nothing of the lane's and runs beside the modules that share the
# lane's Trino, which run one after another (they rewrite that server's access rules). Alone, the module
# was the lane's last minute with about 40% of the machine idle.
TRINO_OWN_SERVER_MODULE=tests/domains/test_trino_target.py
pytest_trino() {
  local own status=0
  "$BIN/pytest" -m trino --durations=5 "$TRINO_OWN_SERVER_MODULE" >"$LOGS/trino-target.log" 2>&1 &
  own=$!
  { wait_for_trino && "$BIN/pytest" -m trino --durations=5 --ignore="$TRINO_OWN_SERVER_MODULE"; } || status=1
  wait "$own" || status=1
  echo "=== trino: $TRINO_OWN_SERVER_MODULE (ran beside the tests above)"
  cat "$LOGS/trino-target.log"
  return "$status"
}

# The whole mesh on Spark in a throw-away copy of the projects (tests/domains/mesh_copy.py) reading the
# working tree's raw data, then the Spark tests: the parity test compares that build's tables with the
# build lane's DuckDB ones (named by MESH_TEST_*_BUILT_DATA), the others build their own copy. The lane
# starts with the build lane's end, at a lower CPU priority (nice): it takes what the sql lane and pytest
# leave idle instead of slowing them, and what is left of it runs beside the trino and unit lanes. Its
# tests wait for the sql lane's end: sqlfluff's dbt templater holds the DuckDB files open for writing, and
# the parity test reads them. The copy is removed when the lane passes and kept for a look when it fails.
SQL_DONE=""
spark_lane() {
  local copy status
  renice -n 10 -p "$BASHPID" >/dev/null # the lane's subshell, and so every process it starts
  copy="$(mktemp -d "${TMPDIR:-/tmp}/mesh-spark.XXXXXX")" || return 1
  "$BIN/python" -c 'import sys, pathlib; from tests.domains.mesh_copy import copy_mesh; copy_mesh(pathlib.Path(sys.argv[1]))' "$copy" &&
    mkdir -p "$copy/data" && ln -s "${MESH_DATA_DIR:-$ROOT/data}/raw" "$copy/data/raw" &&
    bash scripts/ci/jvm_deps.sh spark &&
    MESH_DATA_DIR="$copy/data" "$BIN/mesh" --root "$copy" build --target spark &&
    until [[ -e "$SQL_DONE" ]]; do sleep 1; done &&
    MESH_TEST_SPARK_BUILT_DATA="$copy/data" MESH_TEST_DUCKDB_BUILT_DATA="${MESH_DATA_DIR:-$ROOT/data}" \
      "$BIN/pytest" -m spark -p no:cacheprovider --basetemp "$copy/pytest" --durations=5
  status=$?
  if ((status == 0)); then rm -rf "$copy"; else say "spark: the copy is kept in $copy"; fi
  return "$status"
}

summary() {
  echo
  echo "make test: lanes"
  printf '  %s\n' "${SUMMARY[@]}"
  printf '  %-8s         %4d s\n' total "$(($(date +%s) - STARTED_AT))"
}

if [[ "${1:-all}" == services ]]; then
  start_services
  exit $?
fi

trap stop_services EXIT
lane services start_services || { summary; exit 1; }
lane_beside lint lint_python
lane build build_mesh
build_ok=$?
mkdir -p "$LOGS" && SQL_DONE="$LOGS/sql.done" && rm -f "$SQL_DONE"
((build_ok == 0)) && lane_beside spark spark_lane
lane sql make --no-print-directory lint-sql
touch "$SQL_DONE"
lane_join lint
# After sql: sqlfluff's dbt templater opens each project's DuckDB file for writing, and the REST stand-in
# reads those files as it starts (a fresh clone's run failed on that lock).
((build_ok == 0)) && start_trino_in_background
lane pytest pytest_main
lane_beside unit pytest_unit
if ((build_ok == 0)); then lane trino pytest_trino; fi
lane_join unit
((build_ok == 0)) && lane_join spark
summary
exit "$FAILED"
