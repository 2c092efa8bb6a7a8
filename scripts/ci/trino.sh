#!/usr/bin/env bash
# A real single-node Trino 476 reading what `mesh publish` wrote, under what `mesh trino-config` generated.
#
#   scripts/ci/trino.sh start    # fetch (cached), configure, start, wait until ready (idempotent)
#   scripts/ci/trino.sh stop     # stop it (idempotent)
#   scripts/ci/trino.sh status   # exit 0 when it answers
#   scripts/ci/trino.sh fetch    # only download and unpack into the cache
#
# Needs the mesh built (`make demo` or `make test-dbt`): the catalogs, rules.json and group file are the
# output of `mesh trino-config`, copied as generated. Server and plugin come from Maven Central
# (io.trino:trino-server-core:476:tar.gz + io.trino:trino-iceberg:476:zip, checked against their .sha1)
# into a git-ignored cache reused when present. Listens on 127.0.0.1 only.
#
# Environment (all optional):
#   TRINO_PORT       HTTP port (default 58473)
#   TRINO_CACHE_DIR  downloads and unpacked server (default <repo>/.cache/trino)
#   TRINO_STATE_DIR  etc/, var/ (logs) and trino.env (default ${MESH_DATA_DIR:-<repo>/data}/trino)
#   TRINO_HEAP       JVM heap (default 1G: the CI machine has 2 cores and runs other tests)
#   JAVA_HOME        a JDK 24+ (default: the newest one under /usr/lib/jvm)
#   MESH_CATALOG_URI the Iceberg catalog database, a PostgreSQL SQLAlchemy URI
#                    (default MESH_TEST_PG_URI, else the scripts/ci/postgres.sh database)
#   MESH_WAREHOUSE   where tables Trino creates go (default $TRINO_STATE_DIR/warehouse)
#   MESH_ROOT, MESH_TRINO_CONFIG  another mesh and its trino.yml to serve (the tests use them)
#   MAVEN_REPO_URL   a Maven Central mirror (default https://repo1.maven.org/maven2)
#
# After start, $TRINO_STATE_DIR/trino.env holds TRINO_HOST/TRINO_PORT (tests and `mesh query --engine
# trino` read them: `set -a; . data/trino/trino.env; set +a`).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION=476
PORT="${TRINO_PORT:-58473}"
CACHE="${TRINO_CACHE_DIR:-$ROOT/.cache/trino}"
DATA_DIR="${MESH_DATA_DIR:-$ROOT/data}"
STATE="${TRINO_STATE_DIR:-$DATA_DIR/trino}"
HEAP="${TRINO_HEAP:-1G}"
REPO="${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}"
SERVER="$CACHE/trino-server-$VERSION"
ETC="$STATE/etc"
VAR="$STATE/var"
REST_STATE="${ICEBERG_REST_STATE_DIR:-$STATE/iceberg-rest}"  # scripts/ci/iceberg_rest.sh, when started
PID_FILE="$VAR/run/launcher.pid"  # the launcher keeps pid and logs under <data-dir>/var
READY_TIMEOUT="${TRINO_READY_TIMEOUT:-240}"

