"""The publish lock: one holder per catalog, taken without waiting, released with its holder."""

from __future__ import annotations

import dataclasses

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
