"""`mesh build --changed --state DIR`: build only what a pull request changes, across domains.

Per project, dbt's own `state:modified` nodes (contracts included) against production's manifest
(`DIR/<project>/manifest.json`) plus their descendants; then across domains: a consumer project builds
the models that read an affected product of an upstream project, and their descendants, nothing else.
A project with nothing affected is not started. Unselected refs defer to production (`--defer
--favor-state`), and dbt-loom reads, per upstream, the pull request's manifest where that project
changed (its rebuilt products pointing at the pull request's namespace, the others at production's
relations) and production's manifest where it did not.
"""

from __future__ import annotations

import collections
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from governance.build.fingerprint import Verdict
from governance.build.namespace import PullRequestNamespace
from governance.build.runner import BuildOptions, WorkerPool, cause_lines, install_packages, parse_identity
from governance.errors import MeshError
from governance.files import write_atomic
from governance.loader.artifacts import MANIFEST_SCHEMA
from governance.project import DbtProject, Projects, data_dir, profile_name, read_profiles

BUILT_KINDS = ("model", "seed", "snapshot")
SELECTED_KINDS = (*BUILT_KINDS, "test", "unit_test")


class PlanFailedError(Exception):
    """dbt could not parse a project of the pull request; the message is dbt's error lines."""


@dataclass
class ProjectPlan:
    project: str
    nodes: list[str]  # unique ids selected: models, seeds, snapshots and tests affected, sorted
    modified: list[str]  # dbt's state:modified nodes of this project
    reads: list[str]  # affected upstream products it reads
    products: list[str]  # its own public models among `nodes` (what its consumers must rebuild from)
    full: bool = False  # no production manifest: built in full
    reason: str = ""

    @property
    def built(self) -> list[str]:
        return [n for n in self.nodes if n.split(".", 1)[0] in BUILT_KINDS]


@dataclass
class SlimPlan:
    state_dir: Path
    namespace: PullRequestNamespace
    plans: dict[str, ProjectPlan] = field(default_factory=dict)  # projects to build, dependency order
    unchanged: list[str] = field(default_factory=list)  # projects not started
    warnings: list[str] = field(default_factory=list)
    # the dbt interpreters that planned, kept for the build (closed when it ends or the plan is dropped)
    workers: WorkerPool | None = None
    without_dbt: bool = False  # every project proven unchanged (documentation at most): dbt not started
    without_dbt_projects: list[str] = field(default_factory=list)  # proven unchanged, planned without dbt
    profiles_dir: Path | None = None  # the namespace's profiles, when generated while planning
    decided: threading.Event = field(default_factory=threading.Event)  # `plans` is complete


def state_manifest(state_dir: Path, project: str) -> Path:
    return state_dir / project / "manifest.json"


def check_state(state_dir: Path, projects: Sequence[DbtProject]) -> list[str]:
    """Warnings for projects without production state; one error line for a state of another dbt."""
    if not state_dir.is_dir():
        raise MeshError(f"{state_dir}: state directory not found; copy production's dbt artifacts there")
    warnings: list[str] = []
    for project in projects:
        path = state_manifest(state_dir, project.name)
        if not path.is_file():
            warnings.append(
                f"warning: {project.name}: no production manifest at {path}; building it in full "
                f"(copy production's target/manifest.json there to build only what changed)"
            )
            continue
        try:
            metadata = orjson.loads(path.read_bytes()).get("metadata") or {}
        except orjson.JSONDecodeError:
            raise MeshError(f"{path}: not valid JSON; replace it with production's manifest.json") from None
        version = metadata.get("dbt_schema_version") if isinstance(metadata, dict) else None
        if version != MANIFEST_SCHEMA:
            raise MeshError(
                f"{path}: manifest schema {version or 'missing'} was written by another dbt version "
                f"(this one writes {MANIFEST_SCHEMA}); take the state from a production run of the same dbt"
            )
    return warnings


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def loom_config(
    namespace: PullRequestNamespace, project: DbtProject, manifests: dict[str, Path], kind: str
) -> Path:
    """A dbt-loom configuration for `project` reading each upstream from the given manifest."""
    entries = [
        {"name": up, "type": "file", "config": {"path": str(manifests[up])}} for up in project.upstream
    ]
    return write_yaml(namespace.root / "loom" / f"{project.name}.{kind}.yml", {"manifests": entries})


