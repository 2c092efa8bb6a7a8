"""The synthetic mesh generator writes manifests dbt 1.11 itself accepts and the mesh loader reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from governance.lineage import build_lineage
from governance.loader import load_mesh
from scripts.generate_manifests import main
from scripts.synthetic.mesh import VIOLATIONS
from scripts.synthetic.templates import load_templates

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".mesh" / "synthetic"  # the template parse is reused across runs


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "mesh"
    assert (
        main(
            ["--domains", "6", "--models", "240", "--columns", "5", "--out", str(out), "--cache", str(CACHE)]
        )
        == 0
    )
    return out


def manifests(root: Path) -> list[Path]:
    return [*sorted(root.glob("domains/*/target/manifest.json")), root / "target" / "manifest.json"]


@pytest.mark.dbt
def test_manifests_load_in_dbt_with_the_installed_schema_version(synthetic: Path) -> None:
    from dbt.contracts.graph.manifest import WritableManifest
    from dbt.version import __version__

    expected = str(WritableManifest.dbt_schema_version)  # .../manifest/v12.json
    for path in manifests(synthetic):
        loaded = WritableManifest.read_and_check_versions(str(path))  # dbt's own typed validation
        assert loaded.metadata.dbt_schema_version == expected
        assert loaded.metadata.dbt_version == __version__


@pytest.mark.dbt
def test_resources_have_exactly_the_fields_dbt_writes(synthetic: Path) -> None:
    template = load_templates(CACHE).manifest
    wanted = {
        "model": set(template["nodes"]["model.template.dim_entity.v1"]),
        "test": set(next(n for n in template["nodes"].values() if n["resource_type"] == "test")),
    }
    data = json.loads((synthetic / "domains" / "billing_01" / "target" / "manifest.json").read_text())
    assert set(data) == set(template)
    for node in data["nodes"].values():
        assert set(node) == wanted[node["resource_type"]], node["unique_id"]
    for source in data["sources"].values():
        assert set(source) == set(template["sources"]["source.template.raw.entity"])


@pytest.mark.dbt
def test_loader_reads_the_mesh_with_layers_products_and_cross_domain_edges(synthetic: Path) -> None:
    mesh = load_mesh(synthetic)
    assert sorted(mesh.domains) == [
        "billing_01",
        "hub",
        "inventory_04",
        "logistics_02",
        "marketing_03",
        "orders_00",
        "payments_05",
    ]
    own_models = sum(len(d.models) for d in mesh.domains.values() if not d.is_hub)
    assert own_models == 240
    products = list(mesh.products())
    assert len(products) > 40
    assert any(p.version == "1" and p.deprecation_date is not None for p in products)
    cross = [
        (m.project, p)
        for m in mesh.models()
        for p in m.depends_on
        if p.startswith("model.") and p.split(".")[1] != m.project
    ]
    assert any(project == "hub" for project, _ in cross)
    assert any(project != "hub" for project, _ in cross)
    product = products[0]
    assert product.fix_location.line == 2  # the property files the manifest points at exist
    graph = build_lineage(mesh)
    assert any(e.source.split(".")[1] != e.target.split(".")[1] for e in graph.edges)


@pytest.mark.dbt
def test_every_seeded_violation_kind_occurs_and_output_is_deterministic(
    synthetic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = tmp_path / "again"
    main(["--domains", "6", "--models", "240", "--columns", "5", "--out", str(again), "--cache", str(CACHE)])
    printed = capsys.readouterr().out
    for kind in VIOLATIONS:
        assert f"{kind}=" in printed, kind
    for first, second in zip(manifests(synthetic), manifests(again), strict=True):
        a, b = json.loads(first.read_text()), json.loads(second.read_text())
        for volatile in ("generated_at",):
            a["metadata"].pop(volatile)
            b["metadata"].pop(volatile)
        assert a == b


def test_rejects_sizes_it_cannot_lay_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--domains", "10", "--models", "20", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    assert "--models >= 5 per domain" in capsys.readouterr().err
