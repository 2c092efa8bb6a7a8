"""The Databricks calls the sync makes, over the real databricks-sdk `WorkspaceClient`.

Auth and workspace come from the SDK's own resolution (DATABRICKS_HOST/TOKEN, config profiles,
OAuth...). The token is never read, printed or logged here.

Every call has one deadline (`timeout_seconds`, default 20 s, `MESH_DATABRICKS_TIMEOUT`): the SDK
retries 429/503 (honouring Retry-After) and dropped connections within it, and this layer retries
500s within what is left, so an unreachable host fails in about that time, never minutes. The SDK
resends a request whose answer was lost, so every write here is safe to repeat: SQL statements and
grant/owner updates are idempotent, and the two that are not (share create, share ADD) settle by
reading the share back. Statement polling has its own deadline, after which the statement is
cancelled.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import (
    BadRequest,
    InternalError,
    NotFound,
    PermissionDenied,
    ResourceConflict,
)
from databricks.sdk.service import catalog, sharing, sql

from governance.credentials import clean_secret, databricks_environment, redact
from governance.errors import MeshError
from governance.settings import DEFAULT_NETWORK_TIMEOUT_SECONDS, network_timeout

T = TypeVar("T")
_ERROR_CLASS = re.compile(r"\[([A-Z_.]+)\]")
_POLL_SECONDS = (0.2, 2.0)  # first and longest wait between two polls of a running statement
TIMEOUT_ENV = "MESH_DATABRICKS_TIMEOUT"
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 600.0


class StatementError(Exception):
    """A SQL statement the warehouse rejected; `error_class` is Databricks' bracketed class."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


@dataclass(frozen=True)
class GrantChange:
    principal: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