def descendants(child_map: dict[str, list[str]], starts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    frontier = list(starts)
    while frontier:
        for child in child_map.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def read_manifest(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data


def plan_project(project: DbtProject, manifest: dict[str, Any], modified: list[str] | None,
                 affected_products: set[str]) -> ProjectPlan:  # fmt: skip
    nodes = manifest.get("nodes", {})
    own = {uid for uid, n in nodes.items() if n.get("package_name") == project.name}
    own |= {uid for uid, n in manifest.get("unit_tests", {}).items() if n.get("package_name") == project.name}
    if modified is None:
        chosen = {uid for uid in own if uid.split(".", 1)[0] in SELECTED_KINDS}
        reads: list[str] = []
    else:
        changed = {uid for uid in modified if uid in own}
        child_map = manifest.get("child_map", {})
        reads = sorted(
            uid for uid in affected_products if any(child in own for child in child_map.get(uid, []))
        )
        downstream = descendants(child_map, [*changed, *reads]) & own
        chosen = {uid for uid in changed | downstream if uid.split(".", 1)[0] in SELECTED_KINDS}
    products = sorted(
        uid for uid in chosen if uid.startswith("model.") and nodes.get(uid, {}).get("access") == "public"
    )
    return ProjectPlan(project.name, sorted(chosen), sorted(modified or []), reads, products,
                       full=modified is None)  # fmt: skip


def selectors(manifest: dict[str, Any], nodes: Iterable[str]) -> list[str]:
    """dbt selectors for exactly these nodes: `fqn:` for each (unique ids are not a dbt selector method)."""
    found: list[str] = []
    sections = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    for uid in nodes:
        node = sections[uid]
        prefix = "unit_test:" if uid.startswith("unit_test.") else "fqn:"
        found.append(prefix + (node["name"] if uid.startswith("unit_test.") else ".".join(node["fqn"])))
    return found


def merged_manifest(pr: dict[str, Any], production: dict[str, Any] | None, built: set[str]) -> dict[str, Any]:
    """The pull request's manifest where every node it does not rebuild points at production's relation."""
    if production is None:
        return pr
    nodes = dict(pr.get("nodes", {}))
    for uid, node in production.get("nodes", {}).items():
        if uid in nodes and uid not in built:
            nodes[uid] = node
    return {**pr, "nodes": nodes}


MACROS_FROM_ENV = "MESH_DBT_MACROS_FROM"  # dbt_mesh.macro_reuse reads it (that package imports dbt)


def macros_from(project: DbtProject) -> dict[str, str]:
    """The namespace parses each project in full (a new profile); its macros, the larger part of that
    parse, are taken from production's last parse of the project where no macro could differ
    (dbt_mesh/macro_reuse.py), for the build and the pre-parse alike (the same parse identity)."""
    return {MACROS_FROM_ENV: str(project.target_dir / "partial_parse.msgpack")}


def seed_partial_parse(project: DbtProject, plan_dir: Path) -> None:
    """Start planning from the project's last parse (its target/partial_parse.msgpack) when the namespace
    has none: planning parses with the same profile and environment as a plain `mesh build`, so dbt
    re-parses only the files that changed, and falls back to a full parse by itself when anything else
    (dbt version, profile, vars, project settings) differs."""
    saved = project.target_dir / "partial_parse.msgpack"
    seeded = plan_dir / "partial_parse.msgpack"
    if saved.is_file() and not seeded.is_file():
        plan_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, seeded)


def run_helper(
    spec: dict[str, Any], namespace: PullRequestNamespace, env: dict[str, str], workers: WorkerPool
) -> dict[str, Any]:
    """governance/build/modified.py in a dbt worker, which then stays up for the build."""
    spec_path = namespace.root / "plan" / "spec.json"
    out_path = namespace.root / "plan" / "modified.json"
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_bytes(orjson.dumps(spec))
    out_path.unlink(missing_ok=True)
    request = {"plan": [str(spec_path), str(out_path)], "cwd": str(namespace.root), "env": env}
    returncode, _, output = workers.run(request, lambda _: None)
    if returncode != 0 or not out_path.is_file():
        lines = cause_lines(b"".join(output).decode("utf-8", "replace"))
        raise PlanFailedError("\n".join(lines[-8:]) or f"dbt exited with {returncode}")
    result: dict[str, Any] = orjson.loads(out_path.read_bytes())
    return result


def compare_sources(projects: Projects, selected: Sequence[DbtProject], state_dir: Path,
                    env: dict[str, str], *, target: str, vars: str | None) -> dict[str, Verdict]:  # fmt: skip
    """Each project against production's fingerprint (governance/build/fingerprint.py)."""
    from governance.build import fingerprint

    profiles = {p.name: projects.profiles_dir(p) for p in selected}
    return fingerprint.compare(selected, state_dir, profiles, env, target=target, vars=vars)


def proven_unchanged(projects: Projects, found: dict[str, Verdict]) -> set[str]:
    """Projects whose own files and every selected upstream's differ from production's fingerprint in
    documentation at most: dbt would parse them into production's manifest (descriptions aside), select
    none of their nodes as `state:modified`, and no product they read changed, so they are planned from
    production's manifest without dbt. One whose upstream changed is parsed: a product it reads may have
    been removed, or a new version may now be the one its refs resolve to."""
    unchanged = {name for name, verdict in found.items() if verdict.why is None}
    return {name for name in unchanged if all_upstream(projects, name) & set(found) <= unchanged}


def planning_spec(project: DbtProject, projects: Projects, namespace: PullRequestNamespace, state_dir: Path,
                  upstream_manifests: dict[str, Path], *, own_unchanged: bool) -> dict[str, Any]:  # fmt: skip
    """What the planning helper (modified.py) needs of one project. `upstream` when the project's own
    files are production's: it is planned without dbt where its upstreams, once planned, offer it what
    they offered production."""
    seed_partial_parse(project, namespace.plan_dir(project.name))
    state = state_manifest(state_dir, project.name)
    spec: dict[str, Any] = {
        "name": project.name,
        "path": str(project.path),
        "profiles_dir": str(projects.profiles_dir(project)),
        "target_path": str(namespace.plan_dir(project.name)),
        "state": str(state.parent) if state.is_file() else None,
        "loom_config": str(loom_config(namespace, project, upstream_manifests, "plan")),
    }
    if own_unchanged:
        spec["upstream"] = [
            [up, str(upstream_manifests[up]), str(state_manifest(state_dir, up))] for up in project.upstream
        ]
    return spec


def plan_changed(
    projects: Projects,
    selected: Sequence[DbtProject],
    *,
    state_dir: Path,
    namespace: PullRequestNamespace,
    target: str,
    vars: str | None,
    env: dict[str, str],
    jobs: int = 2,
    preparse: bool = False,
) -> SlimPlan:
    """What to build: per project its state:modified nodes, descendants and readers of affected products.

    Planning runs in a dbt worker that the build then reuses (`build_options`), up to `jobs` of them."""
    state_dir = state_dir.resolve()
    plan = SlimPlan(state_dir, namespace, warnings=check_state(state_dir, selected))
    found = compare_sources(projects, selected, state_dir, env, target=target, vars=vars)
    proven = proven_unchanged(projects, found)
    if proven and all(project.name in proven for project in selected):
        plan.without_dbt = True
    planned = [project for project in selected if project.name not in proven]
    if planned:
        plan.workers = WorkerPool(jobs)
        weakref.finalize(plan, plan.workers.close)  # a dry run, or nothing to build: ended with the plan
        plan.workers.prestart(2 if preparse else 1)  # dbt's import overlaps with what follows
    for project in selected:
        if project.name in proven:  # the pull request's manifest (`mesh pr-summary`, `mesh diff`, dbt-loom)
            plan_dir = namespace.plan_dir(project.name)
            plan_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state_manifest(state_dir, project.name), plan_dir / "manifest.json")
            plan.unchanged.append(project.name)
            plan.without_dbt_projects.append(project.name)
    if not planned:
        return plan
    assert plan.workers is not None
    for project in planned:
        error = install_packages(project, projects.profiles_dir(project), env)
        if error:
            raise PlanFailedError(f"{project.name}: {error}")
    parse_ahead = None
    if preparse:
        parse_ahead = start_early_preparse(
            plan, projects, [p.name for p in planned], found, env, target=target, vars=vars
        )
    # Planning parses the pull request with production's names (no namespace suffix, the repository's
    # profiles), so a relation name is never a difference: only what the pull request changed is.
    pr_manifests = {p.name: namespace.plan_dir(p.name) / "manifest.json" for p in selected}
    upstream_manifests = {
        name: pr_manifests.get(name, state_manifest(state_dir, name)) for name in projects.projects
    }
    spec_projects = [
        planning_spec(
            project,
            projects,
            namespace,
            state_dir,
            upstream_manifests,
            own_unchanged=found[project.name].why is None,
        )
        for project in planned
    ]
    spec = {"target": target, "vars": vars, "projects": spec_projects}
    helped = run_helper(spec, namespace, env, plan.workers)
    modified = helped["modified"]
    plan.without_dbt_projects += helped["without_dbt"]  # readers of what they read in production
    affected_products: set[str] = set()
    for project in planned:
        manifest = read_manifest(pr_manifests[project.name])
        project_plan = plan_project(project, manifest, modified.get(project.name), affected_products)
        if not project_plan.nodes:
            plan.unchanged.append(project.name)
            continue
        affected_products |= set(project_plan.products)
        plan.plans[project.name] = project_plan
    plan.decided.set()  # the early pre-parse skips the projects left out
    preparse_beside(parse_ahead, plan, projects)
    return plan


