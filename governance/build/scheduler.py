"""Build projects in dependency order, independent ones concurrently; a failure stops only its downstream."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from governance.build.results import Outcome, ProjectResult
from governance.build.runner import BuildOptions, NodeEvent, build_project
from governance.errors import MeshError
from governance.project import DbtProject, Projects, data_dir

BuildFn = Callable[[DbtProject], ProjectResult]


def check_upstream_manifests(projects: Projects, selected: Sequence[DbtProject]) -> None:
    """Every upstream that is not part of this build must already have a manifest for dbt-loom to read."""
    chosen = {p.name for p in selected}
    for project in selected:
        for name in project.upstream:
            upstream = projects.projects[name]
            if name not in chosen and not upstream.manifest_path.is_file():
                missing = upstream.manifest_path.relative_to(projects.root)
                raise MeshError(
                    f"{project.name} needs {missing}, which is missing: "
                    f"build {name} first (mesh build --domain {name})"
                )


def chain_weights(selected: Sequence[DbtProject], weight: Callable[[str], float]) -> dict[str, float]:
    """Per project: its own weight plus the heaviest chain of selected projects downstream of it."""
    children: dict[str, list[str]] = {p.name: [] for p in selected}
    for project in selected:
        for up in project.upstream:
            if up in children:
                children[up].append(project.name)
    chain: dict[str, float] = {}

    def heaviest(name: str) -> float:
        if name not in chain:
            chain[name] = weight(name) + max((heaviest(child) for child in children[name]), default=0)
        return chain[name]

    for project in selected:
        heaviest(project.name)
    return chain


def run_in_order(
    selected: Sequence[DbtProject], build: BuildFn, *, jobs: int, on_skip: Callable[[ProjectResult], None],
    weight: Callable[[str], float] | None = None,
) -> list[ProjectResult]:  # fmt: skip
    """Run `build` for each project once all its selected upstreams succeeded, at most `jobs` at a time.
    Of the projects ready at once, the one leading the heaviest chain of work still to do starts first
    (`weight`: a project's own work, 1 each by default), so the project the rest of the build waits on
    takes the free interpreter; ties keep the order given."""
    chosen = {p.name: p for p in selected}
    results: dict[str, ProjectResult] = {}
    chain = chain_weights(selected, weight or (lambda _: 1.0))
    pending = sorted(selected, key=lambda p: -chain[p.name])  # a stable sort: ties keep dependency order
    running: dict[Future[ProjectResult], str] = {}
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        while pending or running:
            for project in list(pending):
                upstream = [u for u in project.upstream if u in chosen]
                broken = [u for u in upstream if u in results and results[u].outcome is not Outcome.SUCCESS]
                if broken:
                    pending.remove(project)
                    skipped = ProjectResult(
                        project.name, Outcome.SKIPPED, reason=f"upstream {broken[0]} did not build"
                    )
                    results[project.name] = skipped
                    on_skip(skipped)
                elif all(u in results for u in upstream) and len(running) < max(jobs, 1):
                    pending.remove(project)
                    running[pool.submit(build, project)] = project.name
            if not running:
                continue  # everything left was just skipped; loop to drain `pending`
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
    return [results[p.name] for p in selected]


def build_mesh(
    projects: Projects,
    selected: Sequence[DbtProject],
    *,
    jobs: int,
    on_start: Callable[[str], None],
    on_event: Callable[[NodeEvent], None],
    on_finish: Callable[[ProjectResult], None],
    target: str = "ci",
    select: Sequence[str] = (),
    env: dict[str, str] | None = None,
    options: BuildOptions | None = None,
    profiles_dir: Path | None = None,
    upstream_manifests_checked: bool = True,
    weight: Callable[[str], float] | None = None,
) -> list[ProjectResult]:
    """Build `selected` in dependency order; `options` (else `target` and `select`) say how; `weight`: each
    project's share of the work (`run_in_order`). Interpreters in `options.workers` are left running:
    their owner closes them (freshness checks reuse them)."""
    options = options or BuildOptions(target=target, select=tuple(select))
    if upstream_manifests_checked:
        check_upstream_manifests(projects, selected)
    env = {"MESH_DATA_DIR": str(data_dir(projects.root)), **(env or {})}

    def build(project: DbtProject) -> ProjectResult:
        on_start(project.name)
        profiles = profiles_dir or projects.profiles_dir(project)  # mesh.yml decides
        result = build_project(project, options=options, profiles_dir=profiles, on_progress=on_event, env=env)
        on_finish(result)
        return result

    return run_in_order(selected, build, jobs=jobs, on_skip=on_finish, weight=weight)


def default_jobs() -> int:
    """One project per core: each dbt process is mostly single-threaded Python plus DuckDB."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))
