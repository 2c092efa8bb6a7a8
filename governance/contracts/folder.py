"""Write a whole output folder all-or-nothing: build it beside the target, then swap it in.

On Linux the swap is one `renameat2(RENAME_EXCHANGE)`, so a reader sees the old folder or the new one,
never a mix; elsewhere (or on file systems without it) the old folder is renamed aside first, a gap of
one rename. A folder the tool did not write (no marker file inside, and not empty) is never replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from governance.errors import MeshError
from governance.files import remove_stale_staging, staging_prefix

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the platform cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def output_folder(out: Path) -> Path:
    """The folder a write to `out` replaces: a symlink is followed on purpose (the link stays and the
    folder it names is replaced, as governance.files.output_target does for files); a loop is refused."""
    try:
        return out.resolve() if out.is_symlink() else out.absolute()
    except (OSError, RuntimeError):
        raise MeshError(f"--out {out}: a symlink loop or an unreadable link; pass another folder") from None


def check_replaceable(out: Path, marker: str) -> None:
    """Fail (before any work) when `out` is a file, a folder with content mesh did not write, or the
    working folder or one holding it (replaced as a whole, it would take the working folder with it)."""
    out = output_folder(out)
    try:
        here = Path.cwd().resolve()
    except OSError:
        here = None
    if here is not None and (out.resolve() == here or out.resolve() in here.parents):
        raise MeshError(
            f"--out {str(out)!r} is the folder mesh runs in, or holds it; the output folder is replaced as "
            "a whole: pass a folder of its own (e.g. --out site)"
        )
    if out.exists():
        if not out.is_dir():
            raise MeshError(f"{out}: exists and is not a folder; pass another --out")
        if not (out / marker).is_file() and any(out.iterdir()):
            raise MeshError(
                f"{out}: folder exists and was not written by mesh ({marker} missing); "
                "pass an empty or new folder to --out"
            )


def replace_folder(out: Path, marker: str, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` to fill a fresh folder, then make it `out` (replacing an earlier output).

    `marker` is a file name written into the folder so a later run knows it may replace it.
    """
    replace_folders({out: write}, marker)


def replace_folders(outputs: dict[Path, Callable[[Path], None]], marker: str) -> None:
    """Several output folders replaced as one: every folder is staged (written in full beside its target)
    before the first is swapped in, and the swaps run back to back with SIGINT, SIGTERM and SIGHUP held
    off, so a failure or a kill while writing leaves every folder as it was, and a kill cannot land
    between two swaps (`mesh contracts export` into each domain's folder: all new or all old)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for out, write in outputs.items():
            target = output_folder(out)
            staged.append((_stage(target, marker, write), target))
        with _signals_held():
            for tmp, target in staged:
                _swap_in(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP recorded, not acted on, for the duration; then delivered in order.

    Python runs signal handlers in the main thread whichever thread the kernel picked, so swapping the
    handlers (not the thread's signal mask) holds them off even while other threads run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {}
    for held in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        previous[held] = signal.signal(held, lambda signum, _frame: arrived.append(signum))
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        for signum in dict.fromkeys(arrived):  # each once, in the order they came
            signal.raise_signal(signum)


def _stage(out: Path, marker: str, write: Callable[[Path], None]) -> Path:
    check_replaceable(out, marker)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        tmp = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
    except OSError as exc:
        raise MeshError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    try:
        write(tmp)
        (tmp / marker).write_text("written by mesh; replaced as a whole on the next run\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MeshError(
            f"{out}: cannot write the output ({exc.strerror}); check the path and permissions"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _swap_in(tmp: Path, out: Path) -> None:
    try:
        if out.exists() and _exchange(tmp, out):
            shutil.rmtree(tmp)  # now holds the previous output
            return
        if out.exists():
            aside = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
            os.replace(out, aside / "old")
            os.replace(tmp, out)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except OSError as exc:
        raise MeshError(
            f"{out}: cannot write the output ({exc.strerror}); check the path and permissions"
        ) from None
