"""A product named on the command line (`--product P`): its identity is its project, name and version.

Two projects may publish the same model name (dbt refs are two-part: `ref('crm', 'customers')`), so a
bare name is a product only while one project publishes it; otherwise the user is asked, in one line,
for `<domain>.<name>`. The qualified forms (`<domain>.<name>`, `<domain>.<name>.v<version>`, the
unique_id, the relation) always name one project's product.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from governance.errors import MeshError

T = TypeVar("T")


def select_named(
    wanted: str,
    candidates: Iterable[T],
    *,
    project: Callable[[T], str],
    bare: Callable[[T], str],
    qualified: Callable[[T], Collection[str]],
) -> list[T]:
    """The candidates `wanted` names: those one of whose `qualified` names it is, else those whose `bare`
    name it is, as long as one project publishes them (MeshError naming the choices otherwise)."""
    chosen = list(candidates)
    exact = [c for c in chosen if wanted in qualified(c)]
    if exact:
        return exact
    by_name = [c for c in chosen if bare(c) == wanted]
    projects = sorted({project(c) for c in by_name})
    if len(projects) > 1:
        listed = ", ".join(projects[:-1]) + f" and {projects[-1]}"
        choices = " or ".join(f"{p}.{wanted}" for p in projects)
        raise MeshError(f"--product {wanted!r}: {wanted!r} is published by {listed}; name one as {choices}")
    return by_name
