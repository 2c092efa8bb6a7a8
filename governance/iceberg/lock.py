"""One `mesh publish` per catalog at a time: a PostgreSQL advisory lock, or a file lock beside SQLite.

Iceberg commits are optimistic, but a publish also deletes files (its own, when it fails, and those
of publishes that died), which is only safe when no other publish is writing under the same
locations. The lock is held for the whole run and taken without waiting: a second publish exits 1
at once, in one line, having written nothing. Both locks die with their holder (the database
session, the open file), so a killed publish never blocks the next one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import sqlalchemy
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import catalog_unreachable, sqlite_file
from governance.iceberg.config import CatalogSettings


class PublishLockedError(MeshError):
    def __init__(self, settings: CatalogSettings) -> None:
        super().__init__(
            f"another `mesh publish` is publishing to catalog {settings.name} at {settings.display_uri}; "
            "nothing was written: run `mesh publish` again when it has finished",
            ExitCode.FAILED,
        )


def advisory_key(settings: CatalogSettings) -> int:
    """A stable signed 64-bit key for the catalog name (PostgreSQL's bigint advisory-lock key)."""
    digest = hashlib.sha256(f"mesh publish {settings.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _file_lock(path: Path, settings: CatalogSettings) -> Iterator[None]:
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle: IO[bytes] = path.open("ab")
    except OSError as error:
        raise MeshError(
            f"cannot create the publish lock {path} ({error.strerror}); "
            "check the catalog folder's permissions"
        ) from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishLockedError(settings) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(settings: CatalogSettings) -> Iterator[None]:
    engine = sqlalchemy.create_engine(settings.uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        connection = engine.connect()
        taken = connection.execute(
            sqlalchemy.text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(settings)}
        ).scalar()
        connection.commit()
    except SQLAlchemyError as error:
        engine.dispose()
        raise catalog_unreachable(settings, error) from None
    try:
        if not taken:
            raise PublishLockedError(settings)
        yield
    finally:
        # Ending the session releases the lock, exactly as the death of this process would.
        connection.close()
        engine.dispose()


@contextmanager
def publish_lock(settings: CatalogSettings) -> Iterator[None]:
    """Hold the catalog's publish lock for the block; PublishLockedError (exit 1) when another holds it."""
    backend = make_url(settings.uri).get_backend_name()
    database = sqlite_file(settings)
    if database is not None:
        with _file_lock(database.with_name(f"{database.name}.publish-lock"), settings):
            yield
    elif backend == "sqlite":  # in memory: private to this process
        yield
    elif backend == "postgresql":
        with _advisory_lock(settings):
            yield
    else:
        raise MeshError(
            f"catalog database {settings.display_uri}: `mesh publish` can serialise publishes only on "
            "sqlite or postgresql; use one of them for catalog.uri in governance/publish.yml"
        )
