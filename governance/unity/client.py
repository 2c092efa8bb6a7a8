"""The Databricks calls the sync makes, over the real databricks-sdk `WorkspaceClient`.

Auth and workspace come from the SDK's own resolution (DATABRICKS_HOST/TOKEN, config profiles,
OAuth...). The token is never read, printed or logged here. The SDK retries 429/503 (honouring
Retry-After) and dropped connections; this layer adds a bounded retry for 500s, since every call
the sync makes is idempotent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import InternalError, NotFound
from databricks.sdk.service import catalog, sharing, sql

from governance.errors import MeshError

T = TypeVar("T")
_ERROR_CLASS = re.compile(r"\[([A-Z_.]+)\]")
_POLL_SECONDS = 0.2


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
    def __init__(self, workspace: WorkspaceClient, warehouse_id: str, retries: int = 3) -> None:
        self.workspace = workspace
        self.warehouse_id = warehouse_id
        self.retries = retries

    @classmethod
    def connect(cls, warehouse_id: str, retries: int = 3, retry_timeout_seconds: int = 120) -> UnityClient:
        try:
            workspace = WorkspaceClient(
                config=Config(retry_timeout_seconds=retry_timeout_seconds, product="lakehouse-mesh")
            )
        except ValueError as exc:
            # The SDK's message lists what it tried (env vars, profile) and never includes a token.
            raise MeshError(f"cannot configure the Databricks client: {exc}") from None
        return cls(workspace, warehouse_id, retries)

    def _call(self, fn: Callable[[], T]) -> T:
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except (InternalError, TimeoutError):
                if attempt == self.retries:
                    raise
                time.sleep(min(2.0, 0.1 * 2**attempt))
        raise AssertionError("unreachable")

    # -- SQL ---------------------------------------------------------------------------------------
    def _statement(self, statement: str) -> sql.StatementResponse:
        response = self._call(
            lambda: self.workspace.statement_execution.execute_statement(
                statement,
                self.warehouse_id,
                wait_timeout="30s",
                on_wait_timeout=sql.ExecuteStatementRequestOnWaitTimeout.CONTINUE,
                disposition=sql.Disposition.INLINE,
                format=sql.Format.JSON_ARRAY,
            )
        )
        while response.status and response.status.state in (
            sql.StatementState.PENDING,
            sql.StatementState.RUNNING,
        ):
            time.sleep(_POLL_SECONDS)
            statement_id = response.statement_id or ""
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

    def set_owner(self, full_name: str, owner: str) -> None:
        self._call(lambda: self.workspace.tables.update(full_name, owner=owner))

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
        self._call(lambda: self.workspace.shares.create(name, comment="managed by lakehouse-mesh"))

    def update_share_objects(self, name: str, add: list[str], remove: list[str]) -> None:
        updates = [
            sharing.SharedDataObjectUpdate(
                action=sharing.SharedDataObjectUpdateAction.ADD,
                data_object=sharing.SharedDataObject(
                    name=t, data_object_type=sharing.SharedDataObjectDataObjectType.TABLE
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

    def update_share_permissions(self, name: str, changes: list[GrantChange]) -> None:
        sdk_changes = [
            sharing.PermissionsChange(
                principal=c.principal, add=list(c.add) or None, remove=list(c.remove) or None
            )
            for c in changes
        ]
        self._call(lambda: self.workspace.shares.update_permissions(name, changes=sdk_changes))


def describe_error(error: BaseException) -> str:
    """One line for a failed call: Databricks error code and message, never request headers."""
    if isinstance(error, StatementError):
        return str(error).splitlines()[0]
    if isinstance(error, DatabricksError):
        code = error.error_code or type(error).__name__
        return f"{code}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")
    if isinstance(error, TimeoutError):
        return f"timed out after retries ({error.__cause__ or error})"
    return f"{type(error).__name__}: {error}"
