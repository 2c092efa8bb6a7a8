#!/usr/bin/env bash
# Pull-request CI: the same steps in GitHub Actions (.github/workflows/pull-request.yml) and locally
# (`make pr-ci`). Production's state is the base commit built at CI scale (kept per base commit):
#   1. mesh check --state: policies + breaking changes (MESH1xx) against production -> SARIF
#   2. mesh build --changed --state: only what the pull request changes, in its own namespace
#   3. mesh pr-summary: affected domains and products, owners, breaking changes, data differences
# Exit status: the first failing step's (all steps run, so the summary always describes the change).
set -uo pipefail
cd "$(dirname "$0")/../.."
BASE="${PR_BASE:-main}"
PR_ID="${MESH_PR_ID:-local}"
OUT="${PR_CI_DIR:-.mesh/pr-ci}"
SCALE="${CI_SCALE:-0.02}"
BIN="${VENV_BIN:-.venv/bin}"
base_sha=$(git rev-parse --verify "$BASE^{commit}") || { echo "error: base $BASE is not a commit" >&2; exit 2; }
prod="$OUT/prod-$base_sha"
mkdir -p "$OUT"
if [ ! -f "$prod/.complete" ]; then
  echo "production state: building $BASE ($base_sha) at scale $SCALE"
  for old in "$OUT"/prod-*; do [ -d "$old/mesh" ] && git worktree remove --force "$old/mesh"; rm -rf "$old"; done
  git worktree add --detach "$prod/mesh" "$base_sha" >/dev/null || exit 2
  "$BIN/python" scripts/generate_data.py --scale "$SCALE" --seed 7 --out "$prod/data" >/dev/null || exit 1
  MESH_ROOT="$prod/mesh" MESH_DATA_DIR="$prod/data" "$BIN/mesh" build || exit 1
  MESH_ROOT="$prod/mesh" "$BIN/python" - "$prod/state" <<'PY' || exit 1
import shutil, sys
from pathlib import Path
from governance.project import Projects
for project in Projects.discover().projects.values():
    (Path(sys.argv[1]) / project.name).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(project.manifest_path, Path(sys.argv[1]) / project.name / "manifest.json")
    fingerprint = project.target_dir / "mesh_sources.json"  # lets a docs-only change plan without dbt
    if fingerprint.is_file():
        shutil.copyfile(fingerprint, Path(sys.argv[1]) / project.name / "mesh_sources.json")
PY
  touch "$prod/.complete"
fi
export MESH_DATA_DIR="$prod/data"  # production's warehouse files, attached read-only by the pull request
status=0
"$BIN/mesh" check --state "$prod/state" --format sarif --output "$OUT/check.sarif" || status=$?
"$BIN/mesh" build --changed --state "$prod/state" --pr "$PR_ID" || { s=$?; [ $status -eq 0 ] && status=$s; }
"$BIN/mesh" pr-summary --state "$prod/state" --pr "$PR_ID" --output "$OUT/summary.md" \
  || { s=$?; [ $status -eq 0 ] && status=$s; }
echo "SARIF: $OUT/check.sarif; summary: $OUT/summary.md"
exit $status