def loom_manifest(namespace: PullRequestNamespace, project: str) -> Path:
    return namespace.root / "loom" / f"{project}.manifest.json"


def write_loom_manifest(plan: SlimPlan, project: str) -> None:
    """After `project` built: what its consumers' dbt-loom reads, the pull request's manifest (as the
    build wrote it, with the namespace's relations) where every node it did not rebuild points at
    production's relation."""
    namespace = plan.namespace
    pr = read_manifest(namespace.target_dir(project) / "manifest.json")
    state = state_manifest(plan.state_dir, project)
    production = read_manifest(state) if state.is_file() else None
    merged = merged_manifest(pr, production, set(plan.plans[project].built))
    path = loom_manifest(namespace, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(merged))


# What deferral never reads of the state's manifest (dbt's `merge_from_artifact` takes nodes and functions;
# the build selects by `fqn:`, no `state:` method): the macros are most of a manifest's bytes.
UNREAD_BY_DEFERRAL = ("macros", "docs", "parent_map", "child_map", "group_map")


def deferral_state(plan: SlimPlan, project: str) -> Path:
    """Production's manifest of `project` holding only its own nodes. dbt defers every unselected node
    found in the state, and production's manifest also holds the upstream products dbt-loom injected
    there: deferring those would read production's copy of a product the pull request rebuilt. What
    deferral does not read is left empty: dbt loads this file before every build."""
    production = read_manifest(state_manifest(plan.state_dir, project))
    own = {k: v for k, v in production.get("nodes", {}).items() if v.get("package_name") == project}
    folder = plan.namespace.root / "defer" / project
    folder.mkdir(parents=True, exist_ok=True)
    unread: dict[str, object] = {key: {} for key in UNREAD_BY_DEFERRAL if key in production}
    (folder / "manifest.json").write_bytes(orjson.dumps({**production, **unread, "nodes": own}))
    return folder


