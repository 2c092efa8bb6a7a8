"""Append-only JSONL audit log: one line per applied (or failed) change, with before and after."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson

from governance.errors import MeshError
from governance.unity.plan import Change


class AuditLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        if path is not None:
            if path.is_dir():
                raise MeshError(f"--audit-log {path}: is a folder; name the log file, like {path}/sync.jsonl")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("ab")
            except OSError as exc:
                raise MeshError(f"--audit-log {path}: cannot open the audit log ({exc.strerror})") from None

    def record(self, change: Change, status: str, request: str, error: str | None = None) -> None:
        if self._file is None:
            return
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "status": status,  # applied | failed
            "request": request,  # sql | grants.update | tables.update | shares.* (never credentials)
            **asdict(change),
            "error": error,
        }
        line = orjson.dumps(entry) + b"\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()  # an interrupted run still leaves what it did in the log

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
