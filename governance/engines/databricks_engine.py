"""`mesh query --engine databricks`: Databricks SQL connector with the standard Databricks variables.

DATABRICKS_HOST, DATABRICKS_TOKEN and DATABRICKS_HTTP_PATH (or DATABRICKS_WAREHOUSE_ID) are read from the
environment; the token is never printed.
"""

from __future__ import annotations

import os

from urllib3.exceptions import HTTPError

from governance.credentials import clean_host, clean_secret
from governance.engines.base import EngineError, QueryResult
from governance.errors import ExitCode, MeshError


def _http_path() -> str | None:
    path = os.environ.get("DATABRICKS_HTTP_PATH")
    warehouse = os.environ.get("DATABRICKS_WAREHOUSE_ID")
    return path or (f"/sql/1.0/warehouses/{warehouse}" if warehouse else None)


class DatabricksEngine:
    name = "databricks"

    def __init__(self) -> None:
        from databricks import sql

        raw_host, raw_token = os.environ.get("DATABRICKS_HOST"), os.environ.get("DATABRICKS_TOKEN")
        # Validated first: a newline in the token or a port in the host never reaches the connector.
        address = clean_host("DATABRICKS_HOST", raw_host) if raw_host else None
        host = address.hostname if address else ""
        token = clean_secret("DATABRICKS_TOKEN", raw_token) if raw_token else None
        http_path = _http_path()
        missing = [
            name
            for name, value in (
                ("DATABRICKS_HOST", host),
                ("DATABRICKS_TOKEN", token),
                ("DATABRICKS_HTTP_PATH or DATABRICKS_WAREHOUSE_ID", http_path),
            )
            if not value
        ]
        if missing:
            raise MeshError(f"--engine databricks needs {', '.join(missing)} in the environment")
        try:
            self.connection = sql.connect(
                server_hostname=host,
                http_path=http_path,
                access_token=token,
                _port=(address.port if address else None) or 443,
                enable_telemetry=False,
            )
        except (sql.exc.Error, OSError, HTTPError) as error:
            where = address.url if address else host
            raise MeshError(
                f"cannot connect to Databricks SQL at {where}: {type(error).__name__}", ExitCode.FAILED
            ) from None
        self._errors = sql.exc.Error

    def execute(self, sql_text: str) -> QueryResult:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql_text)
            rows = [tuple(row) for row in cursor.fetchall()]
        except self._errors as error:
            raise EngineError(self.name, str(error).strip().splitlines()[0]) from None
        finally:
            description = cursor.description
            cursor.close()
        return QueryResult([d[0] for d in description or []], rows)

    def close(self) -> None:
        self.connection.close()
