"""The JSON schemas dbt validates its files against, kept between dbt interpreters.

dbt builds the JSON schema of each class it validates (dbt_project.yml, the profile's credentials, node
configs, ...) from the class's annotations the first time it validates one, in every new process:
13 schemas and about 0.7 s of the first command's CPU in a pull request's build, paid by each of its
cold interpreters (`docs/benchmarks.md`). A schema is derived from the installed packages alone, like
Python's bytecode cache, so the dbt workers (governance/build/worker.py) keep them in one file beside
the interpreter's environment, named after everything installed there: installing or upgrading any
package starts a new file. An unreadable or unwritable file only means building the schemas again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import orjson

FOLDER = Path(sys.prefix) / "var" / "cache" / "lakehouse-mesh"


def environment_key() -> str:
    """What the schemas derive from: this Python and every distribution installed on its path (each
    dist-info folder's name holds its version), in the site folders on its path: not a process's working
    directory or a source folder on PYTHONPATH, which install nothing (a source folder's own egg-info is
    build metadata)."""
    names: set[str] = set()
    for entry in sys.path:
        if os.path.basename(entry) not in ("site-packages", "dist-packages"):
            continue
        with contextlib.suppress(OSError):
            names.update(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
    return hashlib.sha256("\0".join([sys.version, *sorted(names)]).encode()).hexdigest()[:20]


class SchemaCache:
    """Serves dbt's `dbtClassMixin.json_schema` from `path`, building (and remembering) what is missing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, Any] = {}
        self.added = 0  # schemas built since the file was last read or written
        with contextlib.suppress(OSError, orjson.JSONDecodeError, TypeError):
            loaded = orjson.loads(path.read_bytes())
            if isinstance(loaded, dict):
                self.known = loaded

    def install(self) -> bool:
        """Route dbt's schema building through the cache; False where this dbt has no such method."""
        try:
            from dbt_common.dataclass_schema import dbtClassMixin
        except ImportError:
            return False
        method = dbtClassMixin.__dict__.get("json_schema")
        build = getattr(getattr(method, "__func__", None), "__wrapped__", None)  # under its lru_cache
        if build is None:
            return False

        @functools.cache
        def json_schema(cls: type) -> Any:
            name = f"{cls.__module__}.{cls.__qualname__}"
            if "<locals>" in name:  # a class made at run time: one name may stand for several shapes
                return build(cls)
            schema = self.known.get(name)
            if schema is None:
                schema = self.known[name] = build(cls)
                self.added += 1
            return schema

        dbtClassMixin.json_schema = classmethod(json_schema)  # type: ignore[method-assign,assignment,arg-type]
        return True

    def save(self) -> None:
        """Write the schemas built since the last save (all or nothing: another worker may read it)."""
        if not self.added:
            return
        self.added = 0
        from governance.errors import MeshError
        from governance.files import write_atomic

        with contextlib.suppress(OSError, MeshError):  # read-only: the next interpreter builds them again
            write_atomic(self.path, orjson.dumps(self.known).decode())


def install(folder: Path = FOLDER) -> SchemaCache | None:
    """The cache for this environment, serving dbt's schemas; None where dbt cannot use it."""
    cache = SchemaCache(folder / f"dbt-json-schemas-{environment_key()}.json")
    return cache if cache.install() else None
