"""Helper process for `mesh build --changed`: each project's pull-request manifest and dbt's own
`state:modified` nodes, for every project in one interpreter (one dbt start-up instead of one per project).

usage: python -m governance.build.modified SPEC.json OUT.json
SPEC: {"target": str, "vars": str|null, "projects": [{"name", "path", "profiles_dir", "target_path",
       "state": str|null, "loom_config": str}]} in dependency order (dbt-loom reads each upstream's
       freshly written manifest). OUT: {project: [unique ids dbt selects as state:modified] or null when
       the project has no production state}. Sequential on purpose: dbt-loom patches dbt per project.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import orjson


def modified_nodes(project: dict[str, Any], spec: dict[str, Any]) -> list[str] | None:
    from dbt.cli.main import dbtRunner

    os.environ["DBT_LOOM_CONFIG"] = project["loom_config"]
    # the file log in JSON, as the build writes it: which command, its process, how it parsed
    common = ["--project-dir", project["path"], "--profiles-dir", project["profiles_dir"],
              "--target", spec["target"], "--target-path", project["target_path"], "--quiet",
              "--log-format-file", "json"]  # fmt: skip
    if spec.get("vars") is not None:
        common += ["--vars", spec["vars"]]
    with contextlib.chdir(project["path"]):
        if project["state"] is None:  # no production manifest: only the pull request's manifest is needed
            result = dbtRunner().invoke(["parse", *common])
            found = None
        else:
            result = dbtRunner().invoke(
                [
                    "ls",
                    *common,
                    "--select",
                    "state:modified",
                    "--state",
                    project["state"],
                    "--output",
                    "json",
                    "--output-keys",
                    "unique_id",
                ]
            )
            lines = result.result if isinstance(result.result, list) else []
            found = sorted(orjson.loads(line)["unique_id"] for line in lines)
    if not result.success:
        raise SystemExit(f"{project['name']}: dbt could not parse the project: {result.exception}")
    return found


def main(spec_path: str, out_path: str) -> int:
    spec = orjson.loads(Path(spec_path).read_bytes())
    found = {p["name"]: modified_nodes(p, spec) for p in spec["projects"]}
    Path(out_path).write_bytes(orjson.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
