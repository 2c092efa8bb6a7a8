"""The Databricks Asset Bundle (databricks.yml + resources/*.yml).

No Databricks CLI runs here, so the job definitions are checked against the typed bundle models of the
`databricks-bundles` package (generated from the same schema as the CLI's; unknown fields and wrong types
are rejected), and the task graph against the mesh itself: one dbt build task per Databricks-platform
project, with `depends_on` equal to the project's upstream domains, in `Projects.discover().order`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.bundles.jobs import Job

from governance.build.targets import known_targets, runs_on
from governance.project import Platform, Projects
from tests.domains.mesh_copy import copy_mesh

ROOT = Path(__file__).parents[2]
TARGETS = ("dev", "staging", "prod")
VARIABLE = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")


def load_bundle(root: Path) -> dict[str, Any]:
    """databricks.yml with its included files merged in; each job remembers its file (paths are relative)."""
    bundle = yaml.safe_load((root / "databricks.yml").read_text(encoding="utf-8"))
    jobs: dict[str, Any] = {}
    for pattern in bundle.get("include", []):
        for path in sorted(root.glob(pattern)):
            included = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for name, job in (included.get("resources", {}).get("jobs") or {}).items():
                assert name not in jobs, f"job {name!r} defined twice"
                jobs[name] = {**job, "__file__": path}
    bundle.setdefault("resources", {})["jobs"] = jobs
    return bundle


def job_definition(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if k != "__file__"}


def resolve(job: dict[str, Any], relative: str) -> Path:
    return (Path(job["__file__"]).parent / relative).resolve()


def dbt_tasks(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from (t for t in job["tasks"] if "dbt_task" in t)


def builds(task: dict[str, Any]) -> bool:
    return any(c.split()[:2] == ["dbt", "build"] for c in task["dbt_task"]["commands"])


def task_graph_problems(job: dict[str, Any], projects: Projects) -> list[str]:
    """Everything in the job's task graph that disagrees with the mesh's projects and dependency order."""
    problems: list[str] = []
    by_path = {p.path.resolve(): p for p in projects.projects.values()}
    task_project: dict[str, str] = {}
    for task in dbt_tasks(job):
        project = by_path.get(resolve(job, task["dbt_task"]["project_directory"]))
        if project is None:
            problems.append(f"{task['task_key']}: project_directory is not a project of the mesh")
            continue
        task_project[task["task_key"]] = project.name
        if builds(task) and not runs_on(project, "databricks"):
            problems.append(f"{task['task_key']}: builds {project.name}, which is platform external")
    build_task = {task_project[t["task_key"]]: t["task_key"] for t in dbt_tasks(job) if builds(t)}
    manifest_task = {task_project[t["task_key"]]: t["task_key"] for t in dbt_tasks(job) if not builds(t)}
    for project in projects.projects.values():
        if runs_on(project, "databricks") and project.name not in build_task:
            problems.append(f"no dbt build task for Databricks project {project.name}")
    for name, key in {**manifest_task, **build_task}.items():
        project = projects.projects[name]
        task = next(t for t in job["tasks"] if t["task_key"] == key)
        expected = {
            build_task.get(up) or manifest_task.get(up, f"<no task for {up}>") for up in project.upstream
        }
        actual = {d["task_key"] for d in task.get("depends_on", [])}
        if actual != expected:
            problems.append(f"{key}: depends_on {sorted(actual)}, dependencies.yml says {sorted(expected)}")
    listed = [task_project[t["task_key"]] for t in dbt_tasks(job) if builds(t)]
    in_order = [n for n in projects.order if n in build_task]
    if listed != in_order:
        problems.append(f"dbt build tasks listed as {listed}, dependency order is {in_order}")
    return problems


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return load_bundle(ROOT)


@pytest.fixture(scope="module")
def projects() -> Projects:
    return Projects.discover(ROOT)


@pytest.fixture(scope="module")
def job(bundle: dict[str, Any]) -> dict[str, Any]:
    jobs = bundle["resources"]["jobs"]
    assert list(jobs) == ["mesh"], "one job, deployed once per bundle target (environment)"
    return dict(jobs["mesh"])


def test_targets_are_the_three_environments(bundle: dict[str, Any]) -> None:
    assert bundle["bundle"]["name"] == "lakehouse_mesh"
    targets = bundle["targets"]
    assert tuple(targets) == TARGETS
    assert [t for t, spec in targets.items() if spec.get("default")] == ["dev"]
    assert targets["dev"]["mode"] == "development"
    for name in ("staging", "prod"):
        assert targets[name]["mode"] == "production"
        assert targets[name]["workspace"]["root_path"].startswith("/Workspace/Shared/")
    for name, spec in targets.items():
        assert spec["variables"]["environment"] == name


def test_jobs_are_valid_bundle_job_definitions(bundle: dict[str, Any]) -> None:
    for job in bundle["resources"]["jobs"].values():
        Job.from_dict(job_definition(job))  # raises on an unknown field or a wrongly typed value
    for target, spec in bundle["targets"].items():
        for name, job in ((spec.get("resources") or {}).get("jobs") or {}).items():
            assert name in bundle["resources"]["jobs"], f"target {target} overrides unknown job {name}"
            Job.from_dict(job)


def test_typed_models_reject_what_the_cli_would(job: dict[str, Any]) -> None:
    broken = copy.deepcopy(job_definition(job))
    broken["tasks"][0]["dbt_task"]["project_dir"] = broken["tasks"][0]["dbt_task"].pop("project_directory")
    with pytest.raises(ValueError, match="project_dir"):
        Job.from_dict(broken)


def test_every_variable_is_declared_and_set_in_every_target(bundle: dict[str, Any]) -> None:
    text = (ROOT / "databricks.yml").read_text(encoding="utf-8") + "".join(
        Path(job["__file__"]).read_text(encoding="utf-8") for job in bundle["resources"]["jobs"].values()
    )
    declared = bundle["variables"]
    used = set(VARIABLE.findall(text))
    assert used <= set(declared), f"undeclared variables: {sorted(used - set(declared))}"
    assert set(declared) <= used, f"unused variables: {sorted(set(declared) - used)}"
    for target, spec in bundle["targets"].items():
        unset = [v for v, d in declared.items() if "default" not in d and v not in spec.get("variables", {})]
        assert not unset, f"target {target} leaves {unset} unset"


def test_dbt_tasks_follow_the_mesh_dependency_order(job: dict[str, Any], projects: Projects) -> None:
    assert task_graph_problems(job, projects) == []


def test_order_check_catches_a_missing_dependency(job: dict[str, Any], projects: Projects) -> None:
    broken = copy.deepcopy(job)
    marketing = next(t for t in broken["tasks"] if t["task_key"] == "dbt_marketing")
    marketing.pop("depends_on")
    broken["tasks"].insert(0, broken["tasks"].pop(broken["tasks"].index(marketing)))
    problems = task_graph_problems(broken, projects)
    assert any("dbt_marketing: depends_on []" in p for p in problems), problems
    assert any("dependency order" in p for p in problems), problems


def test_external_domains_are_parsed_never_built(job: dict[str, Any], projects: Projects) -> None:
    external = [p for p in projects.projects.values() if p.platform is Platform.EXTERNAL]
    assert external, "the mesh has an opted-out domain (logistics)"
    for project in external:
        for task in dbt_tasks(job):
            if resolve(job, task["dbt_task"]["project_directory"]) != project.path:
                continue
            commands = [c.split()[1] for c in task["dbt_task"]["commands"]]
            assert set(commands) <= {"deps", "parse"}, f"{task['task_key']} runs {commands}"


def test_dbt_tasks_use_the_repository_profiles(job: dict[str, Any], projects: Projects) -> None:
    by_path = {p.path.resolve(): p for p in projects.projects.values()}
    targets = known_targets(ROOT / "profiles", list(projects.projects.values()))
    for task in dbt_tasks(job):
        dbt = task["dbt_task"]
        project_dir = resolve(job, dbt["project_directory"])
        assert (project_dir / dbt["profiles_directory"]).resolve() == ROOT / "profiles", task["task_key"]
        assert "databricks" in targets[by_path[project_dir].name]
        assert dbt["commands"][0] == "dbt deps --target databricks"
        assert all(c.startswith("dbt ") and c.endswith("--target databricks") for c in dbt["commands"])
        assert len(dbt["commands"]) <= 10  # the Jobs API limit
        assert task["job_cluster_key"] in {c["job_cluster_key"] for c in job["job_clusters"]}


def test_governance_sync_runs_after_every_build_with_apply(job: dict[str, Any]) -> None:
    sync = next(t for t in job["tasks"] if t["task_key"] == "governance_sync")
    python = sync["spark_python_task"]
    assert resolve(job, python["python_file"]) == ROOT / "scripts" / "governance_sync.py"
    assert (ROOT / "scripts" / "governance_sync.py").is_file()
    assert python["parameters"] == ["--apply"]
    assert {d["task_key"] for d in sync["depends_on"]} == {t["task_key"] for t in dbt_tasks(job) if builds(t)}
    assert job["tasks"][-1] is sync
    wheels = [lib["whl"] for lib in sync["libraries"]]
    assert wheels == ["../dist/*.whl"]
    assert resolve(job, "../dist") == ROOT / "dist"


def test_catalog_variables_follow_the_naming_convention(bundle: dict[str, Any], job: dict[str, Any]) -> None:
    """Catalog = domain in prod, <domain>_<env> elsewhere (docs/conventions.md, macros/naming)."""
    env_vars = job["job_clusters"][0]["new_cluster"]["spark_env_vars"]
    assert env_vars["MESH_ENV"] == "${var.environment}"
    catalogs = [v.removesuffix("_catalog") for v in bundle["variables"] if v.endswith("_catalog")]
    assert sorted(catalogs) == sorted(Projects.discover(ROOT).projects)
    for name in catalogs:
        assert env_vars[f"MESH_CATALOG_{name.upper()}"] == f"${{var.{name}_catalog}}"
    for target, spec in bundle["targets"].items():
        for name in catalogs:
            expected = name if target == "prod" else f"{name}_{target}"
            assert spec["variables"][f"{name}_catalog"] == expected


def test_pinned_dbt_versions_match_constraints(bundle: dict[str, Any]) -> None:
    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    )
    assert bundle["variables"]["dbt_databricks_version"]["default"] == pins["dbt-databricks"]
    assert bundle["variables"]["dbt_loom_version"]["default"] == pins["dbt-loom"]


@pytest.mark.dbt
def test_catalog_variable_names_the_catalog_dbt_builds_into(
    bundle: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job exports each catalog variable as MESH_CATALOG_<DOMAIN>; dbt's naming macros obey it."""
    monkeypatch.setenv("MESH_ENV", "staging")
    monkeypatch.setenv("MESH_CATALOG_ORDERS", "orders_blue")  # what a deployment may set instead
    mesh = copy_mesh(tmp_path / "mesh", domains=("orders",))
    manifest = mesh.dbt_ok("orders", "parse", "--no-partial-parse", "--target", "databricks").result
    assert manifest.nodes["model.orders.fct_orders"].relation_name == "`orders_blue`.`gold`.`fct_orders`"
    monkeypatch.delenv("MESH_CATALOG_ORDERS")
    manifest = mesh.dbt_ok("orders", "parse", "--no-partial-parse", "--target", "databricks").result
    default = bundle["targets"]["staging"]["variables"]["orders_catalog"]
    assert manifest.nodes["model.orders.fct_orders"].relation_name == f"`{default}`.`gold`.`fct_orders`"
