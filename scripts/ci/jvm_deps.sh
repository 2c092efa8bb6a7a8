#!/usr/bin/env bash
# Resolve the JVM jars a lane needs into the repository's own cache before the JVM that needs them starts,
# so a failed download is one line naming the artifact instead of a JVM that dies mid-start.
#
#   scripts/ci/jvm_deps.sh spark    # delta-spark (profiles/profiles.yml spark.jars.packages) into .cache/ivy
#
# Resolution uses deploy/spark/ivysettings.xml (IVY_SETTINGS: another file), the settings the Spark sessions use: Maven Central only,
# checksums verified, never ~/.m2 or ~/.ivy2 (the sessions set spark.jars.ivy to .cache/ivy too: Spark 4 otherwise keeps its
# cache and retrieved jars in ~/.ivy2.5.2, under the JVM's user.home). Trino's server and plugin: scripts/ci/trino.sh (same cache
# folder, .sha1 verified).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
say() { echo "jvm_deps.sh: $*" >&2; }

# shellcheck source=scripts/ci/jdk.sh
. "$ROOT/scripts/ci/jdk.sh"

# The artifact spark.jars.packages names in the profiles (one place to change the version).
delta_coordinate() {
  sed -n 's/^ *spark\.jars\.packages: *"\([^"]*\)".*/\1/p' "$ROOT/profiles/profiles.yml" | sort -u
}

spark() {
  local java ivy coordinate group artifact version log
  java="$(find_jdk 17 0 "${JAVA_HOME:-}")/bin/java" || { say "no JDK 17 or newer (JAVA_HOME, /usr/lib/jvm); install one"; exit 1; }
  ivy="$("$PY" -c 'import pathlib, pyspark; print(next((pathlib.Path(pyspark.__file__).parent / "jars").glob("ivy-*.jar")))')" \
    || { say "pyspark's Ivy jar not found; run make install"; exit 1; }
  coordinate="$(delta_coordinate)"
  [[ "$coordinate" =~ ^[^:]+:[^:]+:[^:]+$ ]] \
    || { say "profiles/profiles.yml: expected one spark.jars.packages group:artifact:version, found '$coordinate'"; exit 2; }
  IFS=: read -r group artifact version <<<"$coordinate"
  log="$(mktemp)"
  trap 'rm -f "$log"' RETURN
  if ! "$java" -jar "$ivy" -settings "${IVY_SETTINGS:-$ROOT/deploy/spark/ivysettings.xml}" \
    -dependency "$group" "$artifact" "$version" -confs default >"$log" 2>&1; then
    local missing
    missing="$(grep -Eo '(module not found|download failed|invalid sha1|invalid md5)[^$]*' "$log" | head -3 | tr '\n' ';')"
    say "cannot resolve $coordinate from Maven Central (${missing:-$(tail -n 1 "$log")}); check access to repo1.maven.org, or delete .cache/ivy to download again"
    exit 1
  fi
  say "$coordinate and its dependencies are in .cache/ivy"
}

case "${1:-}" in
  spark) spark ;;
  *) say "usage: jvm_deps.sh spark"; exit 2 ;;
esac
