"""What every `mesh query` engine returns, and how engine errors reach the user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from governance.errors import ExitCode, MeshError


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: Iterable[tuple[Any, ...]]  # the embedded engine streams them: read once, while the engine is open


class EngineError(MeshError):
    """The engine rejected the query (syntax, unknown table, access denied): its message, exit 1."""

    def __init__(self, engine: str, message: str) -> None:
        super().__init__(f"{engine}: {message}", ExitCode.FAILED)


class Engine(Protocol):
    name: str

    def execute(self, sql: str) -> QueryResult: ...

    def close(self) -> None: ...
