"""mesh.yml and the per-project files: discovery, strict keys with "did you mean", one-line bad input."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from governance.cli import main
from governance.errors import MeshError
from governance.model import Layer, Platform
from governance.project import Projects
from governance.settings import ENVIRONMENT, PACKAGE_DEFAULTS, environ, find_root, load_settings, set_root

REPO = Path(__file__).resolve().parents[2]


def project(root: Path, folder: str, name: str, upstream: tuple[str, ...] = (), loom: bool = True) -> Path:
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "dbt_project.yml").write_text(f"name: {name}\nprofile: {name}\n", encoding="utf-8")
    if upstream and loom:
        manifests = "".join(
            f"  - name: {u}\n    type: file\n    config: {{path: ../{u}/target/manifest.json}}\n"
            for u in upstream
        )
        (path / "dbt_loom.config.yml").write_text(f"manifests:\n{manifests}", encoding="utf-8")
    elif upstream:
        entries = "".join(f"  - name: {u}\n" for u in upstream)
        (path / "dependencies.yml").write_text(f"projects:\n{entries}", encoding="utf-8")
    return path


def error_of(root: Path) -> str:
    with pytest.raises(MeshError) as caught:
        Projects.discover(root)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture
def two(tmp_path: Path) -> Path:
    """An upstream and a downstream project wired by dbt-loom, no mesh.yml, no hub."""
    project(tmp_path, "jaffle_core", "core")
    project(tmp_path, "analytics/finance", "finance", upstream=("core",))
    return tmp_path


def test_default_discovery_finds_every_project_outside_generated_folders(two: Path) -> None:
    for skipped in (
        "jaffle_core/dbt_packages/dbt_utils",
        "jaffle_core/target/x",
        ".venv/lib/pkg",
        "node_modules/p",
    ):
        project(two, skipped, skipped.rsplit("/", 1)[-1])
    projects = Projects.discover(two)
    assert projects.order == ["core", "finance"]
    assert projects.projects["finance"].upstream == ("core",)
    assert projects.projects["finance"].upstream_file == two / "analytics/finance/dbt_loom.config.yml"
    assert projects.hub is None and all(p.platform is Platform.DATABRICKS for p in projects.projects.values())


def test_dependencies_yml_is_read_when_there_is_no_loom_config(tmp_path: Path) -> None:
    project(tmp_path, "a", "a")
    project(tmp_path, "b", "b", upstream=("a",), loom=False)
    assert Projects.discover(tmp_path).projects["b"].upstream == ("a",)


def test_upstream_typed_twice_must_agree(two: Path) -> None:
    (two / "analytics/finance/dependencies.yml").write_text("projects:\n  - name: other\n", encoding="utf-8")
    assert "differ from" in error_of(two) and "keep the upstream projects in one file" in error_of(two)


def test_include_exclude_hub_and_platforms(two: Path) -> None:
    project(two, "sandbox/scratch", "scratch")
    project(two, ".", "hub_project", upstream=("core", "finance"))
    (two / "mesh.yml").write_text(
        "projects:\n  include: ['jaffle_*', 'analytics/**', 'sandbox/*']\n  exclude: ['sandbox/*']\n"
        "hub: .\ndomains:\n  finance: {platform: external}\n",
        encoding="utf-8",
    )
    projects = Projects.discover(two)
    assert sorted(projects.projects) == ["core", "finance", "hub_project"]
    assert projects.hub is not None and projects.hub.name == "hub_project"
    assert projects.projects["finance"].platform is Platform.EXTERNAL


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("hubb: .\n", "unknown key `hubb`; did you mean `hub`?"),
        ("products:\n  acess: [public]\n", "unknown key `acess` under `products`; did you mean `access`?"),
        ("domains:\n  core: {platfrom: external}\n", "under `domains.core`; did you mean `platform`?"),
        ("layers:\n  frm: folder\n", "did you mean `from`?"),
        ("domains:\n  core: {platform: onprem}\n", "invalid enum value 'onprem'"),
        ("projects:\n  include: ['nope/*']\n", "projects.include 'nope/*' matches no folder"),
        ("projects:\n  exclude: ['nope']\n", "projects.exclude 'nope' matches no folder"),
        ("domains:\n  ghost: {platform: external}\n", "domains.ghost is not a project of the mesh"),
        ("hub: analytics\n", "hub 'analytics' holds no dbt_project.yml"),
        ("projects: [\n", "invalid YAML"),
        ("- a\n", "expected a mapping at the top level"),
    ],
)
def test_bad_mesh_yml_is_one_line(two: Path, settings: str, expected: str) -> None:
    (two / "mesh.yml").write_text(settings, encoding="utf-8")
    message = error_of(two)
    assert expected in message and str(two / "mesh.yml") in message


def test_domain_and_dependencies_files_reject_typos(two: Path) -> None:
    (two / "jaffle_core/domain.yml").write_text("platfrom: external\n", encoding="utf-8")
    assert "jaffle_core/domain.yml: unknown key `platfrom`; did you mean `platform`?" in error_of(two)
    (two / "jaffle_core/domain.yml").write_text("platform: external\n", encoding="utf-8")
    assert Projects.discover(two).projects["core"].platform is Platform.EXTERNAL
    (two / "jaffle_core/dependencies.yml").write_text("projets: []\n", encoding="utf-8")
    assert "dependencies.yml: unknown key `projets`; did you mean `projects`?" in error_of(two)


def test_platform_set_twice_must_agree(two: Path) -> None:
    (two / "jaffle_core/domain.yml").write_text("platform: external\n", encoding="utf-8")
    (two / "mesh.yml").write_text("domains:\n  core: {platform: databricks}\n", encoding="utf-8")
    assert "set it once" in error_of(two)


def test_loom_upstream_outside_the_mesh(two: Path) -> None:
    (two / "mesh.yml").write_text("projects:\n  include: [analytics/finance]\n", encoding="utf-8")
    message = error_of(two)
    assert message.startswith(f"{two / 'analytics/finance/dbt_loom.config.yml'}: upstream project 'core'")
    assert "projects.include" in message


def test_cycle_across_projects(two: Path) -> None:
    project(two, "jaffle_core", "core", upstream=("finance",))
    assert "dependency cycle between projects: " in error_of(two)


def test_unreadable_mesh_yml_exits_2_and_runs_nothing(two: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = two / "mesh.yml"
    settings.write_bytes(b"\xff\xfe not utf-8")
    assert main(["lineage", "--root", str(two)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"error: {settings}: cannot be read")


@pytest.mark.parametrize(
    "command", ["build", "check", "lineage", "plan", "sync", "publish", "trino-config", "query"]
)
def test_every_command_takes_root(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mesh.yml").write_text("hubb: .\n", encoding="utf-8")
    extra = {"trino-config": ["--out", str(tmp_path / "out")], "query": ["select 1"]}.get(command, [])
    assert main([command, "--root", str(tmp_path), *extra]) == 2
    assert "did you mean `hub`?" in capsys.readouterr().err


def test_root_option_wins_over_environment(
    two: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(tmp_path / "elsewhere"))
    try:
        set_root(two)
        assert find_root() == two.resolve()
    finally:
        set_root(None)
    monkeypatch.setenv("MESH_ROOT", str(two))
    assert find_root() == two.resolve()
    monkeypatch.delenv("MESH_ROOT")
    monkeypatch.chdir(two / "analytics/finance")
    with pytest.raises(MeshError, match=r"no mesh.yml found from .* run `mesh init`"):
        find_root()
    (two / "mesh.yml").write_text("", encoding="utf-8")
    assert find_root() == two.resolve()


def test_environment_variables_are_listed_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_DATA_DIR", "/data")
    assert environ("MESH_DATA_DIR") == "/data"
    with pytest.raises(KeyError):
        environ("MESH_UNDOCUMENTED")
    package = REPO / "governance"
    read = set()
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read.update(name for name in ENVIRONMENT if name in text)
    assert {"MESH_ROOT", "MESH_DATA_DIR"} <= read


def test_layers_from_folder_or_schema(two: Path) -> None:
    settings = load_settings(two)
    place = settings.layer_placer()
    assert place("main", ("marts", "finance")) is Layer.GOLD
    assert place("gold", ()) is Layer.GOLD
    assert place("main", ("reports",)) is Layer.UNKNOWN
    (two / "mesh.yml").write_text(
        "layers:\n  from: schema\n  names: {gold: [analytics_prod]}\n", encoding="utf-8"
    )
    place = load_settings(two).layer_placer()
    assert place("ANALYTICS_PROD", ()) is Layer.GOLD
    assert place("main", ("marts",)) is Layer.UNKNOWN  # schema only


def test_settings_files_default_to_the_package_and_can_be_overridden(two: Path) -> None:
    assert load_settings(two).file("trino") == PACKAGE_DEFAULTS["trino"]
    (two / "mesh.yml").write_text("files: {trino: conf/trino.yml}\n", encoding="utf-8")
    with pytest.raises(MeshError, match=r"files.trino is 'conf/trino.yml', which does not exist"):
        load_settings(two).file("trino")
    (two / "conf").mkdir()
    (two / "conf/trino.yml").write_text("groups: {}\n", encoding="utf-8")
    assert load_settings(two).file("trino") == two / "conf/trino.yml"


def test_an_environment_variable_overrides_a_settings_file(
    two: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = two / "other-trino.yml"
    monkeypatch.setenv("MESH_TRINO_CONFIG", str(other))
    with pytest.raises(MeshError, match=r"MESH_TRINO_CONFIG=.*: no such file"):
        load_settings(two).file("trino")
    other.write_text("groups: {}\n", encoding="utf-8")
    assert load_settings(two).file("trino") == other
    assert load_settings(two).file("unity") == PACKAGE_DEFAULTS["unity"]


def test_package_defaults_name_no_principal_of_this_repository() -> None:
    trino = PACKAGE_DEFAULTS["trino"].read_text(encoding="utf-8")
    unity = PACKAGE_DEFAULTS["unity"].read_text(encoding="utf-8")
    assert "olga" not in trino and "groups: {}" in trino
    assert "marketing-team" not in unity and "principals: {}" in unity


def test_this_repository_runs_on_its_own_mesh_yml() -> None:
    projects = Projects.discover(REPO)
    assert projects.settings is not None and projects.settings.path == REPO / "mesh.yml"
    assert sorted(projects.projects) == ["hub", "logistics", "marketing", "orders"]
    assert projects.hub is not None and projects.hub.path == REPO
    assert projects.projects["logistics"].platform is Platform.EXTERNAL
    assert {p.profiles_dir for p in projects.projects.values()} == {REPO / "profiles"}
    assert projects.settings.file("unity") == REPO / "governance" / "unity.yml"
    assert os.path.basename(projects.projects["marketing"].upstream_file or "") == "dbt_loom.config.yml"


# --- every settings file rejects a misspelt key, at the top and in every section ------------------------


def _load_any(kind: str, path: Path) -> object:
    from governance.checks.config import load_policy
    from governance.iceberg.config import load_catalog_settings
    from governance.trino.config import load_trino_settings
    from governance.unity.config import load_config

    loaders = {
        "trino": load_trino_settings,
        "publish": lambda p: load_catalog_settings(p.parent, p),
        "unity": lambda p: load_config(p.parent, p),
        "policies": load_policy,
    }
    return loaders[kind](path)


MISSPELT = [
    ("trino", (), "conection", "connection"),
    ("trino", ("connection",), "hots", "host"),
    ("trino", ("jdbc",), "warehose", "warehouse"),
    ("trino", ("databricks",), "token_evn", "token_env"),
    ("publish", (), "publsher", "publisher"),
    ("publish", ("catalog",), "urri", "uri"),
    ("publish", ("publisher",), "batch_row", "batch_rows"),
    ("publish", ("source",), "warehouse_dirr", "warehouse_dir"),
    ("publish", ("retention",), "keep_snapshot", "keep_snapshots"),
    ("unity", (), "sharng", "sharing"),
    ("unity", ("managed_tags",), "dbt_tag_prefx", "dbt_tag_prefix"),
    ("unity", ("sharing", "partner-analytics"), "recipents", "recipients"),
    ("policies", (), "exceptons", "exceptions"),
]


@pytest.mark.parametrize(("kind", "section", "key", "meant"), MISSPELT, ids=str)
def test_every_settings_file_rejects_a_misspelt_key(
    kind: str, section: tuple[str, ...], key: str, meant: str, tmp_path: Path
) -> None:
    """A typo must not silently fall back to a default (a Trino host, a catalog URI, a warehouse)."""
    import yaml

    document = yaml.safe_load((REPO / "governance" / f"{kind}.yml").read_text(encoding="utf-8")) or {}
    target = document
    for part in section:
        target = target[part]
    target[key] = "x"
    path = tmp_path / f"{kind}.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(MeshError) as raised:
        _load_any(kind, path)
    message = str(raised.value)
    assert key in message and meant in message and str(path) in message, message


WRONG_VALUES = [
    (
        "trino",
        "databricks: {cloud: mars}\n",
        "invalid enum value 'mars'; one of aws, azure, gcp, local at `databricks.cloud`",
    ),
    (
        "trino",
        "groups: {admins: [olga], analysts: alice}\n",
        "expected a list, got a string at `groups.analysts`",
    ),
    ("unity", "concurrency: -1\n", "expected a whole number >= 0 at `concurrency`"),
    (
        "unity",
        "sharing: {partners: {recipients: ['']}}\n",
        "expected a string of length >= 1 at `sharing.partners.recipients.0`",
    ),
    (
        "publish",
        "retention: {keep_days: forever}\n",
        "expected a number, got a string at `retention.keep_days`",
    ),
]


@pytest.mark.parametrize(("kind", "text", "message"), WRONG_VALUES, ids=str)
def test_a_wrong_value_is_one_line_in_the_words_of_yaml(
    kind: str, text: str, message: str, tmp_path: Path
) -> None:
    """What is expected, where, in the file's own terms (a mapping, a list, a whole number), and the
    allowed values of a closed set."""
    path = tmp_path / f"{kind}.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MeshError) as raised:
        _load_any(kind, path)
    assert str(raised.value) == f"{path}: {message}; fix the value"


def test_the_bad_entry_of_a_long_mapping_is_named_in_a_few_decodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """msgspec does not name a mapping's key; finding it must not cost a decode per entry (a file of tens
    of thousands of entries would take minutes to say what is wrong)."""
    import msgspec

    import governance.settings as settings_module

    groups = {f"group{i}": [f"user{i}"] for i in range(20_000)}
    groups["group15000"] = "not a list"  # type: ignore[assignment]
    path = tmp_path / "trino.yml"
    path.write_text(yaml.safe_dump({"groups": groups}), encoding="utf-8")
    decodes = []
    real_convert = msgspec.convert

    def counted(*args: Any, **kwargs: Any) -> Any:
        decodes.append(1)
        return real_convert(*args, **kwargs)

    monkeypatch.setattr(settings_module.msgspec, "convert", counted)
    with pytest.raises(MeshError) as raised:
        _load_any("trino", path)
    assert "at `groups.group15000`" in str(raised.value)
    assert len(decodes) <= 20, len(decodes)  # the first decode, then about log2(20,000) = 15
