"""dbt's JSON schemas kept between dbt interpreters (governance/build/schema_cache.py): built once per
installed environment, served from the file afterwards, and never a failure when the file is bad."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.build import schema_cache


@pytest.fixture
def dbt_schemas() -> Iterator[type]:
    """dbt's mixin, restored after the test (installing the cache patches it for the whole process)."""
    from dbt_common.dataclass_schema import dbtClassMixin

    original = dbtClassMixin.__dict__["json_schema"]
    try:
        yield dbtClassMixin
    finally:
        dbtClassMixin.json_schema = original  # type: ignore[method-assign]


def project_schema() -> object:
    from dbt.contracts.project import Project

    return Project.json_schema()


def test_a_schema_is_built_once_then_served_from_the_file(
    tmp_path: Path, dbt_schemas: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbt.contracts.project import Project
    from dbt_common.dataclass_schema import dbtClassMixin

    original = dbtClassMixin.__dict__["json_schema"]
    expected = original.__func__.__wrapped__(Project)

    first = schema_cache.install(tmp_path)
    assert first is not None
    assert project_schema() == expected
    assert first.added >= 1
    first.save()
    assert first.path.is_file() and first.path.parent == tmp_path
    assert first.path.name == f"dbt-json-schemas-{schema_cache.environment_key()}.json"

    # a second interpreter: nothing is built, the file serves the same schema
    dbtClassMixin.json_schema = original  # type: ignore[method-assign]
    calls: list[type] = []
    second = schema_cache.SchemaCache(first.path)
    monkeypatch.setattr(
        "dbt_common.dataclass_schema.build_json_schema", lambda cls, *a, **k: calls.append(cls)
    )
    assert second.install()
    assert project_schema() == expected
    assert calls == [] and second.added == 0
    mtime = first.path.stat().st_mtime_ns
    second.save()  # nothing new: the file is not rewritten
    assert first.path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_damaged_file_means_building_again_and_rewriting_it(
    tmp_path: Path, dbt_schemas: type, content: bytes
) -> None:
    path = tmp_path / f"dbt-json-schemas-{schema_cache.environment_key()}.json"
    path.write_bytes(content)
    cache = schema_cache.install(tmp_path)
    assert cache is not None and cache.known == {}
    assert isinstance(project_schema(), dict)
    cache.save()
    import orjson

    assert "dbt.contracts.project.Project" in orjson.loads(path.read_bytes())


def test_an_unwritable_folder_only_means_no_cache(tmp_path: Path, dbt_schemas: type) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    cache = schema_cache.install(blocked / "cache")
    assert cache is not None
    assert isinstance(project_schema(), dict)
    cache.save()  # no error, nothing written
    assert blocked.read_text() == ""


def test_installing_or_upgrading_a_package_starts_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib" / "site-packages"
    (site / "dbt_core-1.11.8.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(site)])
    before = schema_cache.environment_key()
    assert schema_cache.environment_key() == before  # stable for one environment
    (site / "dbt_core-1.11.8.dist-info").rename(site / "dbt_core-1.11.9.dist-info")
    upgraded = schema_cache.environment_key()
    (site / "mashumaro-3.15.dist-info").mkdir()
    installed = schema_cache.environment_key()
    assert len({before, upgraded, installed}) == 3
    source = tmp_path / "src"  # a working directory, a source folder on PYTHONPATH: nothing installed
    (source / "lakehouse_mesh.egg-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", ["", str(source), str(site)])
    assert schema_cache.environment_key() == installed


def test_a_class_made_at_run_time_is_never_served_from_the_file(tmp_path: Path, dbt_schemas: type) -> None:
    from dataclasses import make_dataclass

    from dbt_common.dataclass_schema import dbtClassMixin

    def made(field_type: type) -> type:
        """A class a function makes (`<locals>` in its name), of another shape on every call."""
        cls = make_dataclass("Made", [("value", field_type)], bases=(dbtClassMixin,))
        cls.__qualname__ = "made.<locals>.Made"
        return cls

    cache = schema_cache.install(tmp_path)
    assert cache is not None
    whole, text = made(int).json_schema(), made(str).json_schema()
    assert whole["properties"]["value"] != text["properties"]["value"]  # one name, two shapes
    assert not [name for name in cache.known if "<locals>" in name]