def build_options(
    plan: SlimPlan, projects: Projects, *, target: str, vars: str | None, full_refresh: bool,
    exclude: Sequence[str],
) -> BuildOptions:  # fmt: skip
    """Per project: its node selection, deferral to production, and dbt-loom reading the right manifests
    (the merged manifest of a rebuilt upstream is written when that upstream finishes, before any consumer
    starts: `write_loom_manifest`)."""
    namespace = plan.namespace
    loom_manifests = {
        name: loom_manifest(namespace, name) if name in plan.plans else state_manifest(plan.state_dir, name)
        for name in projects.order
    }
    project_select: dict[str, Sequence[str]] = {}
    defer: dict[str, Path] = {}
    project_env: dict[str, dict[str, str]] = {}
    target_paths: dict[str, Path] = {}
    for name, project_plan in plan.plans.items():
        project = projects.projects[name]
        pr = read_manifest(namespace.plan_dir(name) / "manifest.json")
        if not project_plan.full:
            project_select[name] = selectors(pr, project_plan.nodes)
            defer[name] = deferral_state(plan, name)
        config = loom_config(namespace, project, loom_manifests, "build")
        project_env[name] = {**namespace.env, **macros_from(project), "DBT_LOOM_CONFIG": str(config)}
        target_paths[name] = namespace.target_dir(name)
    return BuildOptions(
        target=target, exclude=tuple(exclude), vars=vars, full_refresh=full_refresh,
        project_select=project_select, defer_state=defer, project_env=project_env,
        project_target=target_paths, workers=plan.workers,
    )  # fmt: skip