class UnityClient:
    def __init__(
        self,
        workspace: WorkspaceClient,
        warehouse_id: str,
        retries: int = 3,
        timeout_seconds: float = DEFAULT_NETWORK_TIMEOUT_SECONDS,
        statement_timeout_seconds: float = DEFAULT_STATEMENT_TIMEOUT_SECONDS,
    ) -> None:
        self.workspace = workspace
        self.warehouse_id = warehouse_id
        self.retries = retries
        self.timeout_seconds = timeout_seconds
        self.statement_timeout_seconds = statement_timeout_seconds
        self._me: str | None = None

    @classmethod
    def connect(
        cls, warehouse_id: str, retries: int = 3, timeout_seconds: float | None = None
    ) -> UnityClient:
        timeout = timeout_seconds or network_timeout(TIMEOUT_ENV)
        settings = databricks_environment()  # validated first: a malformed token never reaches a header
        try:
            workspace = WorkspaceClient(
                config=Config(
                    **settings,
                    retry_timeout_seconds=max(1, int(timeout)),
                    http_timeout_seconds=timeout,
                    product="lakehouse-mesh",
                    debug_headers=False,  # never log the Authorization header, whatever the environment
                )
            )
        except ValueError as exc:
            # The SDK's message lists what it tried (env vars, profile); redacted in case a value slips in.
            raise MeshError(f"cannot configure the Databricks client: {redact(str(exc))}") from None
        for attribute in ("token", "client_secret"):  # from a profile: the same rules as the environment
            value = getattr(workspace.config, attribute, None)
            if isinstance(value, str):
                clean_secret(f"the {attribute} of the Databricks profile", value)
        return cls(workspace, warehouse_id, retries, timeout)

    def _call(self, fn: Callable[[], T]) -> T:
        """Retry 500s a bounded number of times, never past the call's deadline."""
        deadline = time.monotonic() + self.timeout_seconds
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except InternalError:
                pause = min(2.0, 0.1 * 2**attempt)
                if attempt == self.retries or time.monotonic() + pause >= deadline:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable")

    @property
    def host(self) -> str | None:
        """The workspace URL the calls go to (names the workspace in the audit log)."""
        host = getattr(getattr(self.workspace, "config", None), "host", None)
        return host.rstrip("/") if isinstance(host, str) and host else None

    @property
    def principal(self) -> str:
        """The user or service principal the credentials resolve to (one call, then remembered)."""
        if self._me is None:
            me = self._call(self.workspace.current_user.me)
            self._me = me.user_name or me.display_name or ""
        return self._me

    # -- SQL ---------------------------------------------------------------------------------------
    def _statement(self, statement: str) -> sql.StatementResponse:
        # The server holds the request up to wait_timeout (5..50 s): keep it inside the HTTP timeout.
        wait = int(max(5, min(50, self.timeout_seconds - 5)))
        response = self._call(
            lambda: self.workspace.statement_execution.execute_statement(
                statement,
                self.warehouse_id,
                wait_timeout=f"{wait}s",
                on_wait_timeout=sql.ExecuteStatementRequestOnWaitTimeout.CONTINUE,
                disposition=sql.Disposition.INLINE,
                format=sql.Format.JSON_ARRAY,
            )
        )
        deadline = time.monotonic() + self.statement_timeout_seconds
        pause = _POLL_SECONDS[0]
        while response.status and response.status.state in (
            sql.StatementState.PENDING,
            sql.StatementState.RUNNING,
        ):
            statement_id = response.statement_id or ""
            if time.monotonic() + pause > deadline:
                self._call(lambda sid=statement_id: self.workspace.statement_execution.cancel_execution(sid))  # type: ignore[misc]
                raise StatementError(
                    "STATEMENT_TIMEOUT",
                    f"[STATEMENT_TIMEOUT] still running after {self.statement_timeout_seconds:.0f} s; "
                    "cancelled (is the SQL warehouse starting or overloaded?)",
                )
            time.sleep(pause)
            pause = min(_POLL_SECONDS[1], pause * 2)
            response = self._call(
                lambda sid=statement_id: self.workspace.statement_execution.get_statement(sid)  # type: ignore[misc]
            )
        state = response.status.state if response.status else None
        if state is not sql.StatementState.SUCCEEDED:
            error = response.status.error if response.status else None
            message = (error.message if error else None) or f"statement ended {state}"
            found = _ERROR_CLASS.search(message)
            raise StatementError(found.group(1) if found else "UNKNOWN", message)
        return response

    def execute(self, statement: str) -> None:
        self._statement(statement)

    def query(self, statement: str) -> list[dict[str, str | None]]:
        response = self._statement(statement)
        manifest = response.manifest
        columns = (
            [c.name or "" for c in (manifest.schema.columns or [])] if manifest and manifest.schema else []
        )
        rows: list[list[str]] = []  # JSON_ARRAY: every value a string, NULL as None
        chunk = response.result
        while chunk is not None:
            rows.extend(chunk.data_array or [])
            if chunk.next_chunk_index is None:
                break
            index, statement_id = chunk.next_chunk_index, response.statement_id or ""
            chunk = self._call(
                lambda sid=statement_id, i=index: (  # type: ignore[misc]
                    self.workspace.statement_execution.get_statement_result_chunk_n(sid, i)
                )
            )
        return [dict(zip(columns, row, strict=True)) for row in rows]

    # -- REST --------------------------------------------------------------------------------------
    def update_grants(self, securable_type: str, full_name: str, changes: list[GrantChange]) -> None:
        sdk_changes = [
            catalog.PermissionsChange(
                principal=c.principal,
                add=[catalog.Privilege(p) for p in c.add] or None,
                remove=[catalog.Privilege(p) for p in c.remove] or None,
            )
            for c in changes
        ]
        self._call(lambda: self.workspace.grants.update(securable_type, full_name, changes=sdk_changes))

    def get_grants(self, securable_type: str, full_name: str) -> dict[str, frozenset[str]]:
        """Direct grants on a securable (every principal's, to an owner or MANAGE holder), all pages."""
        grants: dict[str, frozenset[str]] = {}
        token: str | None = None
        while True:
            response = self._call(
                lambda t=token: self.workspace.grants.get(securable_type, full_name, page_token=t)  # type: ignore[misc]
            )
            for a in response.privilege_assignments or []:
                if a.principal:
                    held = frozenset(p.value for p in (a.privileges or []))
                    grants[a.principal] = grants.get(a.principal, frozenset()) | held
            token = response.next_page_token
            if not token:
                return grants

    def tag_policies(self) -> dict[str, frozenset[str]] | None:
        """Governed tag keys -> allowed values (empty: any value), all pages; None when the workspace does
        not offer tag policies or the principal may not list them.
        https://docs.databricks.com/api/workspace/tagpolicies/listtagpolicies"""
        try:
            policies = self._call(lambda: list(self.workspace.tag_policies.list_tag_policies()))
        except (NotFound, PermissionDenied):
            return None
        return {
            p.tag_key: frozenset(v.name for v in (p.values or []) if v.name) for p in policies if p.tag_key
        }

    def table_exists(self, full_name: str) -> bool:
        response = self._call(lambda: self.workspace.tables.exists(full_name))
        return bool(response.table_exists)

    def set_owner(self, full_name: str, owner: str) -> None:
        self._call(lambda: self.workspace.tables.update(full_name, owner=owner))

    def catalog_owner(self, name: str) -> str | None:
        """The catalog's owner, or None when there is no such catalog."""
        try:
            info = self._call(lambda: self.workspace.catalogs.get(name))
        except NotFound:
            return None
        return info.owner or ""

    def delete_catalog(self, name: str) -> bool:
        """Drop a catalog with everything in it; False when it was already gone (a resent request finds
        it deleted). https://docs.databricks.com/api/workspace/catalogs/delete: the caller must be a
        metastore admin or the catalog's owner; `force` deletes a catalog that is not empty."""
        try:
            self._call(lambda: self.workspace.catalogs.delete(name, force=True))
        except NotFound:
            return False
        return True

    def get_share(self, name: str) -> sharing.ShareInfo | None:
        try:
            return self._call(lambda: self.workspace.shares.get(name, include_shared_data=True))
        except NotFound:
            return None

    def share_permissions(self, name: str) -> dict[str, frozenset[str]]:
        response = self._call(lambda: self.workspace.shares.share_permissions(name))
        return {
            a.principal: frozenset(p.value for p in (a.privileges or []))
            for a in (response.privilege_assignments or [])
            if a.principal
        }

    def create_share(self, name: str) -> None:
        """Create a share; when it already exists and this principal owns it, that is the outcome wanted
        (the SDK resends a create whose answer was lost, and the second attempt finds the share)."""
        try:
            self._call(lambda: self.workspace.shares.create(name, comment="managed by lakehouse-mesh"))
        except ResourceConflict:
            existing = self.get_share(name)
            if existing is None or existing.owner != self.principal:
                raise
        except BadRequest as error:
            if "already exists" not in str(error).lower():
                raise
            existing = self.get_share(name)
            if existing is None or existing.owner != self.principal:
                raise

    def update_share_objects(
        self, name: str, add: list[str], remove: list[str], aliases: Mapping[str, str] | None = None
    ) -> None:
        """ADD and REMOVE are not idempotent (a repeated ADD is refused), so a failed call is settled by
        reading the share back and sending only what is still to do, once. `aliases`: each added table's
        `shared_as`."""
        aliases = aliases or {}
        try:
            self._update_share_objects(name, add, remove, aliases)
        except (BadRequest, ResourceConflict, TimeoutError) as error:
            share = self.get_share(name)
            held = {o.name.lower() for o in (share.objects or []) if o.name} if share else set()
            still_add = [t for t in add if t.lower() not in held]
            still_remove = [t for t in remove if t.lower() in held]
            if (still_add, still_remove) == (add, remove) or share is None:
                raise error  # nothing of it landed: the refusal is real
            if still_add or still_remove:
                self._update_share_objects(name, still_add, still_remove, aliases)

    def _update_share_objects(
        self, name: str, add: list[str], remove: list[str], aliases: Mapping[str, str]
    ) -> None:
        updates = [
            sharing.SharedDataObjectUpdate(
                action=sharing.SharedDataObjectUpdateAction.ADD,
                data_object=sharing.SharedDataObject(
                    name=t,
                    data_object_type=sharing.SharedDataObjectDataObjectType.TABLE,
                    shared_as=aliases.get(t),
                ),
            )
            for t in add
        ] + [
            sharing.SharedDataObjectUpdate(
                action=sharing.SharedDataObjectUpdateAction.REMOVE,
                data_object=sharing.SharedDataObject(name=t),
            )
            for t in remove
        ]
        self._call(lambda: self.workspace.shares.update(name, updates=updates))

    def set_share_owner(self, name: str, owner: str) -> None:
        """shares.update(owner=): https://docs.databricks.com/api/workspace/shares/update"""
        self._call(lambda: self.workspace.shares.update(name, owner=owner))

    def update_share_permissions(self, name: str, changes: list[GrantChange]) -> None:
        sdk_changes = [
            sharing.PermissionsChange(
                principal=c.principal, add=list(c.add) or None, remove=list(c.remove) or None
            )
            for c in changes
        ]
        self._call(lambda: self.workspace.shares.update_permissions(name, changes=sdk_changes))


_NEEDS_PRIVILEGE = ("INSUFFICIENT_PERMISSIONS", "PERMISSION_DENIED")


def describe_error(error: BaseException) -> str:
    """One line for a failed call: Databricks error code and message, never request headers or secrets; a
    missing privilege points at `mesh doctor`, which prints the GRANT that fixes it."""
    return redact(_describe_error(error))


def _describe_error(error: BaseException) -> str:
    if isinstance(error, StatementError):
        line = str(error).splitlines()[0]
        code = error.error_class
    elif isinstance(error, DatabricksError):
        code = error.error_code or type(error).__name__
        message = str(error).splitlines()[0].split(" Config: ", 1)[0] if str(error) else ""
        line = f"{code}: {message}".rstrip(": ")
    else:
        code, line = "", ""
    if line:
        needs_grant = code in _NEEDS_PRIVILEGE
        hint = "; run mesh doctor --platform unity for the GRANT that fixes it" if needs_grant else ""
        return line + hint
    if isinstance(error, TimeoutError):
        return f"timed out after retries ({error.__cause__ or error})"
    return f"{type(error).__name__}: {error}"
