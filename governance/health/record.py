"""What `mesh build` does for health once the projects are built.

1. `dbt source freshness` for each built project that declares freshness on a source (a `freshness`
   with a `loaded_at_field`), at most `jobs` at a time, upstream projects first (as the build ran). A
   source past its threshold is a warning: the build's exit code is the build's alone.
2. One observation per product and hub mart of the built projects (governance.health.signals), appended
   to the health store under the data folder, which is then pruned by age.
Nothing here can fail the build: a problem recording health is one warning line.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import orjson

from governance.build.results import Outcome, ProjectResult
from governance.build.runner import BuildOptions, dbt_executable, error_from_log, run_dbt
from governance.build.scheduler import run_in_order
from governance.build.targets import SINGLE_PROCESS_TARGETS
from governance.errors import MeshError
from governance.health.backends import record_observations
from governance.health.signals import duckdb_row_counts, observe
from governance.locations import query_database
from governance.project import DbtProject, Projects, data_dir

FAILING = ("error", "runtime error")


def declares_freshness(manifest: Path, project: str) -> bool:
    """Whether the project's own sources declare a freshness check (read from its manifest)."""
    if not manifest.is_file():
        return False
    sources = orjson.loads(manifest.read_bytes()).get("sources", {})
    for source in sources.values():
        if source.get("package_name") != project:
            continue
        freshness = source.get("freshness") or {}
        loaded_at = source.get("loaded_at_field") or (source.get("config") or {}).get("loaded_at_field")
        if loaded_at and (
            freshness.get("warn_after", {}).get("count") or freshness.get("error_after", {}).get("count")
        ):
            return True
    return False


def freshness_warnings(sources_json: Path, project: str) -> list[str]:
    data = orjson.loads(sources_json.read_bytes())
    late = [r for r in data.get("results", []) if r.get("status") in (*FAILING, "warn")]
    if not late:
        return []
    names = ", ".join(str(r.get("unique_id", "")).split(".", 2)[-1] for r in late[:4])
    more = f" and {len(late) - 4} more" if len(late) > 4 else ""
    return [f"{project}: source freshness: {len(late)} source(s) late ({names}{more})"]


def check_freshness(
    project: DbtProject, options: BuildOptions, profiles_dir: Path, env: dict[str, str]
) -> list[str]:
    """Run `dbt source freshness` for one project; warnings (never errors) to print."""
    target_dir = options.target_dir(project)
    sources_json = target_dir / "sources.json"
    sources_json.unlink(missing_ok=True)  # never read a previous run's results as this one's
    command = [
        dbt_executable(), "source", "freshness",
        "--project-dir", str(project.path), "--profiles-dir", str(profiles_dir),
        "--target", options.target, "--log-format", "json",
    ]  # fmt: skip
    if project.name in options.project_target:
        command += ["--target-path", str(target_dir)]
    # the project's own build environment too: a `trino` build's user and server are set per project
    build_env = options.project_env.get(project.name, {})
    full_env = {**os.environ, **env, **build_env}
    if options.workers is not None and not options.workers.closed:  # the build's own dbt interpreters
        request = {"argv": command[1:], "cwd": str(project.path), "env": full_env}
        returncode, _, lines = options.workers.run(request, lambda _: None)
    else:
        returncode, _, lines = run_dbt(command, project, full_env, lambda _: None)
    if not sources_json.is_file():
        causes = error_from_log(lines).splitlines()
        cause = causes[-1] if causes else f"exit {returncode}"
        return [f"{project.name}: dbt source freshness did not run ({cause})"]
    return freshness_warnings(sources_json, project.name)


def record_build(
    projects: Projects,
    results: Sequence[ProjectResult],
    *,
    options: BuildOptions,
    jobs: int,
    warn: Callable[[str], None],
    now: datetime | None = None,
) -> int:
    """Freshness checks, then one observation per product of the projects built; observations written."""
    from governance.lineage import build_lineage
    from governance.loader import load_mesh

    built = {r.project: r for r in results}
    chosen = [projects.projects[name] for name in built if name in projects.projects]
    data = data_dir(projects.root)
    env = {"MESH_DATA_DIR": str(data)}
    checked = [
        p
        for p in chosen
        if options.target not in SINGLE_PROCESS_TARGETS  # local Spark: CI's dialect proof, not a warehouse
        and built[p.name].outcome is Outcome.SUCCESS
        and declares_freshness(options.target_dir(p) / "manifest.json", p.name)
    ]

    def freshness(project: DbtProject) -> ProjectResult:
        profiles = projects.profiles_dir(project)
        for line in check_freshness(project, options, profiles, env):
            warn(line)
        return ProjectResult(project.name, Outcome.SUCCESS)

    # upstream first, as the build ran: a project's check opens its own DuckDB file for writing, which
    # its readers' checks (attaching it read-only) must not hold at the same time
    run_in_order(checked, freshness, jobs=jobs, on_skip=lambda _: None)
    try:
        mesh = load_mesh(projects.root, projects)
    except MeshError as error:
        warn(f"health not recorded: {error}")
        return 0
    lineage = build_lineage(mesh)
    row_counts: dict[str, int] = {}
    # the file each project's profile writes on the build's target, as dbt resolved it (an adopter's
    # layout too); a target that is no DuckDB file (spark, databricks, trino) has no row counts here
    environ = {**os.environ, **env}
    files = {
        p.name: f
        for p in chosen
        if (f := query_database(p, projects.root, environ, options.target)) is not None
    }
    if files:
        row_counts = duckdb_row_counts(files, (m for m in mesh.models() if m.project in files))
    moment = now or datetime.now(UTC)
    observations = observe(
        mesh, lineage, run_id=f"{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", observed_at=moment,
        projects={name: str(r.outcome) for name, r in built.items()}, row_counts=row_counts,
        nodes={
            **{uid: "success" for r in results for uid in r.built},
            **{uid: "failed" for r in results for uid in r.failed_nodes if uid.startswith("model.")},
        },
    )  # fmt: skip
    return record_observations(projects.root, data, lambda: observations, moment, warn)
