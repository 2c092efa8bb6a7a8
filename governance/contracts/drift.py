"""Committed contracts against the products they describe: what changed since the export.

A committed contract is a promise to consumers outside dbt; when the product moves on (a column
renamed, a type or an SLA changed, a version deprecated) the contract must be re-exported, and a
breaking change needs a new product version first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from governance.contracts.facts import Surroundings, contract_id
from governance.contracts.odcs import build_contract
from governance.model import MeshModel, Model
from governance.project import SAFE_LOADER


@dataclass(frozen=True, slots=True)
class Drift:
    path: str  # repository-relative contract file
    domain: str
    model: Model | None  # None: the contract names no product of the mesh
    differences: tuple[str, ...]  # "schema[0].properties[email].logicalType: 'string' in the contract, ..."
    problem: str | None = None  # the file cannot be read as a contract


def _key(item: Any) -> str | None:
    if isinstance(item, dict):
        for name in ("name", "property", "server", "role"):
            if isinstance(item.get(name), str):
                return str(item[name])
    return None


def differences(committed: Any, current: Any, where: str = "") -> Iterator[str]:
    """Paths where two contracts differ, list items matched by their name/property/server/role."""
    if isinstance(committed, dict) and isinstance(current, dict):
        for key in [*committed, *(k for k in current if k not in committed)]:
            path = f"{where}.{key}" if where else str(key)
            if key not in current:
                yield f"{path}: in the contract, no longer on the product"
            elif key not in committed:
                yield f"{path}: on the product, missing from the contract"
            else:
                yield from differences(committed[key], current[key], path)
        return
    if isinstance(committed, list) and isinstance(current, list):
        left = {_key(i): i for i in committed}
        right = {_key(i): i for i in current}
        if (
            None not in left
            and None not in right
            and len(left) == len(committed)
            and len(right) == len(current)
        ):
            for name in [*left, *(n for n in right if n not in left)]:
                path = f"{where}[{name}]"
                if name not in right:
                    yield f"{path}: in the contract, no longer on the product"
                elif name not in left:
                    yield f"{path}: on the product, missing from the contract"
                else:
                    yield from differences(left[name], right[name], path)
            return
    if committed != current:
        yield f"{where}: {committed!r} in the contract, {current!r} on the product"


def contract_files(root: Path, domain_path: str, folder: str) -> list[Path]:
    base = root / domain_path / folder
    return sorted(base.rglob("*.odcs.yaml")) if base.is_dir() else []


def find_drift(
    mesh: MeshModel, root: Path, folder: str, surroundings: Surroundings | None = None
) -> list[Drift]:
    """Every committed contract of every domain (`<domain>/<folder>/**/*.odcs.yaml`) that no longer
    matches its product, names no product of that domain, or cannot be read."""
    found: list[Drift] = []
    for name, domain in sorted(mesh.domains.items()):
        files = contract_files(root, domain.path, folder)
        if not files:
            continue
        surroundings = surroundings or Surroundings.load(root)
        by_id = {contract_id(m): m for m in domain.products}
        found.extend(_compare(mesh, root, path, (name, by_id), surroundings) for path in files)
    return [d for d in found if d.problem is not None or d.model is None or d.differences]


def _compare(
    mesh: MeshModel,
    root: Path,
    path: Path,
    products: tuple[str, dict[str, Model]],
    surroundings: Surroundings,
) -> Drift:
    """`products`: the domain's name and its products by contract id."""
    domain, by_id = products
    shown = path.relative_to(root).as_posix()
    try:
        committed = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return Drift(shown, domain, None, (), f"cannot be read as YAML ({type(exc).__name__})")
    if not isinstance(committed, dict) or not isinstance(committed.get("id"), str):
        return Drift(shown, domain, None, (), "is not a data contract with an `id`")
    model = by_id.get(committed["id"])
    if model is None:
        return Drift(shown, domain, None, ())
    return Drift(
        shown, domain, model, tuple(differences(committed, build_contract(mesh, model, surroundings)))
    )
