"""What a command governs, said out loud: projects and products counted, and what could not be placed.

Never silently green: a mesh with no products, models whose layer the settings cannot place, or
references to a project outside the mesh would make every check pass vacuously, so each is a warning
line that names what to set in mesh.yml. Commands print `describe(...)` on stderr before their output.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from governance.model import Layer, MeshModel
from governance.project import DbtProject


@dataclass(frozen=True)
class Coverage:
    projects: int
    domains: int
    has_hub: bool
    products: int
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"governing {counted_projects(self.domains, self.has_hub)}, "
            f"{self.products} product{'s' if self.products != 1 else ''}"
        )


def counted_projects(domains: int, has_hub: bool, of: int | None = None) -> str:
    """`3 projects (2 domains + hub)`, or `2 of 3 projects (...)` when only some of `of` take part."""
    projects = domains + int(has_hub)
    hub = " + hub" if has_hub else ""
    total = f"{projects} of {of}" if of is not None else str(projects)
    plural = "s" if (of if of is not None else projects) != 1 else ""
    return f"{total} project{plural} ({domains} domain{'s' if domains != 1 else ''}{hub})"


def describe_build(projects: Sequence[DbtProject], of: int, target: str, verb: str = "building") -> None:
    """What `mesh build` builds (`starting` for --changed): products are known only once it is built."""
    domains = sum(1 for p in projects if not p.is_hub)
    has_hub = any(p.is_hub for p in projects)
    print(
        f"{verb} {counted_projects(domains, has_hub, of if len(projects) != of else None)}", file=sys.stderr
    )
    if not projects and verb == "building":
        print(
            f"warning: nothing to build: no selected project runs on target {target!r}; "
            "pick projects with --domain, or build external domains with --target ci",
            file=sys.stderr,
        )


def coverage(mesh: MeshModel) -> Coverage:
    domains = [d for d in mesh.domains.values() if not d.is_hub]
    products = sum(1 for _ in mesh.products())
    warnings: list[str] = []
    if domains and products == 0:
        warnings.append(
            "no data products: no model of a domain matches mesh.yml `products` (default: access public); "
            "set `access: public` on the models a domain publishes, or change `products` in mesh.yml"
        )
    unplaced = Counter(m.project for m in mesh.models() if m.layer is Layer.UNKNOWN)
    if unplaced:
        count = sum(unplaced.values())
        where = ", ".join(f"{name} ({n})" for name, n in sorted(unplaced.items()))
        schemas = sorted({m.schema for m in mesh.models() if m.layer is Layer.UNKNOWN})[:5]
        warnings.append(
            f"{count} model{'s' if count != 1 else ''} with no layer in {where} "
            f"(schemas: {', '.join(schemas)}); map their schema or folder names under mesh.yml `layers.names`"
        )
    missing: dict[str, set[str]] = {}
    for unique_id, parents in mesh.parents.items():
        for parent in parents:
            kind, _, rest = parent.partition(".")
            project = rest.partition(".")[0]
            if kind == "model" and project not in mesh.domains and parent not in mesh.nodes:
                missing.setdefault(project, set()).add(unique_id)
    for project, consumers in sorted(missing.items()):
        warnings.append(
            f"{len(consumers)} model{'s' if len(consumers) != 1 else ''} read project {project!r}, "
            f"which is not in the mesh (e.g. {sorted(consumers)[0]}); "
            "add its folder to mesh.yml `projects.include`"
        )
    return Coverage(
        len(mesh.domains), len(domains), any(d.is_hub for d in mesh.domains.values()), products, warnings
    )


def describe(mesh: MeshModel, stream: TextIO | None = None) -> Coverage:
    """Print the summary and warnings (stderr by default) and return them."""
    out = stream or sys.stderr
    found = coverage(mesh)
    print(found.summary, file=out)
    for warning in found.warnings:
        print(f"warning: {warning}", file=out)
    return found
