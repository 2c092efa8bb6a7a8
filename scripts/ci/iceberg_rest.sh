#!/usr/bin/env bash
# Unity Catalog's Iceberg REST endpoint, stood in for on this machine: Apache Iceberg's REST catalog server
# (org.apache.iceberg.rest.RESTCatalogServer, Maven Central), one per Databricks domain, behind a loopback
# gateway at Unity Catalog's path (scripts/ci/uc_iceberg_gateway.py), serving the Databricks domains'
# products written as Iceberg tables (governance/iceberg/standin.py, the stand-in for UniForm).
#
#   scripts/ci/iceberg_rest.sh start    # fetch (cached), write the tables, start servers + gateway, wait
#   scripts/ci/iceberg_rest.sh stop     # stop what start started (idempotent)
#   scripts/ci/iceberg_rest.sh status   # exit 0 when the gateway answers for every catalog
#   scripts/ci/iceberg_rest.sh fetch    # only resolve the server's jars into the cache
#
# Needs the mesh built (`make demo` or `make test-dbt`) and Maven (`mvn`). The jars are resolved from
# Maven Central by deploy/iceberg-rest/pom.xml into a project-local repository (<repo>/.cache/m2, checksums
# checked: mvn -C) and copied to <repo>/.cache/iceberg-rest; nothing is read from or written to ~/.m2.
# After start, $ICEBERG_REST_STATE_DIR/rest.env holds DATABRICKS_HOST (the gateway) and DATABRICKS_TOKEN
# (a random local token, file mode 600): scripts/ci/trino.sh reads it, so the generated Databricks catalogs
# are served unchanged. RESTCatalogServer has no bind-address setting and listens on every interface: its
# ports are for this machine only; Trino talks to the gateway, which listens on 127.0.0.1.
#
# Environment (all optional):
#   ICEBERG_REST_PORT       the gateway's port (default 58180); the servers take the ports after it
#   ICEBERG_REST_STATE_DIR  tables, logs, pids, rest.env (default ${TRINO_STATE_DIR:-<data>/trino}/iceberg-rest)
#   ICEBERG_REST_JAVA_HOME  a JDK 17-22 (default: the newest under /usr/lib/jvm; Hadoop's file system calls
#                           Subject.getSubject, which JDK 23+ refuses)
#   ICEBERG_REST_TIMEOUT    seconds a server is waited for at start (default 90)
#   ICEBERG_REST_MAVEN_ARGS more arguments for mvn (e.g. -o: offline, from the local repository only)
#   MESH_ROOT               another mesh to serve (the tests use it)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ICEBERG_VERSION=1.11.0
POM="$ROOT/deploy/iceberg-rest/pom.xml"
M2="$ROOT/.cache/m2"
LIB="$ROOT/.cache/iceberg-rest/lib-$ICEBERG_VERSION"
DATA_DIR="${MESH_DATA_DIR:-$ROOT/data}"
STATE="${ICEBERG_REST_STATE_DIR:-${TRINO_STATE_DIR:-$DATA_DIR/trino}/iceberg-rest}"
GATEWAY_PORT="${ICEBERG_REST_PORT:-58180}"
READY_TIMEOUT="${ICEBERG_REST_TIMEOUT:-90}"
MESH_ROOT_DIR="${MESH_ROOT:-$ROOT}"

