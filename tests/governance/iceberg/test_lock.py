"""The publish lock: one holder per catalog, taken without waiting, released with its holder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from governance.iceberg.config import CatalogSettings
from governance.iceberg.lock import PublishLockedError, publish_lock


def test_a_second_holder_is_refused_until_the_first_lets_go(settings: CatalogSettings) -> None:
    with publish_lock(settings):
        with pytest.raises(PublishLockedError) as error, publish_lock(settings):
            pass
        assert error.value.code == 1 and "\n" not in str(error.value)
        assert "another `mesh publish`" in str(error.value)
    with publish_lock(settings):  # released
        pass


def test_catalogs_lock_independently(settings: CatalogSettings) -> None:
    other = dataclasses.replace(settings, name=f"{settings.name}x")
    with publish_lock(settings):
        if settings.uri.startswith("sqlite"):
            other = dataclasses.replace(other, uri=settings.uri.replace("catalog.db", "other.db"))
        with publish_lock(other):
            pass


# SQLite only: a PostgreSQL catalog's lock is taken in the database itself, whatever path reaches it.
@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_one_sqlite_catalog_reached_by_two_paths_is_one_lock(
    settings: CatalogSettings, tmp_path: Path
) -> None:
    database = Path(settings.uri.removeprefix("sqlite:///"))
    (tmp_path / "link").symlink_to(database.parent, target_is_directory=True)
    (tmp_path / "sub").mkdir()
    for other_path in (tmp_path / "link" / database.name, tmp_path / "sub" / ".." / database.name):
        other = dataclasses.replace(settings, uri=f"sqlite:///{other_path}")
        with publish_lock(settings), pytest.raises(PublishLockedError), publish_lock(other):
            pass