def start_early_preparse(plan: SlimPlan, projects: Projects, candidates: Sequence[str],
                         found: dict[str, Verdict], env: dict[str, str], *, target: str,
                         vars: str | None) -> Callable[[], None] | None:  # fmt: skip
    """While dbt plans, parse in a second interpreter, in the namespace's profile, the projects dbt plans
    (every one not proven unchanged), in dependency order; once planning is done, in its interpreter too
    (`preparse_beside`), where no build waits for one (`Slots`). A build starts from that parse and
    re-parses only what changed, instead of parsing in full (a new profile: its own database files). Once
    the plan is known, the projects it leaves out are skipped. A guess never changes what is built: a
    project the plan leaves out only leaves a parse behind in the namespace, and a build always parses
    itself. Only when a project's own files changed beyond documentation (production's fingerprint says
    so): otherwise dbt plans every project and the guess would be all of them."""
    workers = plan.workers
    if workers is None or workers.size < 2 or not any(found[name].edited for name in candidates):
        return None
    namespace = plan.namespace
    plan.profiles_dir = pr_profiles(projects, namespace, target)
    production = {name: state_manifest(plan.state_dir, name) for name in projects.projects}
    requests = []
    for name in (n for n in projects.order if n in candidates):
        project = projects.projects[name]
        argv = ["parse", "--project-dir", str(project.path), "--profiles-dir", str(plan.profiles_dir),
                "--target", target, "--target-path", str(namespace.target_dir(name)), "--quiet",
                # its own log: planning writes the project's logs/dbt.log at the same time
                "--log-path", str(namespace.root / "logs" / name), "--log-format-file", "json"]  # fmt: skip
        if vars is not None:
            argv += ["--vars", vars]
        loom = loom_config(namespace, project, production, "early")  # injected nodes are replaced on load
        request_env = {**env, **namespace.env, **macros_from(project), "DBT_LOOM_CONFIG": str(loom)}
        keep = parse_identity(argv, request_env)  # the build takes this parse where it would parse the same
        requests.append((name, {"argv": argv, "cwd": str(project.path), "env": request_env, "keep": keep}))

    queue = collections.deque(requests)
    kept_for_build = set(first_of(projects, candidates))

    def preparse() -> None:
        while not workers.closed:
            try:
                name, request = queue.popleft()
            except IndexError:
                return
            if plan.decided.is_set() and name not in plan.plans:
                continue
            if workers.run_unless_claimed(request, name) and name in kept_for_build:
                # its interpreter keeps the parse for the project's build (nothing it reads can be rebuilt):
                # parse nothing more there before the plan says whether it builds (then `expect` guards it)
                while not plan.decided.wait(0.05) and not workers.closed:
                    pass

    threading.Thread(target=preparse, name="mesh-early-preparse", daemon=True).start()
    return preparse


def preparse_beside(preparse: Callable[[], None] | None, plan: SlimPlan, projects: Projects) -> None:
    """Once planning is done, its interpreter (and any other idle one) parses ahead too, after the
    builds that start first (nothing planned upstream of them) have been promised theirs."""
    workers = plan.workers
    if preparse is None or workers is None:
        return
    workers.expect(first_of(projects, list(plan.plans)))
    for _ in range(workers.size - 1):
        threading.Thread(target=preparse, name="mesh-early-preparse", daemon=True).start()


