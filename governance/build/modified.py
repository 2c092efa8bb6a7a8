"""Helper process for `mesh build --changed`: each project's pull-request manifest and dbt's own
`state:modified` nodes, for every project in one interpreter (one dbt start-up instead of one per project).

usage: python -m governance.build.modified SPEC.json OUT.json
SPEC: {"target": str, "vars": str|null, "projects": [{"name", "path", "profiles_dir", "target_path",
       "state": str|null, "loom_config": str, "upstream": [[name, manifest read, production's]] or
       absent}]} in dependency order (dbt-loom reads each upstream's freshly written manifest).
       OUT: {"modified": {project: [unique ids dbt selects as state:modified] or null when the project has
       no production state}, "without_dbt": [projects planned from production's manifest]}.
       Sequential on purpose: dbt-loom patches dbt per project.

A project whose own files are production's ("upstream" given: its fingerprint differs in documentation
at most) and whose upstreams offer it what they offered production (`loom_interface`) would parse into
production's manifest, so dbt is not started for it: its manifest is production's, and nothing of its
own is modified. What it reads that the pull request rebuilt still selects its readers (slim.py
`plan_project`, from that manifest's child map).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import orjson

# What dbt-loom reads of an upstream manifest's node to inject it into a consumer (dbt_loom ManifestNode and
# LoomModelNodeArgs): where the node is, how it may be referenced, what it depends on. Everything else of
# the node (its SQL, columns, tests, checksum) never reaches the consumer's parse.
INJECTED_KEYS = (
    "name", "package_name", "resource_type", "schema", "database", "relation_name", "alias", "version",
    "latest_version", "deprecation_date", "access", "group", "enabled",
)  # fmt: skip
INJECTED_CONFIG_KEYS = ("access", "group", "event_time", "enabled")
NOT_INJECTED = ("test", "macro")  # dbt-loom skips these unique-id kinds


def loom_interface(manifest: dict[str, Any]) -> dict[str, Any]:
    """What dbt-loom injects from this upstream manifest into a consumer, node by node."""
    interface: dict[str, Any] = {}
    for unique_id, node in (manifest.get("nodes") or {}).items():
        if unique_id.split(".", 1)[0] in NOT_INJECTED or not isinstance(node, dict):
            continue
        config, depends_on = (node.get(key) for key in ("config", "depends_on"))
        config = config if isinstance(config, dict) else {}
        depends_on = depends_on if isinstance(depends_on, dict) else {}
        interface[unique_id] = (
            [node.get(key) for key in INJECTED_KEYS],
            [config.get(key) for key in INJECTED_CONFIG_KEYS],
            depends_on.get("nodes"),
        )
    return interface


def same_upstream_interface(upstream: list[list[str]], read_before: dict[str, Any] | None = None) -> bool:
    """Whether every upstream manifest this consumer's dbt-loom reads offers it exactly what production's
    offered (a missing or unreadable manifest: no). `read_before`: the interfaces already read in this
    planning, by path (several readers of one upstream read its two manifests once)."""
    interfaces = {} if read_before is None else read_before
    for _name, read, production in upstream:
        if read == production:
            continue
        try:
            for path in (read, production):
                if path not in interfaces:
                    interfaces[path] = loom_interface(orjson.loads(Path(path).read_bytes()))
        except (OSError, orjson.JSONDecodeError):
            return False
        if interfaces[read] != interfaces[production]:
            return False
    return True


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
    found: dict[str, list[str] | None] = {}
    without_dbt: list[str] = []
    interfaces: dict[str, Any] = {}  # an upstream's manifest is final once planned: read once for all readers
    for project in spec["projects"]:
        upstream = project.get("upstream")
        if project["state"] and upstream is not None and same_upstream_interface(upstream, interfaces):
            target = Path(project["target_path"])
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(project["state"]) / "manifest.json", target / "manifest.json")
            found[project["name"]] = []
            without_dbt.append(project["name"])
        else:
            found[project["name"]] = modified_nodes(project, spec)
    Path(out_path).write_bytes(orjson.dumps({"modified": found, "without_dbt": without_dbt}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
