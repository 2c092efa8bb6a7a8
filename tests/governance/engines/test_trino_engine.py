"""`--engine trino` over the real `trino` client: results, Trino's denials and syntax errors passed through.

The coordinator is tests/governance/engines/trino_emulator.py (Trino's client protocol + the generated
rules.json); test_trino_live.py repeats the checks against a real Trino when TRINO_HOST is set.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from governance.engines.base import EngineError
from governance.engines.embedded import EmbeddedEngine
from governance.engines.trino_engine import TrinoEngine
from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings
from governance.iceberg.publisher import Publisher
from governance.project import Projects
from governance.trino.config import TrinoSettings, load_trino_settings
from governance.trino.rules import RulesBuilder
from tests.governance.engines.trino_emulator import TrinoEmulator
from tests.governance.iceberg.mesh_fixture import BuiltMesh
from tests.governance.trino import FIXTURE_TRINO

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def trino_settings() -> TrinoSettings:
    return load_trino_settings(FIXTURE_TRINO)


@pytest.fixture(scope="module")
def emulator(
    mesh: BuiltMesh, trino_settings: TrinoSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrinoEmulator]:
    base = tmp_path_factory.mktemp("trino")
    settings = CatalogSettings(
        "mesh", f"sqlite:///{base / 'c.db'}", (base / "lake").as_uri(), "bot", 1000, 1 << 20, mesh.warehouse
    )
    publisher = Publisher(open_catalog(settings), settings)
    for model in mesh.mesh.domains["shipping"].products:
        publisher.publish(model)
    engine = EmbeddedEngine(Projects.discover(mesh.root), settings)
    rules = RulesBuilder(mesh.mesh, trino_settings, "bot").build()
    members: dict[str, set[str]] = {}
    for group, users in trino_settings.groups.items():
        for user in users:
            members.setdefault(user, set()).add(group)
    with TrinoEmulator(engine, rules, members, trino_settings.external_catalog) as running:
        yield running
    engine.close()


def connect(emulator: TrinoEmulator, settings: TrinoSettings, user: str) -> TrinoEngine:
    return TrinoEngine(dataclasses.replace(settings, host="127.0.0.1", port=emulator.port, user=user))


def test_granted_analyst_gets_typed_rows(emulator: TrinoEmulator, trino_settings: TrinoSettings) -> None:
    engine = connect(emulator, trino_settings, "alice")
    result = engine.execute(
        "SELECT carrier_id, count(*) AS n, sum(cost_eur) AS cost FROM mesh.shipping.fct_shipments "
        "GROUP BY carrier_id ORDER BY carrier_id"
    )
    assert result.columns == ["carrier_id", "n", "cost"]
    expected = emulator.engine.execute(
        "SELECT carrier_id, count(*), sum(cost_eur) FROM shipping.gold.fct_shipments GROUP BY 1 ORDER BY 1"
    )
    assert result.rows == expected.rows  # ints and Decimals, mapped back by the trino client
    assert isinstance(result.rows[0][2], Decimal)
    engine.close()


def test_denied_product_passes_trinos_denial_with_the_product_name(
    emulator: TrinoEmulator, trino_settings: TrinoSettings
) -> None:
    engine = connect(emulator, trino_settings, "frank")  # finance-analysts: fct_shipments only
    with pytest.raises(EngineError) as denied:
        engine.execute("SELECT * FROM mesh.shipping.dim_carriers_v2")
    assert denied.value.code is ExitCode.FAILED
    assert str(denied.value) == (
        "trino: PERMISSION_DENIED: Access Denied: Cannot select from table mesh.shipping.dim_carriers_v2"
    )


def test_pii_column_is_denied_to_uncleared_groups(
    emulator: TrinoEmulator, trino_settings: TrinoSettings
) -> None:
    with pytest.raises(EngineError, match=r"Cannot select from columns \['recipient_email'\]"):
        connect(emulator, trino_settings, "alice").execute(
            "SELECT recipient_email FROM mesh.shipping.fct_shipments"
        )
    cleared = connect(emulator, trino_settings, "petra").execute(
        "SELECT recipient_email FROM mesh.shipping.fct_shipments WHERE shipment_id = 7"
    )
    assert cleared.rows == [("user7@example.com",)]


def test_malformed_sql_is_trinos_syntax_error(emulator: TrinoEmulator, trino_settings: TrinoSettings) -> None:
    with pytest.raises(EngineError, match=r"^trino: SYNTAX_ERROR: ") as error:
        connect(emulator, trino_settings, "alice").execute("SELECT FROM WHERE")
    assert error.value.code is ExitCode.FAILED


def test_unreachable_trino_is_bad_input(trino_settings: TrinoSettings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = TrinoEngine(dataclasses.replace(trino_settings, host="127.0.0.1", port=port))
    with pytest.raises(MeshError, match=r"cannot reach Trino at http://127\.0\.0\.1") as error:
        engine.execute("SELECT 1")
    assert error.value.code is ExitCode.BAD_INPUT


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRINO_HOST", "trino.internal")
    monkeypatch.setenv("TRINO_PORT", "8443")
    monkeypatch.setenv("TRINO_USER", "carol")
    settings = load_trino_settings(FIXTURE_TRINO)
    assert (settings.host, settings.port, settings.user) == ("trino.internal", 8443, "carol")
    monkeypatch.setenv("TRINO_PORT", "http")
    with pytest.raises(MeshError, match="is not a number"):
        load_trino_settings(FIXTURE_TRINO)


def test_password_is_never_sent_over_http(
    monkeypatch: pytest.MonkeyPatch, trino_settings: TrinoSettings
) -> None:
    monkeypatch.setenv("TRINO_PASSWORD", "hunter2")
    with pytest.raises(MeshError, match="only sent over https") as error:
        TrinoEngine(trino_settings)
    assert "hunter2" not in str(error.value)
