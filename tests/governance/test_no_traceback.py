"""No traceback for any input: configuration files, manifests and command lines, fuzzed with hypothesis.

Every input must end in exit 0, 1 or 2 (a MeshError for the library functions), never an escaped
exception, and a command that fails writes nothing. The generators build documents from each file's
own keys (so most examples reach deep into the validation) mixed with unknown keys, wrong types,
impossible dates, control characters and the hostile corpus (tests/fixtures/hostile.py). The
figures in docs/reliability.md come from a longer run of this module:
    MESH_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/governance/test_no_traceback.py --hypothesis-show-statistics
(the shared generators and the in-process CLI runner are in tests/fixtures/fuzz.py)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from governance.cli import COMMANDS, build_parser
from governance.errors import MeshError
from governance.iceberg.config import load_catalog_settings
from governance.loader import load_mesh
from governance.trino.config import load_trino_settings
from governance.unity.config import load_config as load_unity_config
from tests.fixtures.fuzz import RAW_SCALARS, Edit, edits, examples, mutate, run_cli, scalars
from tests.fixtures.hostile import HOSTILE, hostile_text
from tests.governance.iceberg.mesh_fixture import BuiltMesh, built_mesh

pytestmark = pytest.mark.dbt

FUZZ = examples(60)


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
    "retention": {"keep_snapshots": None, "keep_days": None},
}
TRINO_SCHEMA = {
    "connection": {"host": None, "port": None, "user": None, "http_scheme": None},
    "jdbc": {k: None for k in ("connection_url", "driver_class", "user_env", "password_env", "warehouse")},
    "databricks": {"host_env": None, "token_env": None, "cloud": None},
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


@contextlib.contextmanager
def replaced(path: Path, text: str | bytes) -> Iterator[None]:
    """`path` holds `text` for the duration (the mesh copy is shared by the module's examples)."""
    original = path.read_bytes() if path.exists() else None
    try:
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        yield
    finally:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(original)


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


MESH_YML = {
    "version": 1,
    "projects": {"include": ["domains/*"], "exclude": ["domains/none*"]},
    "hub": ".",
    "profiles_dir": "profiles",
    "domains": {"billing": {"platform": "external", "profiles_dir": "."}, "shipping": {"platform": "x"}},
    "products": {"access": ["public"], "layers": ["gold"]},
    "layers": {"from": "schema", "names": {"bronze": ["raw"], "silver": ["staging"], "gold": ["gold"]}},
    "files": {"policies": "policies.yml", "unity": "unity.yml", "trino": None, "publish": None},
}


@FUZZ
@given(changes=edits)
def test_mesh_yml(changes: list[Edit], mesh_env: Path, mesh_copy: Path) -> None:
    with replaced(mesh_copy / "mesh.yml", dump(mutate(MESH_YML, changes))):
        no_escape(lambda: load_mesh(mesh_copy))


@FUZZ
@given(changes=edits)
def test_unity_yml(changes: list[Edit], tmp_path_factory: pytest.TempPathFactory) -> None:
    base = yaml.safe_load((Path(__file__).parent / "unity" / "unity.yml").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("unity") / "unity.yml"
    path.write_text(dump(mutate(base, changes)), encoding="utf-8")
    no_escape(lambda: load_unity_config(path.parent, path))


@FUZZ
@given(
    name=st.sampled_from(["domain.yml", "dbt_loom.config.yml", "dependencies.yml", "dbt_project.yml"]),
    changes=edits,
)
def test_domain_files(name: str, changes: list[Edit], mesh_env: Path, mesh_copy: Path) -> None:
    """A domain's own files: where it runs, what it reads, what dbt calls it."""
    folder = mesh_copy / "domains" / "billing"
    base = (
        yaml.safe_load((folder / name).read_text())
        if (folder / name).is_file()
        else {
            "manifests": [
                {"name": "shipping", "type": "file", "config": {"path": "../shipping/target/manifest.json"}}
            ]
        }
    )
    with replaced(folder / name, dump(mutate(base, changes))):
        no_escape(lambda: load_mesh(mesh_copy))


@FUZZ
@given(
    name=st.sampled_from(["manifest.json", "run_results.json"]),
    domain=st.sampled_from(["billing", "shipping"]),
    changes=edits,
)
def test_build_artifacts(
    name: str, domain: str, changes: list[Edit], mesh_env: Path, mesh_copy: Path
) -> None:
    """dbt's artifacts as `mesh check` reads them (a bad one is "rebuild", never a traceback)."""
    path = mesh_copy / "domains" / domain / "target" / name
    base = _artifact(path)
    with replaced(path, json.dumps(mutate(base, changes), default=str)):
        run_cli(["check", "--format", "json"])


_ARTIFACTS: dict[Path, Any] = {}


def _artifact(path: Path) -> Any:
    if path not in _ARTIFACTS:
        _ARTIFACTS[path] = json.loads(path.read_bytes())
    return _ARTIFACTS[path]


# --- command lines --------------------------------------------------------------------------------

# Every command the CLI has, found from the CLI itself: a new command is fuzzed without a test edit. The two
# that run dbt or delete run against a data folder of the test's own (`_guarded`), `build` as a dry run.
SAFE_COMMANDS = [*sorted(COMMANDS), "nosuchcommand"]
FLAGS = [
    "--format", "--output", "--out", "--write", "--domain", "--config", "--engine", "--help", "-x", "--",
    "--root", "--state", "--target", "--from", "--platform", "--upstream", "--baseline", "--plan-file",
    "--audit-log", "--apply", "--prune", "--pr", "--force",
]  # fmt: skip
WORDS = ["sarif", "json", "csv", "export", "domain", "product", "version", "billing", "shipping", "ci", "."]


def _files(root: Path) -> dict[Path, bytes]:
    """Every file under `root` outside dbt's target/ folders (what a command could edit or add)."""
    return {
        p: p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "target" not in p.relative_to(root).parts
    }


VALUES = st.one_of(
    hostile_text,
    st.sampled_from([*WORDS, "0", "-1", "99999", "1e9", "out", "a-file", "/proc/version/x", "/", ""]),
)


def _parser_of(command: str) -> argparse.ArgumentParser:
    parser = build_parser([command])
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    chosen: argparse.ArgumentParser = subparsers.choices[command]
    return chosen


@st.composite
def _arguments(draw: st.DrawFn, parser: argparse.ArgumentParser) -> list[str]:
    """Arguments shaped by the command's own parser: its options with fitting or hostile values, its
    positionals (and sub-commands) in order."""
    argv: list[str] = []
    # --root elsewhere (test_mesh_root_outside_a_mesh): a wrong root would stop most examples at the door
    options = [a for a in parser._actions if a.option_strings and a.dest not in ("help", "root")]
    for action in draw(
        st.lists(st.sampled_from(options), max_size=4, unique_by=id) if options else st.just([])
    ):
        argv.append(draw(st.sampled_from(action.option_strings)))
        if action.nargs == 0:
            continue
        fitting = st.sampled_from([str(c) for c in action.choices]) if action.choices else VALUES
        argv.extend(draw(st.lists(st.one_of(fitting, VALUES), min_size=1, max_size=2 if action.nargs else 1)))
    for action in (a for a in parser._actions if not a.option_strings):
        if isinstance(action, argparse._SubParsersAction):
            name = draw(st.sampled_from(sorted(action.choices)))
            return [*argv, name, *draw(_arguments(action.choices[name]))]
        if draw(st.booleans()) or action.nargs not in ("?", "*"):
            argv.append(draw(st.sampled_from([str(c) for c in action.choices]) if action.choices else VALUES))
    return argv


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(SAFE_COMMANDS))
    if command == "nosuchcommand" or draw(st.integers(0, 4)) == 0:  # free-form: anything in any order
        junk = st.lists(st.one_of(st.sampled_from(FLAGS), hostile_text, st.sampled_from(WORDS)), max_size=4)
        return [command, *draw(junk)]
    return [command, *draw(_arguments(_parser_of(command)))]


@FUZZ
@given(argv=command_lines())
def test_command_lines(
    argv: list[str], mesh_env: Path, mesh_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any command line: exit 0, 1 or 2, no traceback; and one that fails leaves nothing behind, in the
    mesh or where it was run."""
    command = argv[0]
    argv = [a.replace("\x00", "") for a in argv]  # the OS cannot pass a NUL in argv
    here = mesh_env / "cwd"
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir()
    monkeypatch.chdir(here)
    if command == "trino-config":
        argv += ["--out", str(here / "out")]
    argv = _guarded(argv, mesh_env, monkeypatch)
    before = _files(mesh_copy)
    try:
        code, text = run_cli(argv)
        after = _files(mesh_copy)
        if code != 0:
            written = sorted(str(p) for p in here.rglob("*") if p.is_file())
            assert written == [], ("a failed command left files behind", argv, written, text[-500:])
            assert after == before, ("a failed command edited the mesh", argv, text[-500:])
    finally:  # a command that succeeded (`new`, `init`) may have added to the shared copy: undo it
        for path in set(_files(mesh_copy)) - set(before):
            path.unlink()
        for path, content in before.items():
            if not path.is_file() or path.read_bytes() != content:
                path.write_bytes(content)


def _guarded(argv: list[str], mesh_env: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`build` never runs dbt here (a dry run, no --changed: seconds of CI, not minutes) and `build`/`clean`
    reach only a data folder of this example's own, never the module's shared warehouse."""
    if argv[0] in ("build", "clean"):
        monkeypatch.setenv("MESH_DATA_DIR", str(mesh_env / "data"))
    if argv[0] == "build":
        return [a for a in argv if a != "--changed"] + ["--dry-run"]
    return argv


# --- every environment variable the tool reads ---------------------------------------------------------

GOVERNANCE = Path(__file__).resolve().parents[2] / "governance"
# Every variable the tool reads is named by a string literal of its own family.
_VARIABLE = re.compile(r"""["']((?:MESH|TRINO|DATABRICKS|DBT)_[A-Z0-9_]+)["']""")


def environment_variables() -> list[str]:
    """Every variable the package reads, found in its source (a new one is fuzzed without a test edit)."""
    from governance.settings import ENVIRONMENT

    found = {m for f in GOVERNANCE.rglob("*.py") for m in _VARIABLE.findall(f.read_text(encoding="utf-8"))}
    return sorted(found | set(ENVIRONMENT))


def _command_reading(variable: str) -> list[str]:
    if (
        variable.startswith(("MESH_CATALOG", "MESH_PUBLISH", "MESH_WAREHOUSE"))
        and variable != "MESH_WAREHOUSE_ID"
    ):
        return ["query", "SELECT 1"]  # reads the catalog settings and opens the catalog, as publish does
    if variable.startswith("TRINO") or variable == "MESH_TRINO_TIMEOUT":
        return ["query", "--engine", "trino", "SELECT 1"]
    if variable.startswith("DATABRICKS_HTTP"):
        return ["query", "--engine", "databricks", "SELECT 1"]
    if (
        variable.startswith(("DATABRICKS", "MESH_DATABRICKS", "MESH_UNITY"))
        or variable == "MESH_WAREHOUSE_ID"
    ):
        return ["plan"]
    if variable == "MESH_TRINO_CONFIG":
        return ["trino-config", "--out", "trino-out"]
    if variable.startswith("MESH_HEALTH"):
        return ["health"]  # reads health.yml (and the warehouse store it names)
    return ["query", "SELECT 1"] if variable == "MESH_DATA_DIR" else ["check"]


# Values a person or a secret mount might leave in a variable: numbers out of range, paths, markup,
# line breaks, non-ASCII text.
ENVIRONMENT_VALUES = [
    "",
    "-1",
    "1e400",
    "99999999999999999999",
    "a\nb",
    "\u2603",
    "[red]x[/red]",
    "x:y@z",
    "../..",
    "/dev/null",
]


@pytest.fixture(scope="module")
def refusing_workspace() -> Iterator[str]:
    """A workspace URL that answers every call at once with 403 (the SDK retries a closed port for a
    second at least): the fuzz is about what reaches the client, not the network."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Refuse(BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            body = b'{"error_code": "PERMISSION_DENIED", "message": "fuzz: refused"}'
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _refuse  # noqa: N815 (http.server's names)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run_with(variable: str, value: str, monkeypatch: pytest.MonkeyPatch, workspace: str) -> None:
    """`mesh` reading `variable`=`value`; every network client points at a closed port with a 0.2 s
    deadline, retries without sleeping and resolves no name, so a run never waits on a network."""
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    resolve = socket.getaddrinfo

    def loopback_only(host: object, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1", b"localhost"):
            raise socket.gaierror(socket.EAI_NONAME, "fuzz: no name resolution")  # no DNS wait
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    for name, default in {
        "MESH_TRINO_TIMEOUT": "0.2", "MESH_DATABRICKS_TIMEOUT": "0.2", "MESH_CATALOG_TIMEOUT": "0.2",
        "TRINO_HOST": "127.0.0.1", "TRINO_PORT": "9", "DATABRICKS_HOST": workspace,
        "DATABRICKS_TOKEN": "dapi-fuzz", "MESH_WAREHOUSE_ID": "fuzz",
        "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/fuzz",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, default)
    monkeypatch.setenv(variable, value)
    run_cli(_command_reading(variable))


@pytest.mark.parametrize("variable", environment_variables())
def test_environment_variable(
    variable: str, mesh_env: Path, monkeypatch: pytest.MonkeyPatch, refusing_workspace: str
) -> None:
    """Every listed value of every variable the tool reads: exit 0, 1 or 2 and no traceback."""
    monkeypatch.chdir(mesh_env)
    for value in ENVIRONMENT_VALUES:
        with monkeypatch.context() as each:
            _run_with(variable, value, each, refusing_workspace)


@examples(30)  # a run is a whole command (~0.3 s); the listed values above cover the shapes
@given(variable=st.sampled_from(environment_variables()), value=hostile_text)
def test_environment_variables_hostile(
    variable: str, value: str, mesh_env: Path, monkeypatch: pytest.MonkeyPatch, refusing_workspace: str
) -> None:
    monkeypatch.chdir(mesh_env)
    with monkeypatch.context() as each:
        _run_with(
            variable, value.replace("\x00", ""), each, refusing_workspace
        )  # the OS cannot hold a NUL in a variable


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


@pytest.mark.parametrize("command", [["docs"], ["contracts", "export"]], ids=["docs", "contracts"])
@pytest.mark.parametrize("out", ["", ".", "..", "/"])
def test_an_output_folder_that_holds_the_working_folder_is_refused(
    command: list[str], out: str, mesh_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output folder is replaced as a whole: never the folder the command runs in, or one holding it
    (an empty `--out ''` is the working folder; found by the fuzz above)."""
    here = mesh_env / "parent" / "cwd"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    code, text = run_cli([*command, "--out", out])
    assert code == 2 and "--out" in text, text
    assert here.is_dir() and Path.cwd() == here and list(here.iterdir()) == []


# --- issue 22: the newer commands' listed tracebacks and silently accepted inputs --------------------


@pytest.fixture
def pr_data(mesh_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of the test's own (the module's warehouse is shared): <data>/pr/7/plan/."""
    data = mesh_env / "data"
    (data / "pr" / "7" / "plan").mkdir(parents=True)
    monkeypatch.setenv("MESH_DATA_DIR", str(data))
    return data / "pr" / "7" / "plan"


GOOD_PLAN = {"pr": "7", "projects": {"billing": {"products": ["billing.invoices"]}}}


@pytest.mark.parametrize(
    ("plan", "results"),
    [
        (b"", b"{}"),
        (b"[]", b"{}"),
        (b"{damaged", b"{}"),
        (b"{}", b"{}"),
        (b'{"projects": []}', b"{}"),
        (b'{"projects": {"billing": {"products": ["nodot"]}}}', b'{"nodot": {"outcome": "success"}}'),
        (b'{"projects": {"billing": {"products": [1]}}}', b"{}"),
        (json.dumps(GOOD_PLAN).encode(), b""),
        (json.dumps(GOOD_PLAN).encode(), b"[]"),
        (json.dumps(GOOD_PLAN).encode(), b'{"billing": []}'),
        (json.dumps(GOOD_PLAN).encode(), b"\xff\xfe"),
        (None, b"{}"),
    ],
)
@pytest.mark.parametrize("command", [["pr-summary", "--state", "{state}"], ["diff"]], ids=["summary", "diff"])
def test_damaged_plan_or_results_files(
    plan: bytes | None, results: bytes, command: list[str], pr_data: Path, mesh_copy: Path
) -> None:
    if plan is not None:
        (pr_data / "plan.json").write_bytes(plan)
    (pr_data / "results.json").write_bytes(results)
    state = mesh_copy / "domains" / "billing" / "target"
    code, text = run_cli([*(a.format(state=state) for a in command), "--pr", "7"])
    assert code == 2 and ("plan.json" in text or "results.json" in text), text
    assert text.count("error:") == 1, text


@pytest.mark.parametrize("where", ["missing-folder/summary.md", "a-folder"])
def test_github_step_summary_that_cannot_be_appended_to(
    where: str, pr_data: Path, mesh_env: Path, mesh_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pr_data / "plan.json").write_text(json.dumps({"pr": "7", "projects": {}}))
    (mesh_env / "a-folder").mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(mesh_env / where))
    state = mesh_copy / "domains" / "billing" / "target"
    code, text = run_cli(["pr-summary", "--state", str(state), "--pr", "7", "--format", "github"])
    assert code == 2 and "GITHUB_STEP_SUMMARY" in text, text


@pytest.mark.parametrize(
    "text",
    [
        "projects:\n  include: ['domains/*']\nhub: \"a\x00b\"\n",
        "projects:\n  include: ['domains/*']\nhub: " + "x/" * 50_000 + "\n",
        "projects:\n  include: ['domains/*']\nhub: ../..\n",
        "projects:\n  include: ['domains/*']\nhub: .\nprofiles_dir: " + "p" * 5_000 + "\n",
        "projects:\n  include: ['domains/*']\nhub: .\nfiles: {policies: " + "p" * 5_000 + "}\n",
        "projects:\n  include: ['domains/*']\nhub: domains/billing\n",
        "projects:\n  include: ['domains/*']\n  include: ['domains/billing']\nhub: .\n",
        "projects:\n  include: ['./domains/nomatch']\nhub: .\n",
    ],
    ids=[
        "nul",
        "huge-path",
        "hub-outside",
        "huge-profiles-dir",
        "huge-files",
        "hub-is-a-domain",
        "duplicate-key",
        "include-matches-nothing",
    ],
)
def test_mesh_yml_paths_checked_before_use(text: str, mesh_env: Path, mesh_copy: Path) -> None:
    with replaced(mesh_copy / "mesh.yml", text):
        code, out = run_cli(["check"])
    assert code == 2 and "mesh.yml" in out and out.count("error:") == 1, out


def test_include_with_a_leading_dot_slash_matches(mesh_env: Path, mesh_copy: Path) -> None:
    """`./domains/orders` in include matched nothing, silently: it is the same folder as `domains/orders`."""
    with replaced(
        mesh_copy / "mesh.yml",
        "projects:\n  include: ['./domains/*']\nhub: .\nproducts: {layers: [gold]}\nlayers: {from: schema}\n",
    ):
        code, out = run_cli(["lineage"])
    assert code == 0 and "billing" in out and "shipping" in out, out


def test_a_huge_deprecation_period_is_one_line(mesh_env: Path, mesh_copy: Path) -> None:
    before = _files(mesh_copy)
    code, text = run_cli(["new", "version", "shipping.dim_carriers", "--deprecate-after", "3000000"])
    assert code == 2 and "--deprecate-after" in text, text
    assert _files(mesh_copy) == before


def test_profiles_yml_ending_with_a_document_end_marker(mesh_env: Path, mesh_copy: Path) -> None:
    profiles = mesh_copy / "profiles.yml"
    with replaced(profiles, profiles.read_text() + "...\n"):
        code, text = run_cli(["new", "domain", "invoicing", "--platform", "external"])
    try:
        assert code in (0, 2) and "Traceback" not in text, text
        if code == 0:  # wherever the profile went, every profiles.yml still reads as one document
            for written in mesh_copy.rglob("profiles.yml"):
                yaml.safe_load(written.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(mesh_copy / "domains" / "invoicing", ignore_errors=True)


def test_a_vars_alias_bomb_fails_fast(mesh_env: Path) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    started = time.monotonic()
    code, text = run_cli(["build", "--dry-run", "--vars", bomb])
    assert code == 2 and "--vars" in text, text
    assert time.monotonic() - started < 10
