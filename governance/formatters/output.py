"""Writing a report or page all-or-nothing: a temp file in the same folder, renamed over the target."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from governance.errors import MeshError


def write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MeshError(f"{path}: cannot write ({exc.strerror}); check the path and permissions") from None
