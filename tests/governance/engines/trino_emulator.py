"""A stand-in for a Trino coordinator speaking Trino's client protocol, for testing `--engine trino`.

It is not Trino (no Trino server can run here) and proves only the client side: the real `trino`
client talks HTTP to it (POST /v1/statement, Trino's JSON result and error documents), and it
enforces the generated rules.json with Trino's documented semantics (rules_semantics.py), answering
denials with Trino's AccessDeniedException wording. Queries run on the embedded DuckDB mesh after
mapping `<external catalog>.<domain>.<table>` to `<domain>.gold.<table>`. The live test runs the
same checks against a real Trino.
"""

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlglot
from sqlglot import exp

from governance.engines.embedded import EmbeddedEngine
from tests.governance.trino.rules_semantics import table_access


def _trino_type(duckdb_type: str) -> dict[str, Any]:
    name = duckdb_type.upper()
    if name.startswith("DECIMAL"):
        precision, scale = name[name.index("(") + 1 : -1].split(",")
        arguments = [{"kind": "LONG", "value": int(precision)}, {"kind": "LONG", "value": int(scale)}]
        return {"type": f"decimal({precision},{scale.strip()})", "rawType": "decimal", "arguments": arguments}
    raw = {
        "BOOLEAN": "boolean",
        "INTEGER": "integer",
        "BIGINT": "bigint",
        "DOUBLE": "double",
        "FLOAT": "real",
        "VARCHAR": "varchar",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
        "HUGEINT": "decimal",
    }.get(name, "varchar")
    if raw.startswith("timestamp"):
        return {
            "type": f"{raw}(6)" if raw == "timestamp" else "timestamp(6) with time zone",
            "rawType": raw,
            "arguments": [{"kind": "LONG", "value": 6}],
        }
    if raw == "varchar":  # unbounded varchar: Trino sends its maximum length
        return {"type": raw, "rawType": raw, "arguments": [{"kind": "LONG", "value": 2147483647}]}
    return {"type": raw, "rawType": raw, "arguments": []}


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)  # dates and timestamps in Trino's text form


class TrinoEmulator:
    def __init__(
        self,
        engine: EmbeddedEngine,
        rules: dict[str, Any],
        groups: dict[str, set[str]],
        external_catalog: str,
    ) -> None:
        self.engine = engine
        self.rules = rules
        self.groups = groups
        self.external_catalog = external_catalog
        self.lock = threading.Lock()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                sql = self.rfile.read(length).decode()
                body = emulator.answer(sql, self.headers.get("X-Trino-User", ""))
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TrinoEmulator:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _document(self, **fields: Any) -> dict[str, Any]:
        query_id = f"20260101_000000_{uuid.uuid4().hex[:5]}_emula"
        state = "FAILED" if "error" in fields else "FINISHED"
        return {
            "id": query_id,
            "infoUri": f"http://127.0.0.1:{self.port}/ui/query.html?{query_id}",
            "stats": {"state": state},
            **fields,
        }

    def _error(self, name: str, code: int, message: str) -> dict[str, Any]:
        error = {
            "message": message,
            "errorCode": code,
            "errorName": name,
            "errorType": "USER_ERROR",
            "failureInfo": {"type": "io.trino.spi.TrinoException", "message": message},
        }
        return self._document(error=error)

    def answer(self, sql: str, user: str) -> dict[str, Any]:
        try:
            tree = sqlglot.parse_one(sql, read="trino")
        except sqlglot.errors.ParseError as error:
            return self._error("SYNTAX_ERROR", 1, f"line 1:1: {str(error).splitlines()[0]}")
        groups = self.groups.get(user, set())
        for table in tree.find_all(exp.Table):
            name = f"{table.catalog}.{table.db}.{table.name}"
            privileges, hidden = table_access(self.rules, user, groups, name)
            if "SELECT" not in privileges:
                return self._error("PERMISSION_DENIED", 4, f"Access Denied: Cannot select from table {name}")
            used = {c.name for c in tree.find_all(exp.Column)}
            star = any(select.is_star for select in tree.find_all(exp.Select))  # SELECT *, not count(*)
            if hidden and (hidden & used or star):
                columns = sorted(hidden if star else hidden & used)
                return self._error(
                    "PERMISSION_DENIED",
                    4,
                    f"Access Denied: Cannot select from columns {columns} in table or view {name}",
                )
            if table.catalog == self.external_catalog:  # the JDBC catalog: namespace = domain
                table.set("catalog", exp.to_identifier(table.db))
                table.set("db", exp.to_identifier("gold"))
        with self.lock:
            cursor = self.engine.connection.execute(tree.sql(dialect="duckdb"))
            description = cursor.description or []
            rows = cursor.fetchall()
        columns = []
        for column in description:
            signature = _trino_type(str(column[1]))
            columns.append(
                {
                    "name": column[0],
                    "type": signature["type"],
                    "typeSignature": {"rawType": signature["rawType"], "arguments": signature["arguments"]},
                }
            )
        return self._document(columns=columns, data=[[_value(v) for v in row] for row in rows])