def pr_profiles(projects: Projects, namespace: PullRequestNamespace, target: str) -> Path:
    """One profiles.yml for the pull request, from each project's own profiles. On DuckDB each project
    writes its own file in the namespace and attaches read-only production's files (its own and its
    upstreams') under their production names and its upstreams' namespace files under theirs; a namespace
    file nothing wrote yet is created empty so the attachment opens. Other engines keep their profile:
    the catalog suffix alone separates the namespace."""
    import duckdb

    generated: dict[str, Any] = {}
    (namespace.root / "warehouse").mkdir(parents=True, exist_ok=True)
    for project in projects.projects.values():
        profiles = read_profiles(projects.profiles_dir(project))
        name = profile_name(project)
        profile = profiles.get(name) or {}
        generated[name] = profile
        output = (profile.get("outputs") or {}).get(target)
        if not isinstance(output, dict) or output.get("type") != "duckdb":
            continue
        attach = [a for a in output.get("attach") or [] if isinstance(a, dict)]
        attach.append({"path": output["path"], "alias": project.name, "read_only": True})
        for up in sorted(all_upstream(projects, project.name)):
            attach.append(
                {"path": str(namespace.warehouse_file(up)), "alias": namespace.catalog(up), "read_only": True}
            )
            if not namespace.warehouse_file(up).is_file():
                duckdb.connect(str(namespace.warehouse_file(up))).close()
        profile["outputs"][target] = {
            **output,
            "path": str(namespace.warehouse_file(project.name)),
            "attach": attach,
        }
    return write_yaml(namespace.root / "profiles" / "profiles.yml", generated).parent


def all_upstream(projects: Projects, name: str) -> set[str]:
    found: set[str] = set()
    frontier = [name]
    while frontier:
        for up in projects.projects[frontier.pop()].upstream:
            if up not in found:
                found.add(up)
                frontier.append(up)
    return found


def ready_after(plan: SlimPlan, projects: Projects, built: set[str]) -> list[str]:
    """The planned projects not built yet whose planned upstreams have all built: the builds about to ask
    for an interpreter once the last of those upstreams ends."""
    planned = set(plan.plans)
    return [
        name for name in plan.plans
        if name not in built and all(up in built for up in projects.projects[name].upstream if up in planned)
    ]  # fmt: skip


def first_of(projects: Projects, names: Sequence[str]) -> list[str]:
    """Those of `names` with none of `names` upstream of them: what builds first, nothing to wait for."""
    return [name for name in names if not all_upstream(projects, name) & set(names)]


def production_data_dir(projects: Projects) -> Path:
    return data_dir(projects.root)


def describe(plan: SlimPlan) -> list[str]:
    """One line per project: why it builds and how many nodes, or that it is not started."""
    lines: list[str] = []
    for name, project_plan in plan.plans.items():
        if project_plan.full:
            why = "no production manifest, built in full"
        else:
            parts = []
            own = [n for n in project_plan.modified if n.split(".", 1)[0] in SELECTED_KINDS]
            if own:
                parts.append(f"{len(own)} node(s) modified")
            if project_plan.reads:
                parts.append("reads changed " + ", ".join(short(n) for n in project_plan.reads))
            why = "; ".join(parts)
        built = ", ".join(short(n) for n in project_plan.built) or "tests only"
        lines.append(f"[{name}] {why}: building {built}")
    if plan.without_dbt:
        lines.append("documentation only (production's mesh_sources.json): planned without dbt")
    elif plan.without_dbt_projects:
        names = ", ".join(plan.without_dbt_projects)
        lines.append(
            "unchanged against production's mesh_sources.json (documentation at most), reading upstreams "
            f"that offer them what production's did: planned without dbt: {names}"
        )
    if plan.unchanged:
        lines.append(f"not started (nothing changed): {', '.join(plan.unchanged)}")
    return lines


def short(unique_id: str) -> str:
    """`model.orders.dim_customers.v2` -> `orders.dim_customers.v2`."""
    return unique_id.split(".", 1)[1]


def write_plan(plan: SlimPlan) -> Path:
    data = {
        "pr": plan.namespace.pr_id,
        "state": str(plan.state_dir),
        "projects": {
            name: {
                "nodes": p.nodes,
                "built": p.built,
                "modified": p.modified,
                "reads": p.reads,
                "products": p.products,
                "full": p.full,
            }
            for name, p in plan.plans.items()
        },
        "unchanged": plan.unchanged,
        "warnings": plan.warnings,
        "without_dbt": plan.without_dbt,
        "planned_without_dbt": plan.without_dbt_projects,
    }
    path = plan.namespace.root / "plan" / "plan.json"
    write_atomic(path, orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8"))
    return path


def write_results(plan: SlimPlan, results: Sequence[Any]) -> Path:
    data = {
        r.project: {
            "outcome": r.outcome.value,
            "built": r.built,
            "seconds": round(r.seconds, 2),
            "reason": r.reason,
        }
        for r in results
    }
    path = plan.namespace.root / "plan" / "results.json"
    write_atomic(path, orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8"))
    return path
