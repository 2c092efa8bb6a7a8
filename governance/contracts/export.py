"""`mesh contracts export`: one ODCS file per product version, written as one folder all-or-nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from governance.contracts.facts import Surroundings, contract_file
from governance.contracts.folder import check_replaceable, replace_folder, replace_folders
from governance.contracts.odcs import build_contract, to_yaml
from governance.contracts.parallel import in_parallel
from governance.errors import MeshError
from governance.model import MeshModel, Model

# Where a domain keeps the contracts it commits (checked by MESH040), relative to its project folder:
# each domain owns its own contracts, beside its models.
COMMITTED_DIR = "contracts"
MARKER = ".mesh-contracts"


@dataclass(frozen=True, slots=True)
class ExportSummary:
    out: Path
    contracts: int
    domains: int


def contract_paths(mesh: MeshModel) -> dict[str, Model]:
    """Relative contract path -> product version, for every product of the mesh, in a stable order."""
    paths: dict[str, Model] = {}
    for model in sorted(mesh.products(), key=lambda m: m.unique_id):
        path = contract_file(model)
        if path in paths:
            raise MeshError(
                f"{model.fix_location}: {model.display_name} gets the contract id of another product "
                f"({path}); rename one of them"
            )
        paths[path] = model
    return paths


def render_contracts(mesh: MeshModel, surroundings: Surroundings) -> dict[str, str]:
    """Relative file path -> ODCS YAML, for every product version of the mesh."""
    return {path: to_yaml(build_contract(mesh, m, surroundings)) for path, m in contract_paths(mesh).items()}


def write_contracts(
    folder: Path, mesh: MeshModel, surroundings: Surroundings, paths: dict[str, Model]
) -> int:
    """Render and write the contracts under `folder` (on both cores for a large mesh); how many."""

    def work(chunk: Sequence[tuple[str, Model]]) -> int:
        made: set[Path] = set()
        for relative, model in chunk:
            target = folder / relative
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_text(to_yaml(build_contract(mesh, model, surroundings)), encoding="utf-8")
        return len(chunk)

    return in_parallel(list(paths.items()), work)


def _products(mesh: MeshModel) -> dict[str, Model]:
    paths = contract_paths(mesh)
    if not paths:
        raise MeshError(
            "the mesh has no data products (public gold models) to write contracts for; "
            "build the domains first (`mesh build`) or mark products `access: public` in gold"
        )
    return paths


def export_contracts(mesh: MeshModel, out: Path, surroundings: Surroundings) -> ExportSummary:
    """Every contract into one folder, `<out>/<domain>/<id>.odcs.yaml`, replaced whole."""
    check_replaceable(out, MARKER)
    paths = _products(mesh)
    _replace(out, mesh, surroundings, paths)
    return ExportSummary(out, len(paths), len({p.split("/", 1)[0] for p in paths}))


def _write_all(folder: Path, *, mesh: MeshModel, surroundings: Surroundings, paths: dict[str, Model]) -> None:
    write_contracts(folder, mesh, surroundings, paths)


def _replace(target: Path, mesh: MeshModel, surroundings: Surroundings, paths: dict[str, Model]) -> None:
    replace_folder(
        target, MARKER, lambda folder: _write_all(folder, mesh=mesh, surroundings=surroundings, paths=paths)
    )


def export_into_domains(mesh: MeshModel, root: Path, surroundings: Surroundings) -> ExportSummary:
    """Each domain's contracts into `<domain folder>/contracts/`, the folder the drift rule reads;
    each domain's folder is replaced whole, and a domain without products gets none."""
    paths = _products(mesh)
    per_domain: dict[str, dict[str, Model]] = {}
    for relative, model in paths.items():
        folder, name = relative.split("/", 1)
        per_domain.setdefault(folder, {})[name] = model
    targets = {
        name: root / domain.path / COMMITTED_DIR
        for name, domain in mesh.domains.items()
        if name in per_domain
    }
    for target in targets.values():  # every domain's folder checked before any is written
        check_replaceable(target, MARKER)
    writers: dict[Path, Callable[[Path], None]] = {
        target: functools.partial(_write_all, mesh=mesh, surroundings=surroundings, paths=per_domain[name])
        for name, target in targets.items()
    }
    replace_folders(writers, MARKER)  # one swap for all domains: a kill leaves every domain old or new
    return ExportSummary(root, len(paths), len(per_domain))