say() { echo "iceberg_rest.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# --- JDK ---------------------------------------------------------------------------------------------
# shellcheck source=scripts/ci/jdk.sh
. "$ROOT/scripts/ci/jdk.sh"

# --- download ----------------------------------------------------------------------------------------
fetch() {
  [[ -f "$LIB/.complete" ]] && return 0
  command -v mvn >/dev/null || die "mvn is missing: the REST catalog server's jars are resolved with Maven; install it (apt-get install maven)"
  local staging log missing
  mkdir -p "$(dirname "$LIB")" "$M2"
  staging="$(mktemp -d "$(dirname "$LIB")/unpack.XXXXXX")"
  log="$staging.log"
  say "resolving org.apache.iceberg:iceberg-open-api:$ICEBERG_VERSION:test-fixtures and its class path from Maven Central"
  # shellcheck disable=SC2086 # ICEBERG_REST_MAVEN_ARGS is a list of arguments
  if ! timeout "${ICEBERG_REST_FETCH_TIMEOUT:-600}" mvn -B -q -C -Dstyle.color=never ${ICEBERG_REST_MAVEN_ARGS:-} -f "$POM" \
      dependency:copy-dependencies -Dmaven.repo.local="$M2" -DoutputDirectory="$staging" >"$log" 2>&1; then
    # One line naming the artifact Maven could not have.
    missing="$(grep -oE '(Could not (find|transfer|resolve) (artifact|dependencies for project)|Failed to read artifact descriptor for|Cannot access [^ ]+ in offline mode and the artifact|No plugin found for prefix|Checksum validation failed[^:]*:?) [^ ]+' "$log" | head -n 1 || true)"
    rm -rf "$staging"
    die "cannot resolve the REST catalog server from Maven Central: ${missing:-$(grep -m1 ERROR "$log" | cut -c1-300)} (log: $log); check access to Maven Central"
  fi
  rm -f "$log"
  touch "$staging/.complete"
  rm -rf "$LIB"
  mv "$staging" "$LIB"
}

# --- process -----------------------------------------------------------------------------------------
answers() {  # url [token] -> exit 0 when it answers 200
  curl -fsS --max-time 5 ${2:+-H "Authorization: Bearer $2"} "$1" >/dev/null 2>&1
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {  # what start started (its pid files), waited for: a restart reuses the same ports
  local file pid tries
  for file in "$STATE"/run/*.pid; do
    [[ -f "$file" ]] || continue
    pid="$(cat "$file")"
    if pid_alive "$file"; then
      kill "$pid" 2>/dev/null || true
      for (( tries = 0; tries < 50; tries++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
  done
  rm -f "$STATE/rest.env"
}

wait_for() {  # name url pidfile [token]
  local started elapsed
  started="$(date +%s)"
  until answers "$2" "${4:-}"; do
    elapsed=$(( $(date +%s) - started ))
    if ! pid_alive "$3" || (( elapsed > READY_TIMEOUT )); then
      say "$1 did not answer within ${elapsed}s; last lines of its log:"
      tail -n 20 "$STATE/log/$1.log" >&2 || true
      stop
      exit 1
    fi
    sleep 0.3
  done
}

start() {
  local jdk catalogs catalog port token backends="" started
  jdk="$(find_jdk 17 22 "${ICEBERG_REST_JAVA_HOME:-}")" || die "the Iceberg REST catalog server needs a JDK 17 to 22 (Hadoop refuses 23+); none under /usr/lib/jvm (ICEBERG_REST_JAVA_HOME=${ICEBERG_REST_JAVA_HOME:-unset}); install openjdk-17-jdk-headless"
  [[ -x "$ROOT/.venv/bin/python" ]] || die "$ROOT/.venv/bin/python is missing; run make install first"
  fetch
  stop
  mkdir -p "$STATE/run" "$STATE/log"
  started="$(date +%s.%N)"
  catalogs="$(cd "$MESH_ROOT_DIR" && "$ROOT/.venv/bin/python" -m governance.iceberg.standin \
    --catalog-uri "sqlite:///$STATE/catalog.db" --warehouse "$STATE/warehouse")" \
    || die "writing the Databricks products as Iceberg tables failed (above); build the mesh first (make demo or make test-dbt)"
  port="$GATEWAY_PORT"
  for catalog in $catalogs; do
    port=$(( port + 1 ))
    # CATALOG_* become the catalog's properties (RESTCatalogServer): a JDBC catalog over the stand-in's
    # SQLite database, the Iceberg catalog named after the domain (the catalog_name pyiceberg wrote).
    CATALOG_URI="jdbc:sqlite:$STATE/catalog.db" CATALOG_WAREHOUSE="file://$STATE/warehouse" \
      CATALOG_CATALOG_NAME="$catalog" CATALOG_REST_PORT="$port" CATALOG_JDBC_SCHEMA__VERSION=V1 \
      setsid nohup "$jdk/bin/java" -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2 \
      -cp "$LIB/*" org.apache.iceberg.rest.RESTCatalogServer >"$STATE/log/$catalog.log" 2>&1 < /dev/null &
    echo $! > "$STATE/run/$catalog.pid"
    backends="$backends --catalog $catalog=$port"
  done
  for catalog in $catalogs; do
    port="$(sed -n "s/.*--catalog $catalog=\([0-9]*\).*/\1/p" <<<"$backends")"
    wait_for "$catalog" "http://127.0.0.1:$port/v1/config" "$STATE/run/$catalog.pid"
  done
  # A random local token, kept across restarts (a running Trino holds it): the gateway's bearer token.
  if [[ ! -s "$STATE/token" ]]; then
    (umask 077; "$ROOT/.venv/bin/python" -c 'import secrets; print("local-" + secrets.token_hex(16))' > "$STATE/token")
  fi
  token="$(cat "$STATE/token")"
  # shellcheck disable=SC2086 # $backends is a list of arguments
  setsid nohup "$ROOT/.venv/bin/python" "$ROOT/scripts/ci/uc_iceberg_gateway.py" --port "$GATEWAY_PORT" \
    --token-file "$STATE/token" $backends >"$STATE/log/gateway.log" 2>&1 < /dev/null &
  echo $! > "$STATE/run/gateway.pid"
  for catalog in $catalogs; do
    wait_for gateway "http://127.0.0.1:$GATEWAY_PORT/api/2.1/unity-catalog/iceberg-rest/v1/config?warehouse=$catalog" \
      "$STATE/run/gateway.pid" "$token"
  done
  (umask 077; printf 'DATABRICKS_HOST=http://127.0.0.1:%s\nDATABRICKS_TOKEN=%s\nICEBERG_REST_CATALOGS=%s\n' \
    "$GATEWAY_PORT" "$token" "$(echo $catalogs | tr " " ",")" > "$STATE/rest.env")
  say "Iceberg REST catalog servers ready after $(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)")s: $(echo $catalogs) behind 127.0.0.1:$GATEWAY_PORT/api/2.1/unity-catalog/iceberg-rest"
}

status() {
  local host token catalogs catalog
  [[ -f "$STATE/rest.env" ]] || return 1
  # The gateway that start recorded (whatever ICEBERG_REST_PORT says now).
  host="$(sed -n 's/^DATABRICKS_HOST=//p' "$STATE/rest.env")"
  token="$(sed -n 's/^DATABRICKS_TOKEN=//p' "$STATE/rest.env")"
  catalogs="$(sed -n 's/^ICEBERG_REST_CATALOGS=//p' "$STATE/rest.env" | tr "," " ")"
  for catalog in $catalogs; do
    answers "$host/api/2.1/unity-catalog/iceberg-rest/v1/config?warehouse=$catalog" "$token" || return 1
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) fetch ;;
  *) die "unknown command ${1}; use start, stop, status or fetch" ;;
esac