say() { echo "trino.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# --- JDK ---------------------------------------------------------------------------------------------
# shellcheck source=scripts/ci/jdk.sh
. "$ROOT/scripts/ci/jdk.sh"

# --- download ----------------------------------------------------------------------------------------
fetch_artifact() {  # artifactId extension -> prints the cached path
  local artifact="$1" ext="$2" file url expected actual error
  file="$CACHE/downloads/$artifact-$VERSION.$ext"
  url="$REPO/io/trino/$artifact/$VERSION/$artifact-$VERSION.$ext"
  if [[ -f "$file" ]]; then echo "$file"; return 0; fi
  mkdir -p "$CACHE/downloads"
  say "downloading io.trino:$artifact:$VERSION:$ext from $url"
  if ! error="$(curl -fsSL --retry 3 --retry-delay 2 -o "$file.part" "$url" 2>&1)"; then
    rm -f "$file.part"
    die "cannot download io.trino:$artifact:$VERSION:$ext from $url ($error); check access to Maven Central or set MAVEN_REPO_URL to a mirror"
  fi
  if ! expected="$(curl -fsSL --retry 3 "$url.sha1" 2>&1)"; then
    rm -f "$file.part"
    die "cannot download the checksum $url.sha1 ($expected); check access to Maven Central"
  fi
  actual="$(sha1sum "$file.part" | cut -d' ' -f1)"
  if [[ "${expected:0:40}" != "$actual" ]]; then
    rm -f "$file.part"
    die "io.trino:$artifact:$VERSION:$ext from $url has SHA-1 $actual, Maven Central says ${expected:0:40}; download again"
  fi
  mv "$file.part" "$file"
  echo "$file"
}

fetch() {
  [[ -f "$SERVER/.complete" ]] && return 0
  command -v curl >/dev/null || die "curl is missing; install it (apt-get install curl)"
  local core iceberg staging
  core="$(fetch_artifact trino-server-core tar.gz)"
  iceberg="$(fetch_artifact trino-iceberg zip)"
  staging="$(mktemp -d "$CACHE/unpack.XXXXXX")"
  tar -xzf "$core" -C "$staging"
  python3 -m zipfile -e "$iceberg" "$staging"
  mv "$staging/trino-iceberg-$VERSION" "$staging/trino-server-core-$VERSION/plugin/iceberg"
  touch "$staging/trino-server-core-$VERSION/.complete"
  rm -rf "$SERVER"
  mv "$staging/trino-server-core-$VERSION" "$SERVER"
  rm -rf "$staging"
}

# --- configuration -----------------------------------------------------------------------------------
# Split a SQLAlchemy PostgreSQL URI into the JDBC URL, user and password Trino's JDBC catalog needs.
parse_catalog_uri() {
  python3 - "$1" <<'EOF'
import sys
from urllib.parse import unquote, urlsplit
uri = sys.argv[1]
parts = urlsplit(uri)
if not parts.scheme.startswith("postgresql"):
    sys.exit(f"MESH_CATALOG_URI must be a PostgreSQL URI (Trino cannot read {parts.scheme or 'this'} catalogs)")
print(f"jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}")
print(unquote(parts.username or ""))
print(unquote(parts.password or ""))
EOF
}

# A copy of the mesh's trino.yml with `databricks.cloud: local` (file:// tables): prints its path.
local_cloud_config() {
  (cd "${MESH_ROOT:-$ROOT}" && "$ROOT/.venv/bin/python" - "$STATE/trino.local.yml" <<'EOF'
import os, sys
import yaml
from governance.settings import settings_file
source = os.environ.get("MESH_TRINO_CONFIG") or str(settings_file("trino"))
with open(source) as handle:
    data = yaml.safe_load(handle)
data.setdefault("databricks", {})["cloud"] = "local"
with open(sys.argv[1], "w") as handle:
    yaml.safe_dump(data, handle, sort_keys=False)
print(sys.argv[1])
EOF
  ) || die "cannot write $STATE/trino.local.yml from the mesh's trino.yml"
}

configure() {
  local uri jdbc user password warehouse generated file var missing
  uri="${MESH_CATALOG_URI:-${MESH_TEST_PG_URI:-postgresql+psycopg://mesh:mesh@127.0.0.1:55432/iceberg}}"
  { read -r jdbc; read -r user; read -r password; } < <(parse_catalog_uri "$uri") \
    || die "MESH_CATALOG_URI is not a PostgreSQL URI; set it to postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
  warehouse="${MESH_WAREHOUSE:-$STATE/warehouse}"
  [[ "$warehouse" == *://* ]] || { mkdir -p "$warehouse"; warehouse="file://$(cd "$warehouse" && pwd)"; }
  export MESH_CATALOG_USER="$user" MESH_CATALOG_PASSWORD="$password"
  WAREHOUSE_URI="$warehouse" JDBC_URL="$jdbc"

  rm -rf "$ETC" && mkdir -p "$ETC/catalog" "$VAR"
  generated="$STATE/generated"
  rm -rf "$generated"
  [[ -x "$ROOT/.venv/bin/mesh" ]] || die "$ROOT/.venv/bin/mesh is missing; run make install first"
  local trino_yml="${MESH_TRINO_CONFIG:-}"
  if [[ -f "$REST_STATE/rest.env" ]] && bash "$ROOT/scripts/ci/iceberg_rest.sh" status; then
    # The local stand-in for Unity Catalog's Iceberg REST endpoint (scripts/ci/iceberg_rest.sh) answers:
    # the Databricks domains' catalogs, generated unchanged, reach it through DATABRICKS_HOST/TOKEN, and
    # its tables are file:// (databricks.cloud: local in a copy of trino.yml).
    set -a; . "$REST_STATE/rest.env"; set +a
    trino_yml="$(local_cloud_config)"
  fi
  (cd "$ROOT" && TRINO_JDBC_URL="$jdbc" TRINO_WAREHOUSE="$warehouse" env ${trino_yml:+MESH_TRINO_CONFIG="$trino_yml"} \
    .venv/bin/mesh trino-config --out "$generated" --config-dir "$ETC") \
    || die "mesh trino-config failed (above); build the mesh first (make demo or make test-dbt)"
  cp "$generated/access-control.properties" "$generated/group-provider.properties" \
    "$generated/rules.json" "$generated/group.txt" "$ETC/"
  for file in "$generated"/catalog/*.properties; do
    # A catalog whose ${ENV:VAR} placeholders are unset would stop Trino from starting: leave it out, say so.
    missing=""
    for var in $(grep -o '\${ENV:[A-Za-z0-9_]*}' "$file" | sed 's/\${ENV:\(.*\)}/\1/' | sort -u); do
      [[ -n "${!var:-}" ]] || missing="$missing $var"
    done
    if [[ -n "$missing" ]]; then
      say "catalog $(basename "$file" .properties) left out: needs$missing"
    else
      cp "$file" "$ETC/catalog/"
    fi
  done

  cat > "$ETC/node.properties" <<EOF
node.environment=mesh_ci
node.id=mesh-ci-coordinator
node.data-dir=$STATE
node.bind-ip=127.0.0.1
node.internal-address=127.0.0.1
EOF
  # Small heap, C1 only: a short-lived server on 2 shared cores, answering small queries.
  cat > "$ETC/jvm.config" <<EOF
-server
-Xmx$HEAP
-XX:ActiveProcessorCount=2
-XX:+UseSerialGC
-XX:TieredStopAtLevel=1
-XX:+ExitOnOutOfMemoryError
-Djdk.attach.allowAttachSelf=true
-Dfile.encoding=UTF-8
EOF
  # The server settings the rules rely on (hide-inaccessible-columns) as `mesh trino-config` generated
  # them for Docker, on this port, plus what a small shared CI machine needs.
  grep -v '^http-server.http.port=\|^discovery.uri=' "$generated/config.properties" >"$ETC/config.properties"
  cat >> "$ETC/config.properties" <<EOF
http-server.http.port=$PORT
discovery.uri=http://127.0.0.1:$PORT
query.max-memory=512MB
query.max-memory-per-node=512MB
task.concurrency=2
task.max-worker-threads=4
EOF
  echo "io.trino=WARN" > "$ETC/log.properties"
}

# --- process -----------------------------------------------------------------------------------------
ready() {
  local info
  info="$(curl -fsS --max-time 5 "http://127.0.0.1:$PORT/v1/info" 2>/dev/null)" || return 1
  [[ "$info" == *'"starting":false'* ]] && query_runs
}

# "starting": false comes before the coordinator has announced itself as a node: a query sent then fails
# with NO_NODES_AVAILABLE. Ready means a `SELECT 1` runs to the end (the client protocol: follow nextUri).
query_runs() {
  local answer next tries=0
  answer="$(curl -fsS --max-time 10 -X POST -H 'X-Trino-User: mesh-readiness' --data 'SELECT 1' \
    "http://127.0.0.1:$PORT/v1/statement" 2>/dev/null)" || return 1
  while (( tries++ < 100 )); do
    [[ "$answer" == *'"error"'* ]] && return 1
    next="$(printf '%s' "$answer" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("nextUri", ""))')" \
      || return 1
    [[ -z "$next" ]] && return 0
    answer="$(curl -fsS --max-time 10 -H 'X-Trino-User: mesh-readiness' "$next" 2>/dev/null)" || return 1
  done
  return 1
}

# The server is gone: the launcher wrote its pid and that process has exited, or no pid after 30 s. The
# launcher's daemon writes the pid file after `launcher start` returns, so an empty or missing file in the
# first seconds is a server still starting (a loaded machine showed it), not a dead one.
process_gone() {
  local elapsed="$1" pid
  pid="$(cat "$PID_FILE" 2>/dev/null)" || pid=""
  if [[ -z "$pid" ]]; then (( elapsed > 30 )); return; fi
  ! kill -0 "$pid" 2>/dev/null
}

running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# One `launcher start`; what the launcher itself says is kept (it was thrown away: a server that died at
# once left nothing to read).
launch() {
  mkdir -p "$VAR/log"
  "$SERVER/bin/launcher" start --etc-dir "$ETC" --data-dir "$STATE" --jvm-dir "$1" \
    >"$VAR/log/launcher-start.out" 2>&1 \
    || die "launcher failed: $(tail -n 5 "$VAR/log/launcher-start.out" | tr '\n' ' '); see $VAR/log/launcher.log"
}

start() {
  if running_pid >/dev/null && ready; then
    say "Trino already running on 127.0.0.1:$PORT (stop it to reconfigure)"
    return 0
  fi
  local jdk started elapsed
  jdk="$(find_jdk 24 0 "${JAVA_HOME:-}")" || die "Trino $VERSION needs a JDK 24 or newer; none found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm/*); install Temurin 25 or set JAVA_HOME"
  command -v python3 >/dev/null || die "python3 is missing"
  fetch
  configure
  rm -f "$STATE/trino.env"
  # not running (checked above): a pid file left by an earlier server would read as this one, dead
  if ! running_pid >/dev/null; then rm -f "$PID_FILE"; fi
  started="$(date +%s)"
  launch "$jdk"
  local relaunched=0
  until ready; do
    elapsed=$(( $(date +%s) - started ))
    if process_gone "$elapsed" && (( ! relaunched )) && [[ ! -s "$VAR/log/server.log" ]]; then
      # gone before the JVM wrote a line (seen once in CI, the launcher's log empty): a start-up that
      # never began, not a server that failed; once more, saying so
      relaunched=1
      say "Trino's process exited before writing a log (launcher: $(tail -n 3 "$VAR/log/launcher-start.out" \
        "$VAR/log/launcher.log" 2>/dev/null | tr '\n' ' ')); starting it once more"
      rm -f "$PID_FILE"
      started="$(date +%s)"
      launch "$jdk"
    elif process_gone "$elapsed" || (( elapsed > READY_TIMEOUT )); then
      say "Trino did not become ready within ${elapsed}s; last lines of $VAR/log/server.log:"
      tail -n 40 "$VAR/log/server.log" >&2 || true
      say "the launcher's own output ($VAR/log/launcher-start.out, $VAR/log/launcher.log):"
      tail -n 10 "$VAR/log/launcher-start.out" "$VAR/log/launcher.log" >&2 2>/dev/null || true
      stop
      exit 1
    fi
    sleep 1
  done
  elapsed=$(( $(date +%s) - started ))
  # Where tests and `mesh query --engine trino` find it (no secrets: the JDBC URL has no password).
  printf 'TRINO_HOST=127.0.0.1\nTRINO_PORT=%s\nTRINO_WAREHOUSE=%s\nTRINO_JDBC_URL=%s\n' "$PORT" \
    "$WAREHOUSE_URI" "$JDBC_URL" > "$STATE/trino.env"
  say "Trino $VERSION ready on 127.0.0.1:$PORT after ${elapsed}s (catalogs: $(ls "$ETC/catalog" | sed 's/\.properties//' | tr '\n' ' '))"
  say "use it: set -a; . $STATE/trino.env; set +a; .venv/bin/mesh query --engine trino \"SHOW CATALOGS\""
}

stop() {
  if [[ -x "$SERVER/bin/launcher" && -d "$ETC" ]] && running_pid >/dev/null; then
    "$SERVER/bin/launcher" stop --etc-dir "$ETC" --data-dir "$STATE" >/dev/null || true
  fi
  rm -f "$STATE/trino.env"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) ready ;;
  fetch) fetch ;;
  *) die "unknown command ${1}; use start, stop, status or fetch" ;;
esac
