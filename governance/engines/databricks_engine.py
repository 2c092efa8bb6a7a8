"""`mesh query --engine databricks`: Databricks SQL connector with the standard Databricks variables.

DATABRICKS_HOST, DATABRICKS_TOKEN and DATABRICKS_HTTP_PATH (or DATABRICKS_WAREHOUSE_ID) are read from the
environment; the token is never printed. Connecting and every request share one deadline,
`MESH_DATABRICKS_TIMEOUT` (default 20 s, as the Unity sync): the connector's own defaults wait up to 15
minutes per socket read and retry for 15 minutes.
"""

from __future__ import annotations

import logging
import os

from urllib3.exceptions import HTTPError

from governance.credentials import clean_host, clean_secret
from governance.engines.base import EngineError, QueryResult
from governance.errors import ExitCode, MeshError
from governance.settings import network_timeout

TIMEOUT_ENV = "MESH_DATABRICKS_TIMEOUT"


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
        timeout = network_timeout(TIMEOUT_ENV)
        # The connector logs each failed attempt to stderr (Python's last-resort handler); the one line
        # below says it all.
        logging.getLogger("databricks.sql").addHandler(logging.NullHandler())
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
                # Bounded by the deadline (names and limits: databricks/sql/backend/thrift_backend.py).
                _socket_timeout=timeout,
                _retry_stop_after_attempts_duration=max(1.0, timeout),
                _retry_delay_max=5.0,  # the connector's lowest allowed; its default is 60 s
            )
        except (sql.exc.Error, OSError, HTTPError) as error:
            where = address.url if address else host
            raise MeshError(
                f"cannot connect to Databricks SQL at {where} within {timeout:g} s: {type(error).__name__}; "
                f"check DATABRICKS_HOST and the warehouse, or raise {TIMEOUT_ENV} for one that is starting",
                ExitCode.FAILED,
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
