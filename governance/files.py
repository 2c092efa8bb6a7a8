"""Reading and writing the mesh's own files: config sections, and outputs written all-or-nothing."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import stat
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from governance.errors import MeshError


def mapping(value: Any, where: str, known: Collection[str] | None = None) -> dict[str, Any]:
    """A config section that must be a mapping (absent = empty); `where` names the file and key. With
    `known`, any other key is refused naming the closest known one: a typo must not fall back to a default."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MeshError(f"{where} must be a mapping")
    section = {str(k): v for k, v in value.items()}
    unknown = sorted(set(section) - set(known)) if known is not None else []
    if unknown:
        import difflib  # only error messages need it

        close = difflib.get_close_matches(unknown[0], sorted(known or ()), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known or ()))}"
        raise MeshError(f"{where}: unknown key {unknown[0]!r}; {hint}")
    return section


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# What a run stages beside its target is named after the host and process that staged it, so the next
# run can tell what a killed run left (its process gone) from what a live one is writing.
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_STAGED = re.compile(r"\.(?P<target>.+)\.mesh-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[^/]*")


def staging_prefix(target: Path) -> str:
    """The name prefix of what this process stages beside `target` (a temp file or folder)."""
    return f".{target.name}.mesh-{_HOST}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def remove_stale_staging(target: Path) -> list[Path]:
    """Remove what runs on this host that died (kill -9, power loss) staged beside `target`; return it.

    A live run's staging, another host's (a shared folder) and anything not named by `staging_prefix`
    are left alone; a recycled pid only delays the clean-up to a later run.
    """
    removed = []
    try:
        entries = list(target.parent.iterdir()) if target.parent.is_dir() else []
    except OSError:
        return []
    for entry in entries:
        found = _STAGED.fullmatch(entry.name)
        if found is None or found["target"] != target.name or found["host"] != _HOST:
            continue
        if _alive(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


def output_target(path: Path) -> Path:
    """Where a write to `path` lands; every command's output path goes through here first.

    A symlink is followed on purpose: the link stays and what it names is replaced (a dangling link's
    target is created), so `--out` pointing at a link into a served folder updates that folder. A folder,
    a FIFO, a socket or a device node is refused in one line and left as it was: renaming a file over
    `/dev/full` or a named pipe would replace it with a regular file. A link loop is refused.
    """
    try:
        target = path.resolve() if path.is_symlink() else path.absolute()
        state = os.stat(target) if os.path.lexists(target) else None
    except (OSError, RuntimeError) as exc:  # a loop (RuntimeError on 3.11), a name too long
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a symlink loop"
        raise MeshError(f"{path}: cannot use as an output ({reason}); give another file path") from None
    if state is not None and stat.S_ISDIR(state.st_mode):
        raise MeshError(f"{path} is a folder; give a file path to write to")
    if state is not None and not stat.S_ISREG(state.st_mode):
        raise MeshError(
            f"{path} is not a regular file (a FIFO, socket or device node); mesh replaces its outputs "
            "whole, so give a file path instead"
        )
    return target


def _file_mode(target: Path) -> int:
    """An existing file keeps its permission bits; a new one gets 0666 minus the umask, as `open` gives."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_atomic(path: Path, text: str) -> None:
    """Write a temp file in the same folder and rename it over `path`: readers never see half a file.

    The path is checked by `output_target` (symlinks followed, non-regular files refused). The file gets
    the mode `open(path, "w")` would give (0666 minus the umask; an existing file keeps its mode), not
    mkstemp's 0600: generated files are read by other users (a Trino server reading its rules.json).
    """
    write_all({path: text})


def write_all(files: Mapping[Path, str]) -> None:
    """Write several files as one: every file is staged (a temp file beside it) before the first is
    renamed into place, so a failure (a folder that cannot be made, a full disk) leaves every file as it
    was and no staged or new folder behind. Only the renames themselves can be interrupted."""
    import tempfile  # ~2 ms to import (with random): only writers pay, not every reader of `mapping`

    targets = {path: output_target(path) for path in files}  # every path checked before anything is made
    staged: list[tuple[str, Path]] = []
    made: list[Path] = []
    try:
        for path, text in files.items():
            target = targets[path]
            missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(missing))
            remove_stale_staging(target)
            fd, tmp = tempfile.mkstemp(prefix=staging_prefix(target), dir=target.parent)
            staged.append((tmp, target))
            os.fchmod(fd, _file_mode(target))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
    except BaseException as error:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(error, OSError):
            where = error.filename or next(iter(files), "")
            raise MeshError(f"{where}: cannot write ({error.strerror}); nothing was written") from None
        raise
    try:
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as error:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise MeshError(f"{error.filename or target}: cannot write ({error.strerror})") from None
