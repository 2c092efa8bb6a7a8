"""governance/files.py: atomic writes that honour the umask, like any `open(..., "w")`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.contracts.folder import replace_folder
from governance.errors import MeshError
from governance.files import staging_prefix, write_all, write_atomic


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_file_honours_the_umask(tmp_path: Path, umask: None, mask: int, mode: int) -> None:
    os.umask(mask)
    target = tmp_path / "rules.json"
    write_atomic(target, "{}")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text() == "{}"


def test_replacing_a_file_leaves_no_temp_file(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_directory_as_target_is_one_line_and_nothing_written(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    target.mkdir()
    with pytest.raises(MeshError) as error:
        write_atomic(target, "x")
    assert "folder" in str(error.value) and "\n" not in str(error.value)
    assert list(target.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["folder"]


def test_a_set_of_files_is_written_whole_or_not_at_all(tmp_path: Path, umask: None) -> None:
    """A command writing several files (trino-config, `mesh new`) must not leave some new and some old:
    the third file's folder cannot be created, so the first two keep their old content."""
    from governance.files import write_all

    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    files = {tmp_path / "a.txt": "new a", tmp_path / "b.txt": "new b", tmp_path / "blocker" / "c.txt": "c"}
    with pytest.raises(MeshError):
        write_all(files)
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "blocker"], "staged files left behind"
    write_all({tmp_path / "a.txt": "new a", tmp_path / "d" / "b.txt": "new b"})
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "d" / "b.txt").read_text() == "new b"
    assert stat.S_IMODE((tmp_path / "d" / "b.txt").stat().st_mode) == 0o644


# A child that stages its output and is killed before renaming it: the next run (another process)
# must leave nothing of it behind, and must not touch what a live run is staging.
KILLED_WRITERS = {
    "write_atomic": "from governance.files import write_atomic; write_atomic(target, 'x' * 100)",
    "write_all": (
        "from governance.files import write_all\nwrite_all({target: 'a', target.parent / 'sub' / 'b': 'b'})"
    ),
    "replace_folder": (
        "from governance.contracts.folder import replace_folder\n"
        "replace_folder(target, 'MARK', lambda tmp: (tmp / 'index.html').write_text('x'))"
    ),
}
NEXT_RUN = {
    "write_atomic": lambda target: write_atomic(target, "next"),
    "write_all": lambda target: write_all({target: "a", target.parent / "sub" / "b": "b"}),
    "replace_folder": lambda target: replace_folder(
        target, "MARK", lambda tmp: (tmp / "index.html").write_text("y")
    ),
}


def _killed_while_staging(target: Path, writer: str) -> None:
    """Run `writer` in a child whose renames hang (signalling first), then kill -9 it mid-write."""
    ready = target.parent / "ready"
    code = (
        "import os, sys, time\nfrom pathlib import Path\n"
        f"target = Path({str(target)!r})\n"
        "def hang(*args, **kwargs):\n"
        f"    Path({str(ready)!r}).write_text('')\n"
        "    time.sleep(600)\n"
        "os.replace = hang\n"
        "import governance.contracts.folder as folder; folder._exchange = lambda a, b: hang()\n"
        f"{KILLED_WRITERS[writer]}\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parents[2])
    try:
        for _ in range(600):
            if ready.exists() or child.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), f"the child exited ({child.returncode}) before staging"
    finally:
        child.kill()
        child.wait()
    ready.unlink()


@pytest.mark.parametrize("writer", sorted(KILLED_WRITERS))
def test_the_next_write_removes_what_a_killed_write_staged(tmp_path: Path, writer: str) -> None:
    target = tmp_path / "out" / "site" if writer == "replace_folder" else tmp_path / "out" / "rules.json"
    target.parent.mkdir()
    if writer == "replace_folder":
        NEXT_RUN[writer](target)  # an earlier output, so the killed run stages beside an existing folder
    _killed_while_staging(target, writer)
    left = sorted(p.name for p in target.parent.rglob(".*"))
    assert left, "the killed writer staged nothing: the test proves nothing"
    NEXT_RUN[writer](target)
    assert sorted(p.name for p in target.parent.rglob(".*")) == []


def test_a_live_writers_staging_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "rules.json"
    live = tmp_path / f"{staging_prefix(target)}abc"  # this process's own: alive
    live.write_text("in progress")
    write_atomic(target, "next")
    assert live.exists()
