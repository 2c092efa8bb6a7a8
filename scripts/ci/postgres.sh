#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the Iceberg catalog tests (idempotent; safe to call twice).
#
#   scripts/ci/postgres.sh          # install (Debian package) if missing, init, start, create the database
#   scripts/ci/postgres.sh stop     # stop it
#   scripts/ci/postgres.sh fresh DB # start, then drop and create database DB; print its MESH_TEST_PG_URI
#
# Listens on 127.0.0.1:${MESH_PG_PORT:-55432} only, data in ${MESH_PG_DIR:-/tmp/mesh-pg}; database `iceberg`
# owned by user `mesh` (password `mesh`, test-only). Tests find it through MESH_TEST_PG_URI, default
#   postgresql+psycopg://mesh:mesh@127.0.0.1:55432/iceberg
# and skip (with the reason) when it is unreachable. Nothing is exported globally.
set -euo pipefail

PORT="${MESH_PG_PORT:-55432}"
DATA="${MESH_PG_DIR:-/tmp/mesh-pg}"
OS_USER=postgres

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
  done
  return 1
}

BIN="$(find_bin || true)"
if [[ -z "$BIN" ]]; then
  echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql >/dev/null
  BIN="$(find_bin)"
fi

# initdb and postgres refuse to run as root: run them as the `postgres` system user.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    id -u "$OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$OS_USER"
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

if [[ "${1:-start}" == stop ]]; then
  [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop
  exit 0
fi

# A data directory another OS user made (a shared machine): the server would not start on it.
owner="$OS_USER"
[[ "$(id -u)" != 0 ]] && owner="$(id -un)"
if [[ -d "$DATA" && "$(stat -c %U "$DATA")" != "$owner" ]]; then
  echo "postgres.sh: $DATA belongs to $(stat -c %U "$DATA"), not $owner; set MESH_PG_DIR (and MESH_PG_PORT) to a folder and port of your own, or remove it" >&2
  exit 1
fi

if [[ ! -f "$DATA/PG_VERSION" ]]; then
  mkdir -p "$DATA"
  [[ "$(id -u)" == 0 ]] && { id -u "$OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$OS_USER"; chown "$OS_USER" "$DATA"; }
  chmod 700 "$DATA"
  # Local socket connections trust the OS user (setup only); TCP connections need a password.
  as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-instructions >/dev/null
fi

if ! as_owner "$BIN/pg_isready" -h "$DATA" -p "$PORT" -q; then
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA" start >/dev/null
fi

psql_admin() { as_owner "$BIN/psql" -h "$DATA" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [[ -z "$(psql_admin -c "select 1 from pg_roles where rolname = 'mesh'")" ]]; then
  psql_admin -c "create role mesh login password 'mesh'"
fi
if [[ -z "$(psql_admin -c "select 1 from pg_database where datname = 'iceberg'")" ]]; then
  psql_admin -c "create database iceberg owner mesh"
fi
if [[ "${1:-start}" == fresh ]]; then
  # An empty catalog database for one run: a kept data directory (a reused machine, a second run) must
  # not hand the tests an earlier run's catalog rows.
  name="${2:?usage: postgres.sh fresh DATABASE}"
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "postgres.sh: database name $name: use [a-z0-9_]" >&2; exit 2; }
  psql_admin -c "drop database if exists $name with (force)" -c "create database $name owner mesh"
  echo "postgresql+psycopg://mesh:mesh@127.0.0.1:$PORT/$name"
  exit 0
fi
echo "postgres.sh: PostgreSQL ready at 127.0.0.1:$PORT (MESH_TEST_PG_URI=postgresql+psycopg://mesh:mesh@127.0.0.1:$PORT/iceberg)"
