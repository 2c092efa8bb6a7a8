"""Every command's output path (issue 22): a symlink is followed on purpose (the link stays, what it names
is replaced), a FIFO, socket or device node is refused in one line and left as it was, the write is atomic
and a new file honours the umask. One helper (governance/files.py) serves every command that writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from governance.contracts.folder import replace_folder
from governance.errors import MeshError
from governance.files import output_target, write_all, write_atomic


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _device(path: Path) -> Path:
    """A /dev/null of our own where we may create one (root); otherwise (a new user's `make test`) the
    system's own /dev/null, which the write must leave as it is just the same."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        return Path(os.devnull)
    return path


@pytest.mark.parametrize("make", [_fifo, _device], ids=["fifo", "device"])
@pytest.mark.parametrize("writer", ["atomic", "all"])
def test_a_fifo_or_device_node_is_refused_and_left_as_it_was(
    tmp_path: Path, make: object, writer: str
) -> None:
    target = make(tmp_path / "out")  # type: ignore[operator]
    kind = stat.S_IFMT(target.lstat().st_mode)
    with pytest.raises(MeshError) as error:
        if writer == "atomic":
            write_atomic(target, "x")
        else:
            write_all({tmp_path / "other.txt": "y", target: "x"})
    assert "\n" not in str(error.value) and "not a regular file" in str(error.value)
    assert stat.S_IFMT(target.lstat().st_mode) == kind
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out"] if target.parent == tmp_path else [])


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "rules.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    write_all({link: "newer"})
    assert link.is_symlink() and real.read_text() == "newer"
    assert sorted(p.name for p in real.parent.iterdir()) == ["rules.md"]


def test_a_dangling_symlink_creates_what_it_names(tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "made.md")
    write_atomic(link, "x")
    assert link.is_symlink() and (tmp_path / "made.md").read_text() == "x"


def test_a_symlink_loop_or_a_link_to_a_fifo_is_one_line(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    fifo = _fifo(tmp_path / "fifo")
    to_fifo = tmp_path / "to-fifo"
    to_fifo.symlink_to(fifo)
    for target in (loop, to_fifo):
        with pytest.raises(MeshError) as error:
            output_target(target)
        assert "\n" not in str(error.value)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and loop.is_symlink()


def test_an_existing_files_mode_is_kept_and_a_new_one_honours_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        kept = tmp_path / "secret.json"
        kept.write_text("{}")
        kept.chmod(0o600)
        write_atomic(kept, "[]")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        new = tmp_path / "new.json"
        write_atomic(new, "[]")
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
    finally:
        os.umask(previous)


def test_an_output_folder_given_as_a_symlink_is_replaced_behind_the_link(tmp_path: Path) -> None:
    """`mesh docs --out <symlink>` swapped the site in over the link, then exited 2 'cannot write (None)'."""
    real = tmp_path / "sites" / "catalog"
    real.mkdir(parents=True)
    link = tmp_path / "site"
    link.symlink_to(real, target_is_directory=True)

    def fill(folder: Path) -> None:
        (folder / "index.html").write_text("<p>one</p>")

    replace_folder(link, ".mesh-site", fill)
    assert link.is_symlink() and (real / "index.html").read_text() == "<p>one</p>"
    replace_folder(link, ".mesh-site", fill)  # the second run replaces its own output behind the link
    assert link.is_symlink() and sorted(p.name for p in real.iterdir()) == [".mesh-site", "index.html"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["catalog"]


def test_an_output_folder_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "site")
    with pytest.raises(MeshError):
        replace_folder(fifo, ".mesh-site", lambda folder: None)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_the_plan_file_is_written_through_the_same_helper(tmp_path: Path) -> None:
    """`mesh plan --out F` wrote with path.write_bytes: not atomic, and a FIFO blocked the command."""
    from governance.commands.plan import write_plan
    from governance.unity.plan import Plan

    fifo = _fifo(tmp_path / "plan.json")
    with pytest.raises(MeshError):
        write_plan(fifo, Plan(fingerprint="f", prune=False))
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_signal_during_the_swaps_waits_until_every_folder_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several folders replaced as one (`mesh contracts export` into each domain): a SIGTERM arriving
    between two swaps is delivered once all are done, never between them."""
    import signal

    from governance.contracts import folder as folder_module

    outs = [tmp_path / "orders" / "contracts", tmp_path / "marketing" / "contracts"]
    for out in outs:
        out.mkdir(parents=True)
        (out / ".mesh-contracts").write_text("")
        (out / "c.yaml").write_text("old")
    real_swap = folder_module._swap_in
    swapped: list[Path] = []

    def swap_then_signal(tmp: Path, out: Path) -> None:
        real_swap(tmp, out)
        swapped.append(out)
        if len(swapped) == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    def on_term(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    monkeypatch.setattr(folder_module, "_swap_in", swap_then_signal)
    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with pytest.raises(SystemExit):
            folder_module.replace_folders(
                {out: lambda f: (f / "c.yaml").write_text("new") and None for out in outs}, ".mesh-contracts"
            )
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert [(out / "c.yaml").read_text() for out in outs] == ["new", "new"]
