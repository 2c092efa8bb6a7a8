#!/usr/bin/env bash
# Debian packages the tests need besides the services with their own script (idempotent): Maven for the
# Iceberg REST catalog server's jars (scripts/ci/iceberg_rest.sh), graphviz for
# the lineage tests that render `mesh lineage --format dot` with `dot`. Installs only what is missing.
set -euo pipefail

# command the tests run -> Debian package providing it
declare -A PACKAGES=([dot]=graphviz [mvn]=maven)

missing=()
for command in "${!PACKAGES[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGES[$command]}")
done
if [[ ${#missing[@]} == 0 ]]; then
  exit 0
fi
echo "packages.sh: installing ${missing[*]} from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for command in "${!PACKAGES[@]}"; do
  command -v "$command" >/dev/null || { echo "packages.sh: $command still missing after install" >&2; exit 1; }
done
