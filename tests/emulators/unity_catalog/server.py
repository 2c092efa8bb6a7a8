"""HTTP front of the emulator: the Unity Catalog REST and statement-execution subset the sync uses,
with Databricks error bodies, request counting, latency and fault injection."""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.emulators.unity_catalog.access import AccessDeniedError, Identity
from tests.emulators.unity_catalog.statements import SqlError
from tests.emulators.unity_catalog.store import ApiError, Metastore, Share

UC = "/api/2.1/unity-catalog"
# "drop": the connection closes before the request is handled; "lost": the request is applied, then
# the connection closes before the answer (a write that landed although the client saw it fail).
FAULT_KINDS = ("429", "500", "503", "drop", "lost")
# https://docs.databricks.com/api/workspace/statementexecution/executestatement: INLINE results are
# capped at 25 MiB (larger results need EXTERNAL_LINKS); statement text at 16 MiB.
INLINE_LIMIT_BYTES = 25 * 1024 * 1024
STATEMENT_LIMIT_BYTES = 16 * 1024 * 1024
# https://docs.databricks.com/api/workspace/shares/update: at most 100 data object updates per call.
SHARE_UPDATE_LIMIT = 100


@dataclass
class Faults:
    """Fault injection: a rate over chosen kinds, drawn from a seeded RNG so failures reproduce."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    retry_after: int = 0
    only_writes: bool = False
    paths: tuple[str, ...] = ()  # only requests whose "METHOD /path" starts with one of these
    limit: int | None = None  # at most this many faults in all
    rng: random.Random = field(default_factory=random.Random)
    injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def draw(self, is_write: bool, request: str = "") -> str | None:
        if self.rate <= 0 or (self.only_writes and not is_write):
            return None
        if self.paths and not request.startswith(self.paths):
            return None
        with self._lock:
            if self.limit is not None and sum(self.injected.values()) >= self.limit:
                return None
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice(self.kinds)
            self.injected[kind] += 1
        return kind


@dataclass
class _Statement:
    id: str
    columns: list[str]
    rows: list[list[Any]]
    error: str | None
    polls_left: int
    canceled: bool = False


class UnityCatalogEmulator:
    """Start with `start()`; point `WorkspaceClient(host=emulator.url, token=emulator.token)` at it."""

    def __init__(
        self,
        *,
        token: str = "dapi-emulator-token",
        warehouse_id: str = "emulator-warehouse",
        latency: float = 0.0,
        principals: set[str] | None = None,
        chunk_rows: int = 20_000,
        principal: str = "sync-bot@example.com",
        groups: tuple[str, ...] = (),
        admin: bool = False,
    ) -> None:
        self.token = token
        # The token identifies the caller (a user or service principal, its account groups).
        self.identities: dict[str, Identity] = {token: Identity(principal, frozenset(groups), admin)}
        self.inline_limit_bytes = INLINE_LIMIT_BYTES
        self.statement_limit_bytes = STATEMENT_LIMIT_BYTES
        self.warehouse_id = warehouse_id
        self.latency = latency
        self.chunk_rows = chunk_rows
        self.pending_polls = 0  # statements stay PENDING for this many polls (a warehouse starting up)
        # tables.exists of a table whose catalog or schema is absent: "false" ({"table_exists": false}) or
        # "404" (CATALOG_DOES_NOT_EXIST / SCHEMA_DOES_NOT_EXIST); the Table exists page does not say which.
        self.exists_missing_parent = "false"
        self.metastore = Metastore(principals, caller="metastore-admin")
        self.metastore.default_identity = Identity("metastore-admin", admin=True)  # out-of-band calls
        self.faults = Faults()
        self.requests: Counter[str] = Counter()  # "METHOD /path" -> count
        self.writes = 0
        # Modelled time, without sleeping: each answered request costs request_cost, plus statement_cost
        # per SQL statement it ran; `costs` keeps (method, path, is_write, seconds) per request.
        self.request_cost = 0.0
        self.statement_cost = 0.0
        self.costs: list[tuple[str, str, bool, float]] = []
        self.on_request: Callable[[str, str, bool], None] | None = None
        self._statements: dict[str, _Statement] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, port: int = 0) -> UnityCatalogEmulator:
        emulator = self

        class Handler(_Handler):
            owner = emulator

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="uc-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        self.metastore.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def set_faults(
        self,
        rate: float,
        *,
        kinds: tuple[str, ...] = FAULT_KINDS,
        seed: int = 0,
        only_writes: bool = False,
        paths: tuple[str, ...] = (),
        limit: int | None = None,
    ) -> None:
        self.faults = Faults(
            rate=rate, kinds=kinds, seed=seed, only_writes=only_writes, paths=paths, limit=limit,
            rng=random.Random(seed),
        )  # fmt: skip

    @property
    def principal(self) -> Identity:
        return self.identities[self.token]

    def add_token(self, token: str, name: str, groups: tuple[str, ...] = (), admin: bool = False) -> None:
        self.identities[token] = Identity(name, frozenset(groups), admin)

    def join_group(self, group: str, token: str | None = None) -> None:
        """Make the principal behind `token` (the emulator's own by default) a member of account group
        `group`, as an account admin would."""
        ident = self.identities[token or self.token]
        self.identities[token or self.token] = Identity(ident.name, ident.groups | {group}, ident.admin)

    def grant_sync_privileges(self, catalogs: set[str], principal: str | None = None) -> None:
        """What the README lists as the sync principal's minimal privileges, granted out of band."""
        name = principal or self.principal.name
        for catalog in sorted(catalogs):
            self.metastore.grant(
                "catalog",
                catalog,
                name,
                "USE_CATALOG",
                "USE_SCHEMA",
                "SELECT",
                "MODIFY",
                "APPLY_TAG",
                "MANAGE",
                "CREATE_FUNCTION",  # the PII mask functions (governance/unity/masks.py)
            )
        self.metastore.grant("metastore", "", name, "CREATE_SHARE", "USE_RECIPIENT")

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.writes = 0
            self.metastore.statement_count = 0
            self.costs = []

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    # -- routing -----------------------------------------------------------------------------------
    def count(self, method: str, path: str, is_write: bool) -> None:
        with self._lock:
            self.requests[f"{method} {path}"] += 1
            self.writes += int(is_write)
        if self.on_request:
            self.on_request(method, path, is_write)

    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any]:
        m = self.metastore
        if path == "/api/2.0/preview/scim/v2/Me":
            # https://docs.databricks.com/api/workspace/currentuser/me
            ident = m.identity
            return 200, {
                "id": "1", "userName": ident.name, "displayName": ident.name,
                "groups": [{"display": g} for g in sorted(ident.groups)],
            }  # fmt: skip
        if match := re.fullmatch(r"/api/2\.0/sql/warehouses/([^/]+)", path):
            # https://docs.databricks.com/api/workspace/warehouses/get
            if match.group(1) != self.warehouse_id:
                raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Warehouse {match.group(1)} does not exist.")
            return 200, {"id": self.warehouse_id, "name": "emulated warehouse", "state": "RUNNING"}
        if path == "/api/2.1/tag-policies" and method == "GET":
            # https://docs.databricks.com/api/workspace/tagpolicies/listtagpolicies (one page here)
            return 200, {
                "tag_policies": [
                    {"tag_key": k, "values": [{"name": v} for v in sorted(values)]}
                    for k, values in sorted(m.tag_policies.items())
                ]
            }
        if match := re.fullmatch(UC + r"/tables/([^/]+)/exists", path):
            # https://docs.databricks.com/api/workspace/tables/exists
            parts = tuple(unquote(match.group(1)).lower().split("."))
            if self.exists_missing_parent == "404" and len(parts) == 3:
                if parts[0] not in m.catalogs:
                    raise ApiError(404, "CATALOG_DOES_NOT_EXIST", f"Catalog '{parts[0]}' does not exist.")
                if parts[:2] not in m.schemas:
                    raise ApiError(
                        404, "SCHEMA_DOES_NOT_EXIST", f"Schema '{'.'.join(parts[:2])}' does not exist."
                    )
            try:
                m.table_info(unquote(match.group(1)))
            except ApiError:
                return 200, {"table_exists": False}
            return 200, {"table_exists": True}
        if method == "POST" and path == "/api/2.0/sql/statements":
            return 200, self._execute(body)
        if match := re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)/cancel", path):
            # https://docs.databricks.com/api/workspace/statementexecution/cancelexecution
            statement = self._statements.get(match.group(1))
            if statement is not None and statement.polls_left > 0:
                statement.polls_left, statement.error = 0, "[CANCELED] The statement was canceled."
                statement.canceled = True
            return 200, {}
        if match := re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)", path):
            return 200, self._poll(match.group(1))
        if match := re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)/result/chunks/(\d+)", path):
            return 200, self._chunk(match.group(1), int(match.group(2)))
        if match := re.fullmatch(UC + r"/tables/([^/]+)", path):
            full = unquote(match.group(1))
            if method == "PATCH":
                return 200, m.set_owner(full, str(body.get("owner") or ""))
            return 200, m.table_info(full)
        if match := re.fullmatch(UC + r"/permissions/([^/]+)/([^/]+)", path):
            securable, full = match.group(1).lower(), unquote(match.group(2))
            if method == "PATCH":
                return 200, {
                    "privilege_assignments": m.update_grants(securable, full, body.get("changes") or [])
                }
            return 200, {"privilege_assignments": m.get_grants(securable, full)}
        if match := re.fullmatch(UC + r"/catalogs/([^/]+)", path):
            name = unquote(match.group(1))
            if method == "DELETE":  # https://docs.databricks.com/api/workspace/catalogs/delete
                m.delete_catalog(name, force=query.get("force", ["false"])[0] == "true")
                return 200, {}
            return 200, m.catalog_info(name)  # https://docs.databricks.com/api/workspace/catalogs/get
        if path == UC + "/shares" and method == "POST":
            return 200, self._create_share(str(body.get("name") or ""))
        if match := re.fullmatch(UC + r"/shares/([^/]+)/permissions", path):
            share = self._share(unquote(match.group(1)))
            if method == "PATCH":
                self._update_share_permissions(share, body.get("changes") or [])
            return 200, {
                "privilege_assignments": [
                    {"principal": r, "privileges": sorted(p)}
                    for r, p in sorted(share.permissions.items())
                    if p
                ]
            }
        if match := re.fullmatch(UC + r"/shares/([^/]+)", path):
            share = self._share(unquote(match.group(1)))
            if method == "PATCH":
                self._update_share(share, body.get("updates") or [])
                if body.get("owner"):
                    # shares.update(owner=): the owner (or a metastore admin) hands it over; the new owner
                    # must exist. https://docs.databricks.com/api/workspace/shares/update
                    owner = str(body["owner"])
                    if m.principals is not None and owner not in m.principals:
                        raise ApiError(
                            404, "PRINCIPAL_DOES_NOT_EXIST", f"Could not find principal with name {owner}"
                        )
                    share.owner = owner
            return 200, self._share_info(share)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    # -- statements --------------------------------------------------------------------------------
    def _execute(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("warehouse_id") != self.warehouse_id:
            raise ApiError(
                404, "RESOURCE_DOES_NOT_EXIST", f"Warehouse {body.get('warehouse_id')} does not exist."
            )
        text = str(body.get("statement") or "")
        if len(text.encode()) > self.statement_limit_bytes:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "The statement text exceeds the 16 MiB limit.")
        statement_id = str(uuid.uuid4())
        try:
            columns, rows = self.metastore.execute(text)
            statement = _Statement(statement_id, columns, rows, None, self.pending_polls)
            size = len(json.dumps(rows, default=str))
            if body.get("disposition", "INLINE") == "INLINE" and size > self.inline_limit_bytes:
                statement = _Statement(
                    statement_id, [], [],
                    f"[INLINE_RESULT_TOO_LARGE] The result ({size} bytes) exceeds the INLINE disposition "
                    f"limit of {self.inline_limit_bytes} bytes; use EXTERNAL_LINKS. SQLSTATE: 54000",
                    self.pending_polls,
                )  # fmt: skip
        except SqlError as error:
            statement = _Statement(statement_id, [], [], str(error), self.pending_polls)
        with self._lock:
            self._statements[statement_id] = statement
        return self._response(statement)

    def _poll(self, statement_id: str) -> dict[str, Any]:
        statement = self._statements.get(statement_id)
        if statement is None:
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Statement {statement_id} not found.")
        return self._response(statement)

    def _response(self, s: _Statement) -> dict[str, Any]:
        if s.canceled:
            return {"statement_id": s.id, "status": {"state": "CANCELED"}}
        if s.polls_left > 0:
            s.polls_left -= 1
            return {"statement_id": s.id, "status": {"state": "PENDING"}}
        if s.error is not None:
            return {
                "statement_id": s.id,
                "status": {"state": "FAILED", "error": {"error_code": "BAD_REQUEST", "message": s.error}},
            }
        chunks = max(1, -(-len(s.rows) // self.chunk_rows))
        return {
            "statement_id": s.id,
            "status": {"state": "SUCCEEDED"},
            "manifest": {
                "format": "JSON_ARRAY",
                "schema": {
                    "column_count": len(s.columns),
                    "columns": [
                        {"name": c, "position": i, "type_name": "STRING", "type_text": "STRING"}
                        for i, c in enumerate(s.columns)
                    ],
                },
                "total_row_count": len(s.rows),
                "total_chunk_count": chunks,
                "truncated": False,
            },
            "result": self._chunk(s.id, 0),
        }

    def _chunk(self, statement_id: str, index: int) -> dict[str, Any]:
        s = self._statements.get(statement_id)
        if s is None:
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"Statement {statement_id} not found.")
        start = index * self.chunk_rows
        rows = s.rows[start : start + self.chunk_rows]
        chunk: dict[str, Any] = {
            "chunk_index": index,
            "row_offset": start,
            "row_count": len(rows),
            "data_array": [[_json_array_value(v) for v in r] for r in rows],
        }
        if start + self.chunk_rows < len(s.rows):
            chunk["next_chunk_index"] = index + 1
        return chunk

    # -- shares ------------------------------------------------------------------------------------
    def _share(self, name: str) -> Share:
        share = self.metastore.shares.get(name)
        if share is None:
            raise ApiError(404, "SHARE_DOES_NOT_EXIST", f"Share '{name}' does not exist.")
        ident = self.metastore.identity
        if not ident.admin and share.owner not in ident.names:
            # reading or changing a share takes its ownership (or metastore admin):
            # https://docs.databricks.com/aws/en/delta-sharing/create-share
            raise AccessDeniedError(f"User {ident.name} is not the owner of Share '{name}'.")
        return share

    def _create_share(self, name: str) -> dict[str, Any]:
        if not name:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "Share name must be set.")
        self.metastore.require_metastore("CREATE_SHARE")
        if name in self.metastore.shares:
            raise ApiError(409, "SHARE_ALREADY_EXISTS", f"Share '{name}' already exists.")
        share = self.metastore.shares[name] = Share(name, self.metastore.caller)
        return self._share_info(share)

    def _share_info(self, share: Share) -> dict[str, Any]:
        return {
            "name": share.name,
            "owner": share.owner,
            "objects": [dict(o) for _, o in sorted(share.objects.items())],
        }

    def _update_share(self, share: Share, updates: list[dict[str, Any]]) -> None:
        if len(updates) > SHARE_UPDATE_LIMIT:
            raise ApiError(
                400, "INVALID_PARAMETER_VALUE", "At most 100 data object updates are allowed per request."
            )
        adding: set[str] = set()
        for update in updates:  # validate all first
            name = str((update.get("data_object") or {}).get("name") or "")
            if update.get("action") == "ADD":
                self.metastore.table_info(name)
                # The share owner must hold SELECT on the table (and USE on its parents), and keep it
                # for as long as it is shared: https://docs.databricks.com/aws/en/delta-sharing/create-share
                if not self.metastore.can_select(self.metastore.identity, name):
                    raise AccessDeniedError(
                        f"User {self.metastore.caller} does not have SELECT on Table '{name}'."
                    )
                if name.lower() in share.objects:
                    raise ApiError(
                        400, "RESOURCE_ALREADY_EXISTS", f"Table '{name}' is already in share '{share.name}'."
                    )
                # shared_as: `<schema>.<table>`, by default the table's own; unique within the share
                # (https://docs.databricks.com/api/workspace/shares/update)
                alias = _alias(update, name)
                taken = {str(o.get("shared_as")) for o in share.objects.values()} | adding
                if alias in taken:
                    raise ApiError(
                        400,
                        "RESOURCE_ALREADY_EXISTS",
                        f"A data object shared as '{alias}' already exists in share '{share.name}'.",
                    )
                adding.add(alias)
            elif update.get("action") == "REMOVE":
                if name.lower() not in share.objects:
                    raise ApiError(
                        400, "INVALID_PARAMETER_VALUE", f"Table '{name}' is not in share '{share.name}'."
                    )
            else:
                raise ApiError(
                    400, "INVALID_PARAMETER_VALUE", f"Unsupported action {update.get('action')!r}."
                )
        for update in updates:
            name = str(update["data_object"]["name"]).lower()  # stored in lower case, as every name
            if update["action"] == "ADD":
                share.objects[name] = {
                    "name": name,
                    "data_object_type": "TABLE",
                    "status": "ACTIVE",
                    "added_by": self.metastore.caller,
                    "shared_as": _alias(update, name),
                }
            else:
                del share.objects[name]

    def _update_share_permissions(self, share: Share, changes: list[dict[str, Any]]) -> None:
        for change in changes:
            recipient = str(change.get("principal") or "")
            if recipient not in self.metastore.recipients:
                raise ApiError(404, "RECIPIENT_DOES_NOT_EXIST", f"Recipient '{recipient}' does not exist.")
            self.metastore.require_recipient(recipient)
            for privilege in [*change.get("add", []), *change.get("remove", [])]:
                if privilege != "SELECT":
                    raise ApiError(
                        400, "INVALID_PARAMETER_VALUE", f"Privilege {privilege} is not applicable to a share."
                    )
        for change in changes:
            held = share.permissions.setdefault(str(change["principal"]), set())
            held.update(change.get("add", []))
            held.difference_update(change.get("remove", []))


