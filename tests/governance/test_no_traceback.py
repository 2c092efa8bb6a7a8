"""No traceback for any input: configuration files, manifests and command lines, fuzzed with hypothesis.

Every input must end in exit 0, 1 or 2 (a MeshError for the library functions), never an escaped
exception, and a command that fails writes nothing. The generators build documents from each file's
own keys (so most examples reach deep into the validation) mixed with unknown keys, wrong types,
impossible dates, control characters and the hostile corpus (tests/fixtures/hostile.py). The
figures in docs/reliability.md come from a longer run of this module:
    MESH_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/governance/test_no_traceback.py --hypothesis-show-statistics
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.cli import main
from governance.errors import MeshError
from governance.iceberg.config import load_catalog_settings
from governance.trino.config import load_trino_settings
from tests.fixtures.hostile import HOSTILE, hostile_text
from tests.governance.iceberg.mesh_fixture import BuiltMesh, built_mesh

pytestmark = pytest.mark.dbt

FUZZ = settings(
    # MESH_FUZZ_EXAMPLES: longer runs for the figures in docs/reliability.md
    max_examples=int(os.environ.get("MESH_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,  # CI runs the same examples every time
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Written unquoted into the YAML text (see `dump`): what a hand-written file holds, not what safe_dump quotes.
RAW_SCALARS = (
    "2026-02-30",
    "2026-13-01",
    "2026-01-01 10:00:00",
    "2026-01-01T10:00:00Z",
    "0x1F",
    "1e400",
    "~",
)

# Scalars a YAML author might write, right or wrong.
scalars = st.one_of(
    hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.sampled_from(RAW_SCALARS),
)


def documents(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """YAML values shaped like `schema` (a dict of known keys -> sub-schemas, None = any scalar)."""

    def shaped(sub: Any) -> st.SearchStrategy[Any]:
        if isinstance(sub, dict):
            known = st.fixed_dictionaries({}, optional={k: shaped(v) for k, v in sub.items()})
            extra = st.dictionaries(hostile_text, scalars, max_size=2)
            return st.one_of(
                st.builds(lambda a, b: {**b, **a}, known, extra), scalars, st.lists(scalars, max_size=3)
            )
        if isinstance(sub, list):
            return st.one_of(st.lists(shaped(sub[0]), max_size=3), scalars)
        return st.one_of(
            scalars, st.lists(scalars, max_size=2), st.dictionaries(hostile_text, scalars, max_size=2)
        )

    return shaped(schema)


PUBLISH_SCHEMA = {
    "catalog": {"name": None, "uri": None, "warehouse": None},
    "publisher": {"identity": None, "batch_rows": None, "target_file_bytes": None},
    "source": {"warehouse_dir": None},
}
TRINO_SCHEMA = {
    "connection": {"host": None, "port": None, "user": None, "http_scheme": None},
    "external_catalog": None,
    "jdbc": {k: None for k in ("connection_url", "driver_class", "user_env", "password_env", "warehouse")},
    "databricks": {"host_env": None, "token_env": None},
    "admin_group": None,
    "groups": {"data-consumers": [None], "mesh-admins": [None]},
}
POLICY_SCHEMA = {
    "version": None,
    "scope": {"include": {"domains": [None], "paths": [None]}, "exclude": {"paths": [None]}},
    "rules": {"MESH017": {"enabled": None, "severity": None, "params": {"max_versions": None}}},
    "exceptions": [
        {"code": None, "node": None, "path": None, "domain": None, "reason": None, "expires": None}
    ],
}


def dump(value: Any) -> str:
    """YAML text for `value`; sometimes broken on purpose (a tab, an unclosed quote)."""
    try:
        text = yaml.safe_dump(value, allow_unicode=True)
    except yaml.YAMLError:
        return "catalog: {uri: 'unclosed\n"
    for raw in RAW_SCALARS:
        text = text.replace(f"'{raw}'", raw)
    return text


def no_escape(call: Callable[[], object]) -> None:
    """`call` returns or raises MeshError (one line): anything else is a traceback for the user."""
    try:
        call()
    except MeshError as error:
        assert "\n" not in str(error), str(error)


@contextlib.contextmanager
def quiet() -> Iterator[io.TextIOWrapper]:
    """stdout and stderr into one text stream with a byte buffer (commands write bytes to stdout)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        yield out


def _text(out: io.TextIOWrapper) -> str:
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", errors="replace")


def run_cli(argv: list[str]) -> tuple[int, str]:
    """`mesh ARGV` in-process: (exit code, output); an escaped exception fails the test."""
    with quiet() as out:
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse usage errors and --help
            code = exit_.code if isinstance(exit_.code, int) else 2
    text = _text(out)
    assert code in (0, 1, 2), (argv, code, text[-2000:])
    assert "Traceback" not in text, (argv, text[-2000:])
    return code, text


@pytest.fixture(scope="module")
def mesh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built: BuiltMesh = built_mesh()
    root = tmp_path_factory.mktemp("fuzz") / "mesh"
    shutil.copytree(built.root, root)
    return root


