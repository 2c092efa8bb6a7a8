"""A pull request's `plan/plan.json` and `plan/results.json` read back, checked against their shape.

`mesh build --changed` writes both (atomically, governance/build/slim.py); `mesh pr-summary` and
`mesh diff` read them. A file that is missing, empty, damaged or of another shape (a list, a product id
without a dot) is one line naming the file and what to do, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from governance.build.namespace import PullRequestNamespace
from governance.errors import MeshError

MAX_BYTES = 64 * 1024 * 1024  # a plan of every node of a large mesh is a few MB


class ProjectPlan(msgspec.Struct, forbid_unknown_fields=False):
    nodes: list[str] = []
    built: list[str] = []
    modified: list[str] = []
    reads: list[str] = []
    products: list[str] = []
    full: bool = False


class PlanFile(msgspec.Struct, forbid_unknown_fields=False):
    projects: dict[str, ProjectPlan]
    pr: str = ""
    state: str = ""
    unchanged: list[str] = []
    warnings: list[str] = []


class ProjectResult(msgspec.Struct, forbid_unknown_fields=False):
    outcome: str
    built: list[str] = []
    seconds: float = 0.0
    reason: str | None = None


def _again(namespace: PullRequestNamespace) -> str:
    return f"run `mesh build --changed --state DIR --pr {namespace.pr_id}` again"


def _read(path: Path, kind: type[Any], namespace: PullRequestNamespace) -> Any:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise MeshError(
            f"{path}: not found; run `mesh build --changed --state DIR --pr {namespace.pr_id}` first"
        ) from None
    except OSError as exc:
        raise MeshError(f"{path}: cannot read ({exc.strerror}); {_again(namespace)}") from None
    if len(raw) > MAX_BYTES:
        raise MeshError(
            f"{path}: larger than {MAX_BYTES // 2**20} MB, not a plan mesh wrote; {_again(namespace)}"
        )
    try:
        return msgspec.json.decode(raw, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "damaged"
        raise MeshError(f"{path}: damaged or not written by mesh ({detail}); {_again(namespace)}") from None


def _ids_with_a_dot(path: Path, plan: PlanFile, namespace: PullRequestNamespace) -> None:
    for name, project in plan.projects.items():
        for node in (*project.nodes, *project.built, *project.reads, *project.products):
            if node.count(".") < 2:
                raise MeshError(
                    f"{path}: project {name!r} lists {node!r}, not a dbt node id (type.project.name); "
                    f"{_again(namespace)}"
                )


def read_plan(namespace: PullRequestNamespace) -> dict[str, Any]:
    """plan.json as the summary renders it (a checked plain mapping)."""
    path = namespace.root / "plan" / "plan.json"
    plan = _read(path, PlanFile, namespace)
    _ids_with_a_dot(path, plan, namespace)
    data: dict[str, Any] = msgspec.to_builtins(plan)
    return data


def read_results(namespace: PullRequestNamespace, *, required: bool) -> dict[str, Any]:
    """results.json ({} when absent and not `required`: a dry run, or a build that built nothing)."""
    path = namespace.root / "plan" / "results.json"
    if not required and not path.exists():
        return {}
    results: dict[str, Any] = msgspec.to_builtins(_read(path, dict[str, ProjectResult], namespace))
    return results
