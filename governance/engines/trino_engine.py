"""`mesh query --engine trino`: the real Trino client.

Trino's own errors (syntax, access denied) pass through with Trino's message.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import requests
import trino
from trino.exceptions import (
    HttpError,
    TrinoConnectionError,
    TrinoExternalError,
    TrinoQueryError,
    TrinoUserError,
)

from governance.credentials import clean_secret
from governance.engines.base import EngineError, QueryResult
from governance.errors import ExitCode, MeshError
from governance.settings import network_timeout
from governance.trino.config import TrinoSettings

TIMEOUT_ENV = "MESH_TRINO_TIMEOUT"
# Tries of each HTTP request (the client retries dropped connections and 502/503/504); every try gets its
# share of the deadline, so an unreachable Trino fails within it, retries included.
ATTEMPTS = 2

# What to do about Trino's error, by its error name (Trino's message already names the object).
HINTS = {
    # Trino names the table, not the column, when a hidden (PII) column is selected.
    "PERMISSION_DENIED": (
        "; user {user} may not read it or one of the columns selected: access comes from the product's "
        "grants (PII columns: its pii_cleared_groups) and the user's groups in governance/trino.yml"
    ),
    "CATALOG_NOT_FOUND": "; SHOW CATALOGS lists the catalogs (mesh trino-config writes one per domain)",
    "SCHEMA_NOT_FOUND": "; SHOW SCHEMAS FROM <catalog> lists them",
    "TABLE_NOT_FOUND": "; SHOW TABLES FROM <catalog>.<schema> lists the products (run `mesh publish`?)",
}


def local_trino(settings: TrinoSettings, state_file: Path) -> TrinoSettings:
    """`settings` pointed at the Trino `make trino` started, as its `trino.env` records it, unless
    TRINO_HOST or TRINO_PORT chose one (or no local Trino runs: `make trino-stop` removes the file)."""
    if os.environ.get("TRINO_HOST") or os.environ.get("TRINO_PORT") or not state_file.is_file():
        return settings
    try:
        lines = state_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise MeshError(
            f"cannot read {state_file} ({error}); restart Trino (make trino) or remove it"
        ) from None
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    host, port = values.get("TRINO_HOST", ""), values.get("TRINO_PORT", "")
    if not (host and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise MeshError(
            f"{state_file} names no Trino (TRINO_HOST, TRINO_PORT 1-65535); restart it (make trino) "
            "or delete it"
        )
    return dataclasses.replace(settings, host=host, port=int(port))


class TrinoEngine:
    name = "trino"

    def __init__(self, settings: TrinoSettings) -> None:
        self.settings = settings
        raw_password = os.environ.get("TRINO_PASSWORD")
        password = clean_secret("TRINO_PASSWORD", raw_password) if raw_password else None
        if password and settings.http_scheme != "https":
            raise MeshError(
                "TRINO_PASSWORD is only sent over https: set TRINO_HTTP_SCHEME=https (or unset it)"
            )
        auth = trino.auth.BasicAuthentication(settings.user, password) if password else None
        self.timeout_seconds = network_timeout(TIMEOUT_ENV)
        self.connection = trino.dbapi.connect(  # type: ignore[no-untyped-call]
            host=settings.host,
            port=settings.port,
            user=settings.user,
            catalog=settings.session_catalog,
            http_scheme=settings.http_scheme,
            auth=auth,
            max_attempts=ATTEMPTS,
            request_timeout=self.timeout_seconds / ATTEMPTS,
        )

    def execute(self, sql: str) -> QueryResult:
        # A Trino that has just (re)started answers NO_NODES_AVAILABLE until its node announces the
        # catalogs; the query is read-only (read_only.py), so asking again within the deadline is safe.
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            try:
                return self._execute_once(sql)
            except EngineError as error:
                if "NO_NODES_AVAILABLE" not in str(error) or time.monotonic() + 1 > deadline:
                    raise
            time.sleep(1)

    def _execute_once(self, sql: str) -> QueryResult:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            rows = [tuple(row) for row in cursor.fetchall()]
        except (TrinoUserError, TrinoExternalError, TrinoQueryError) as error:
            message = " ".join(str(error.message).split())  # one line, whatever Trino sent
            hint = HINTS.get(str(error.error_name), "").format(user=self.settings.user)
            raise EngineError(self.name, f"{error.error_name}: {message}{hint}") from None
        except (TrinoConnectionError, HttpError, requests.exceptions.RequestException) as error:
            where = f"{self.settings.http_scheme}://{self.settings.host}:{self.settings.port}"
            # The client wraps requests' exceptions in TrinoConnectionError (raised inside the handler).
            timed_out = any(isinstance(e, requests.exceptions.Timeout) for e in (error, error.__context__))
            waited = f", no answer within {self.timeout_seconds:g} s, {TIMEOUT_ENV}" if timed_out else ""
            raise MeshError(
                f"cannot reach Trino at {where} ({type(error).__name__}{waited}); start it (make trino) or "
                "set TRINO_HOST / TRINO_PORT (data/trino/trino.env) or governance/trino.yml",
                ExitCode.FAILED,
            ) from None
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, rows)

    def close(self) -> None:
        self.connection.close()
