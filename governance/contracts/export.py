"""`mesh contracts export`: one ODCS file per product version, written as one folder all-or-nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.contracts.facts import Surroundings, contract_file
from governance.contracts.folder import check_replaceable, replace_folder
from governance.contracts.odcs import build_contract, to_yaml
from governance.errors import MeshError
from governance.model import MeshModel

# Where a domain keeps the contracts it commits (checked by MESH040), relative to its project folder:
# each domain owns its own contracts, beside its models.
COMMITTED_DIR = "contracts"
MARKER = ".mesh-contracts"


@dataclass(frozen=True, slots=True)
class ExportSummary:
    out: Path
    contracts: int
    domains: int


def render_contracts(mesh: MeshModel, surroundings: Surroundings) -> dict[str, str]:
    """Relative file path -> ODCS YAML, for every product version of the mesh, in a stable order."""
    files: dict[str, str] = {}
    for model in sorted(mesh.products(), key=lambda m: m.unique_id):
        path = contract_file(model)
        if path in files:
            raise MeshError(
                f"{model.fix_location}: {model.display_name} gets the contract id of another product "
                f"({path}); rename one of them"
            )
        files[path] = to_yaml(build_contract(mesh, model, surroundings))
    return files


def write_files(folder: Path, files: dict[str, str]) -> None:
    made: set[Path] = set()
    for relative, text in files.items():
        target = folder / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_text(text, encoding="utf-8")


def _rendered(mesh: MeshModel, surroundings: Surroundings) -> dict[str, str]:
    files = render_contracts(mesh, surroundings)
    if not files:
        raise MeshError(
            "the mesh has no data products (public gold models) to write contracts for; "
            "build the domains first (`mesh build`) or mark products `access: public` in gold"
        )
    return files


def export_contracts(mesh: MeshModel, out: Path, surroundings: Surroundings) -> ExportSummary:
    """Every contract into one folder, `<out>/<domain>/<id>.odcs.yaml`, replaced whole."""
    check_replaceable(out, MARKER)
    files = _rendered(mesh, surroundings)
    replace_folder(out, MARKER, lambda folder: write_files(folder, files))
    return ExportSummary(out, len(files), len({p.split("/", 1)[0] for p in files}))


def export_into_domains(mesh: MeshModel, root: Path, surroundings: Surroundings) -> ExportSummary:
    """Each domain's contracts into `<domain folder>/contracts/`, the folder the drift rule reads;
    each domain's folder is replaced whole, and a domain without products gets none."""
    files = _rendered(mesh, surroundings)
    per_domain: dict[str, dict[str, str]] = {}
    for relative, text in files.items():
        folder, name = relative.split("/", 1)
        per_domain.setdefault(folder, {})[name] = text
    targets = {
        name: root / domain.path / COMMITTED_DIR
        for name, domain in mesh.domains.items()
        if name in per_domain
    }
    for target in targets.values():  # every domain's folder checked before any is written
        check_replaceable(target, MARKER)
    for name, target in targets.items():
        _replace_with(target, per_domain[name])
    return ExportSummary(root, len(files), len(per_domain))


def _replace_with(target: Path, files: dict[str, str]) -> None:
    replace_folder(target, MARKER, lambda folder: write_files(folder, files))
