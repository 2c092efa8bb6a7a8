"""`mesh trino-config` grants on Trino exactly what `mesh access` prints for the repository's mesh: the same
central policy (unity.yml consumer group, restricted readers) for every product and principal, share
recipients excepted (they read through Delta Sharing, never as Trino users)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from governance.access import AccessPolicy, Grant, access_matrix
from governance.cli import main
from governance.iceberg.config import load_catalog_settings
from governance.loader import load_mesh
from governance.model import MeshModel
from governance.project import Projects
from governance.settings import settings_file
from governance.trino.bundle import build_bundle
from governance.trino.config import load_trino_settings
from governance.trino.names import trino_table
from governance.unity.config import load_config

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.dbt  # the repository's mesh, built by the build lane


def first_match(rules: list[dict[str, object]], group: str, table: tuple[str, str, str]) -> dict[str, object]:
    """Trino's file-based access control applies the first table rule that matches."""
    catalog, schema, name = table
    for rule in rules:
        if "user" in rule:  # a rule for one named user (the publisher, the admins), not for a group
            continue
        if "group" in rule and rule["group"] != f"^{group}$" and not _matches(str(rule["group"]), group):
            continue
        if all(_matches(str(rule.get(key, ".*")), value) for key, value in
               (("catalog", catalog), ("schema", schema), ("table", name))):  # fmt: skip
            return rule
    return {"privileges": []}


def _matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


def built_repository() -> Projects:
    projects = Projects.discover(REPO)
    if any(not p.manifest_path.is_file() for p in projects.projects.values()):
        pytest.fail("the repository's mesh is not built; run `mesh build` (make test's build lane does)")
    return projects


def test_trino_config_grants_what_mesh_access_prints(tmp_path: Path) -> None:
    projects = built_repository()
    assert main(["trino-config", "--root", str(REPO), "--out", str(tmp_path / "trino")]) == 0
    rules = orjson.loads((tmp_path / "trino" / "rules.json").read_bytes())["tables"]
    policy = load_config(REPO, settings_file("unity", REPO)).access_policy()
    assert_rules_follow_the_matrix(rules, load_mesh(REPO, projects), policy)


def test_a_central_consumer_group_and_a_restricted_classification_reach_trino() -> None:
    """A consumer group no dbt grant names reads every product but the restricted ones, which only their
    readers and owner read; a share's recipient is no Trino reader."""
    mesh = load_mesh(REPO, built_repository())
    policy = AccessPolicy("all-analysts", {"confidential": ("auditors",)}, {"partner": ("partner-co",)})
    settings = load_trino_settings(settings_file("trino", REPO))
    catalog = load_catalog_settings(REPO, settings_file("publish", REPO))
    rules = orjson.loads(build_bundle(mesh, settings, catalog, policy=policy).files["rules.json"])["tables"]
    assert_rules_follow_the_matrix(rules, mesh, policy)
    dim_customers = next(p for p in mesh.products() if p.name == "dim_customers")
    where = astuple(trino_table(dim_customers, mesh.domains["orders"], settings))
    assert "SELECT" not in first_match(rules, "all-analysts", where)["privileges"]  # type: ignore[operator]
    assert "SELECT" in first_match(rules, "auditors", where)["privileges"]  # type: ignore[operator]


def astuple(table: object) -> tuple[str, str, str]:
    return (table.catalog, table.schema, table.table)  # type: ignore[attr-defined]


def assert_rules_follow_the_matrix(
    rules: list[dict[str, object]], mesh: MeshModel, policy: AccessPolicy
) -> None:
    trino_policy = AccessPolicy(policy.consumer_group, policy.restricted_readers, {})
    settings = load_trino_settings(settings_file("trino", REPO))
    checked = 0
    for product in access_matrix(mesh, trino_policy):
        domain = mesh.domains[product.model.project]
        table = trino_table(product.model, domain, settings)
        where = (table.catalog, table.schema, table.table)
        for principal in product.principals:
            rule = first_match(rules, principal.name, where)
            privileges = set(rule.get("privileges", []))  # type: ignore[arg-type]
            hidden = {c["name"] for c in rule.get("columns", []) if not c.get("allow", True)}  # type: ignore[attr-defined]
            assert ("SELECT" in privileges) == principal.reads, (product.name, principal.name, rule)
            if principal.reads:
                withheld = {c.lower() for c in principal.columns_with(Grant.WITHHELD)}  # Trino's names
                assert hidden == withheld, (product.name, principal.name)
            checked += 1
        # A group the product does not list reads nothing of it.
        assert "SELECT" not in first_match(rules, "nobody-in-particular", where).get("privileges", [])
    assert checked >= len(access_matrix(mesh, trino_policy))