def _alias(update: dict[str, Any], name: str) -> str:
    given = (update.get("data_object") or {}).get("shared_as")
    if given:
        parts = str(given).split(".")
        if len(parts) != 2 or not all(parts):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"shared_as '{given}' is not <schema>.<table>.")
        return str(given).lower()
    return ".".join(name.lower().split(".")[1:])


def _json_array_value(value: Any) -> str | None:
    """JSON_ARRAY format: every value a string, booleans as Spark prints them, NULL as null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_write(method: str, path: str, body: dict[str, Any]) -> bool:
    if method == "GET":
        return False
    if path == "/api/2.0/sql/statements":
        text = str(body.get("statement") or "").strip()
        if re.fullmatch(r"(?is)BEGIN\s+(SELECT[^;]*;\s*)+END", text):
            return False  # a script of queries only (the doctor's scripting probe)
        head = text[:8].upper()
        return not head.startswith(("SELECT", "WITH", "DESCRIBE", "DESC ", "SHOW"))
    return True


class _Handler(BaseHTTPRequestHandler):
    owner: UnityCatalogEmulator
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read counters, not access logs

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        emulator = self.owner
        parsed = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            self._send(400, {"error_code": "MALFORMED_REQUEST", "message": "Request body is not valid JSON."})
            return
        path = parsed.path
        if path.startswith(("/.well-known/", "/oidc/")):
            # Host metadata probes some SDK versions make: answer at once so clients never wait.
            self._send(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": "not available on this host"})
            return
        is_write = _is_write(method, path, body)
        emulator.count(method, path, is_write)
        if emulator.latency:
            time.sleep(emulator.latency)
        auth = self.headers.get("Authorization") or ""
        identity = emulator.identities.get(auth.removeprefix("Bearer "))
        if not auth.startswith("Bearer ") or identity is None:
            self._send(401, {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."})
            return
        fault = emulator.faults.draw(is_write, f"{method} {path}")
        if fault == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)  # the request never gets an answer
            self.close_connection = True
            return
        if fault in ("429", "503"):
            status, code = (
                (429, "REQUEST_LIMIT_EXCEEDED") if fault == "429" else (503, "TEMPORARILY_UNAVAILABLE")
            )
            self._send(
                int(status),
                {"error_code": code, "message": "injected fault"},
                {"Retry-After": str(emulator.faults.retry_after)},
            )
            return
        if fault == "500":
            self._send(500, {"error_code": "INTERNAL_ERROR", "message": "injected fault"})
            return
        try:
            with emulator.metastore.acting_as(identity):
                emulator.metastore.take_statement_count()
                status, payload = emulator.route(method, path, parse_qs(parsed.query), body)
                statements = emulator.metastore.take_statement_count()
            cost = emulator.request_cost + statements * emulator.statement_cost
            with emulator._lock:
                emulator.costs.append((method, path, is_write, cost))
        except ApiError as error:
            self._send(error.status, {"error_code": error.error_code, "message": error.message})
            return
        except AccessDeniedError as denied:
            self._send(403, {"error_code": "PERMISSION_DENIED", "message": str(denied)})
            return
        if fault == "lost":  # applied, but the answer never reaches the client
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self._send(status, payload)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")