@pytest.fixture
def mesh_env(mesh_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MESH_ROOT", str(mesh_copy))
    monkeypatch.setenv("MESH_DATA_DIR", str(built_mesh().warehouse.parent))
    monkeypatch.setenv("MESH_CATALOG_URI", f"sqlite:///{tmp_path / 'catalog.db'}")
    monkeypatch.setenv("MESH_WAREHOUSE", (tmp_path / "lake").as_uri())
    for name in ("MESH_CATALOG_PASSWORD", "TRINO_PORT", "TRINO_HOST", "DATABRICKS_HOST", "DATABRICKS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


# --- every configuration file the tool reads --------------------------------------------------------


@FUZZ
@given(document=documents(PUBLISH_SCHEMA))
def test_publish_yml(document: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("publish") / "publish.yml"
    path.write_text(dump(document), encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        for name in ("MESH_CATALOG_URI", "MESH_CATALOG_PASSWORD", "MESH_WAREHOUSE", "MESH_DATA_DIR"):
            env.delenv(name, raising=False)
        no_escape(lambda: load_catalog_settings(path.parent, path))


@FUZZ
@given(document=documents(TRINO_SCHEMA))
def test_trino_yml(document: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("trino") / "trino.yml"
    path.write_text(dump(document), encoding="utf-8")
    no_escape(lambda: load_trino_settings(path))


@FUZZ
@given(document=documents(POLICY_SCHEMA))
def test_policies_yml(document: Any, mesh_env: Path) -> None:
    path = mesh_env / "policies.yml"
    path.write_text(dump(document), encoding="utf-8")
    run_cli(["check", "--config", str(path)])


# --- command lines --------------------------------------------------------------------------------

SAFE_COMMANDS = ["check", "lineage", "rules", "trino-config", "query", "publish", "nosuchcommand"]
FLAGS = ["--format", "--output", "--out", "--write", "--domain", "--config", "--engine", "--help", "-x", "--"]


@FUZZ
@given(
    command=st.sampled_from(SAFE_COMMANDS),
    args=st.lists(
        st.one_of(st.sampled_from(FLAGS), hostile_text, st.sampled_from(["sarif", "json", "csv"])), max_size=4
    ),
)
def test_command_lines(command: str, args: list[str], mesh_env: Path) -> None:
    argv = [command, *[a.replace("\x00", "") for a in args]]  # the OS cannot pass a NUL in argv
    out = mesh_env / "out"
    shutil.rmtree(out, ignore_errors=True)
    if command == "trino-config":
        argv += ["--out", str(out)]
    code, _ = run_cli(argv)
    if code != 0 and out.exists():
        assert not any(p.is_file() for p in out.rglob("*")), "a failed command left files behind"


# --- the inputs the issue lists (each was a traceback) ------------------------------------------------


@pytest.mark.parametrize(
    "expires", ["2026-02-30", "2026-13-01", "2026-01-01 10:00:00", "2026-01-01T10:00:00Z"]
)
def test_impossible_or_unquoted_dates_in_policies(expires: str, mesh_env: Path) -> None:
    path = mesh_env / "policies.yml"
    path.write_text(
        f"version: 1\nexceptions:\n  - {{code: MESH001, node: '*', reason: r, expires: {expires}}}\n",
        encoding="utf-8",
    )
    code, text = run_cli(["check", "--config", str(path)])
    assert code == 2 and "expires" in text


MESH_COMMANDS = (
    ["check"],
    ["lineage"],
    ["publish"],
    ["query", "select 1"],
    ["docs", "--out", "site"],
    ["contracts", "export", "--out", "contracts"],
    ["trino-config", "--out", "trino"],
    ["build"],
    ["new", "product", "orders", "p"],
)


@pytest.mark.parametrize("command", MESH_COMMANDS, ids=lambda c: c[0])
def test_mesh_root_outside_a_mesh(
    command: list[str], mesh_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh_env / "missing"))
    code, text = run_cli(command)
    assert code == 2 and "MESH_ROOT" in text, (command, text)
    # A folder holding no dbt project: refused in one line, never "0 errors" (a mesh of nothing is not green).
    empty = mesh_env / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.setenv("MESH_ROOT", str(empty))
    code, text = run_cli(command)
    assert code == 2 and "no dbt project found" in text, (command, text)
    assert [p.name for p in empty.iterdir()] == [], "a refused command wrote files"


@pytest.mark.parametrize("depth", [100_000])
def test_a_deeply_nested_manifest(depth: int, mesh_env: Path, mesh_copy: Path) -> None:
    manifest = mesh_copy / "domains" / "shipping" / "target" / "manifest.json"
    original = manifest.read_bytes()
    try:
        manifest.write_text('{"a":' * depth + "1" + "}" * depth, encoding="utf-8")
        code, text = run_cli(["check"])
        assert code == 2 and "manifest.json" in text
        manifest.write_text("[" * depth + "]" * depth, encoding="utf-8")
        assert run_cli(["lineage"])[0] == 2
    finally:
        manifest.write_bytes(original)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--output", "{dir}"],
        ["rules", "--write", "{dir}"],
        ["trino-config", "--out", "{file}"],
        ["check", "--output", "/proc/version/x"],
    ],
)
def test_outputs_that_are_folders_files_or_unwritable(argv: list[str], mesh_env: Path) -> None:
    folder = mesh_env / "a-folder"
    folder.mkdir(exist_ok=True)
    file = mesh_env / "a-file"
    file.write_text("keep")
    code, _ = run_cli([a.format(dir=folder, file=file) for a in argv])
    assert code == 2
    assert file.read_text() == "keep" and list(folder.iterdir()) == []


def test_hostile_corpus_is_not_empty() -> None:
    assert len(HOSTILE) > 40 and date.today()
