"""trino.yml and the TRINO_* variables: values that would break or escape the generated files fail first.

Every text ends up in a properties file, rules.json, group.txt or a file name under --out: a newline
would add a property, a path separator in the catalog name would write outside --out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from governance.errors import MeshError
from governance.trino.config import load_trino_settings
from tests.governance.trino import FIXTURE_TRINO


def _with(tmp_path: Path, path: tuple[str, ...], value: object) -> Path:
    data = yaml.safe_load(FIXTURE_TRINO.read_text(encoding="utf-8"))
    section = data
    for key in path[:-1]:
        section = section.setdefault(key, {})
    section[path[-1]] = value
    out = tmp_path / "trino.yml"
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    return out


def _fails_in_one_line(path: Path) -> str:
    with pytest.raises(MeshError) as error:
        load_trino_settings(path)
    message = str(error.value)
    assert "\n" not in message and error.value.code == 2
    return message


@pytest.mark.parametrize(
    "key",
    [
        ("connection", "host"),
        ("connection", "user"),
        ("jdbc", "connection_url"),
        ("jdbc", "driver_class"),
        ("jdbc", "user_env"),
        ("jdbc", "warehouse"),
        ("databricks", "token_env"),
        ("admin_group",),
    ],
)
@pytest.mark.parametrize("bad", ["x\ninjected=true", "x\rinjected", "x\x00y", "x\u2028y"])
def test_a_control_character_in_any_value_is_refused(tmp_path: Path, key: tuple[str, ...], bad: str) -> None:
    assert ".".join(key) in _fails_in_one_line(_with(tmp_path, key, bad))


@pytest.mark.parametrize("cloud", ["s3", "AWS", "", "../x", "onprem"])
def test_a_cloud_with_no_trino_file_system_is_refused(tmp_path: Path, cloud: str) -> None:
    assert "databricks.cloud" in _fails_in_one_line(_with(tmp_path, ("databricks", "cloud"), cloud))


def test_the_workspace_cloud_picks_the_databricks_catalogs_file_system(tmp_path: Path) -> None:
    from governance.trino.properties import databricks_catalog

    for cloud, enabled in [("aws", "fs.native-s3"), ("azure", "fs.native-azure"), ("gcp", "fs.native-gcs")]:
        settings = load_trino_settings(_with(tmp_path, ("databricks", "cloud"), cloud))
        assert f"{enabled}.enabled=true" in databricks_catalog(settings, "orders").splitlines()
    local = databricks_catalog(
        load_trino_settings(_with(tmp_path, ("databricks", "cloud"), "local")), "orders"
    )
    assert {"fs.native-local.enabled=true", "local.location=/"} <= set(local.splitlines())


@pytest.mark.parametrize("members", [["ali\nce"], ["bob", "x\ry"]])
def test_a_control_character_in_a_group_is_refused(tmp_path: Path, members: list[str]) -> None:
    assert "groups" in _fails_in_one_line(_with(tmp_path, ("groups", "data-consumers"), members))


def test_a_group_name_with_a_newline_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(FIXTURE_TRINO.read_text(encoding="utf-8"))
    data["groups"]["evil\ngroup"] = ["bob"]
    path = tmp_path / "trino.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "groups" in _fails_in_one_line(path)


@pytest.mark.parametrize("port", ["²", "99999", "0", "80 80", "-1"])
def test_a_port_that_is_not_a_tcp_port_is_refused(port: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRINO_PORT", port)
    with pytest.raises(MeshError) as error:
        load_trino_settings(FIXTURE_TRINO)
    assert "TRINO_PORT" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("variable", ["TRINO_HOST", "TRINO_USER", "TRINO_HTTP_SCHEME"])
def test_a_newline_in_an_environment_override_is_refused(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "value\nx=y")
    with pytest.raises(MeshError) as error:
        load_trino_settings(FIXTURE_TRINO)
    assert variable in str(error.value) and "\n" not in str(error.value)
