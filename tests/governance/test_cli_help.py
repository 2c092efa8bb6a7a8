"""The command line, dbt-like and the same in every command: golden `--help` of every command, and the
spellings (`--root` and `--version` anywhere, `-s/--select` dbt nodes, `--rules` rule codes, `--out` the
one output flag, `--target` only a dbt target, `--platform` a platform; old spellings still work with
one deprecation line).

A changed option changes its golden text on purpose: regenerate with
`MESH_UPDATE_GOLDEN=1 .venv/bin/pytest tests/governance/test_cli_help.py` and review the diff.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from governance.cli import COMMANDS, build_parser, main

GOLDEN = Path(__file__).resolve().parent / "golden" / "help"
UPDATE = os.environ.get("MESH_UPDATE_GOLDEN") == "1"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def helps(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """`mesh --help`, `mesh <command> --help` and `mesh <command> <kind> --help`, 100 columns wide."""
    monkeypatch.setenv("COLUMNS", "100")
    found = {"mesh": build_parser([]).format_help()}
    for name in COMMANDS:
        command = _subparsers(build_parser([name]))[name]
        found[name] = command.format_help()
        for kind, sub in _subparsers(command).items():
            found[f"{name} {kind}"] = sub.format_help()
    return found


def golden_file(name: str) -> Path:
    return GOLDEN / f"{name.replace(' ', '_')}.txt"


def test_help_of_every_command_is_as_reviewed(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = helps(monkeypatch)
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.glob("*.txt"):
            old.unlink()
        for name, text in texts.items():
            golden_file(name).write_text(text, encoding="utf-8")
    missing = sorted(n for n in texts if not golden_file(n).is_file())
    assert not missing, f"no golden help for {missing}: regenerate (see this module's docstring)"
    stale = sorted(p.name for p in GOLDEN.glob("*.txt") if p.stem not in {golden_file(n).stem for n in texts})
    assert not stale, f"golden help of commands that no longer exist: {stale}"
    for name, text in texts.items():
        assert text == golden_file(name).read_text(encoding="utf-8"), f"`mesh {name} --help` changed"


def test_every_command_takes_root_and_the_spellings_are_one_per_meaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = helps(monkeypatch)
    for name, text in texts.items():
        if name == "mesh" or _subparsers(_subparsers(build_parser([name.split()[0]]))[name.split()[0]]):
            continue  # a command of kinds: its kinds take the options
        assert "--root DIR" in text, name
        options = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", text))
        assert "--output" not in options or "formerly --output" in text, name  # `--out` is the word
        assert "--write" not in options or "formerly --write" in text, name
        if "--target" in options and name != "build":  # a dbt target, else `--platform`
            assert "formerly --target" in text, name
    assert "-s SELECTOR [SELECTOR ...], --select SELECTOR" in texts["build"]
    assert "--exclude SELECTOR" in texts["build"]
    assert "--rules CODE [CODE ...]" in texts["check"]


def test_version_and_root_before_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert re.fullmatch(r"mesh \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)
    monkeypatch.delenv("MESH_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)  # no mesh.yml here: only --root can name the mesh
    for argv in (
        ["--root", str(tmp_path / "nowhere"), "lineage"],
        ["lineage", "--root", str(tmp_path / "nowhere")],
    ):
        assert main(argv) == 2
        assert "nowhere: the mesh root (--root or MESH_ROOT) is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["rules", "--write", "{out}"], "warning: --write is deprecated; use --out"),
        (["rules", "--out", "{out}"], None),
    ],
)
def test_old_spellings_work_with_one_deprecation_line(
    argv: list[str], line: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rules.md"
    assert main([a.format(out=out) for a in argv]) == 0
    assert out.read_text(encoding="utf-8").startswith("#")
    err = capsys.readouterr().err
    deprecations = [x for x in err.splitlines() if "is deprecated" in x]
    assert deprecations == ([f"{line} (the old spelling still works, for now)"] if line else [])
