"""`--engine databricks` against a real SQL warehouse; skipped unless the Databricks variables are set."""

from __future__ import annotations

import os

import pytest

from governance.engines.base import EngineError
from governance.engines.databricks_engine import DatabricksEngine
from governance.errors import ExitCode, MeshError

LIVE = bool(
    os.environ.get("DATABRICKS_HOST")
    and os.environ.get("DATABRICKS_TOKEN")
    and (os.environ.get("DATABRICKS_HTTP_PATH") or os.environ.get("DATABRICKS_WAREHOUSE_ID"))
)


@pytest.mark.live
@pytest.mark.skipif(not LIVE, reason="DATABRICKS_HOST / DATABRICKS_TOKEN / DATABRICKS_HTTP_PATH not set")
def test_query_and_malformed_sql_on_a_real_warehouse() -> None:
    engine = DatabricksEngine()
    try:
        assert engine.execute("SELECT 1 AS one").rows == [(1,)]
        with pytest.raises(EngineError) as error:
            engine.execute("SELEC 1")
        assert error.value.code is ExitCode.FAILED
    finally:
        engine.close()


def test_missing_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_HTTP_PATH", "DATABRICKS_WAREHOUSE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-1.azuredatabricks.net")
    with pytest.raises(MeshError) as error:
        DatabricksEngine()
    assert error.value.code is ExitCode.BAD_INPUT
    assert "DATABRICKS_TOKEN" in str(error.value) and "DATABRICKS_HTTP_PATH" in str(error.value)
