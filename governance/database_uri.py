"""A database URI from a settings file, checked once for every file that names one (publish.yml's Iceberg
catalog, health.yml's warehouse store): one line for each mistake, the password kept out of every line.

SQLAlchemy is imported when a URI is checked, not before: `mesh health` on the embedded store never pays it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from governance.credentials import clean_secret, remember
from governance.errors import MeshError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def checked_uri(
    raw: str,
    *,
    backends: tuple[str, ...],
    wrong_backend: str,
    bad: Callable[[str, str], MeshError],
    password_env: str,
    password: str | None,
) -> URL:
    """`raw` parsed, its backend one of `backends` (else `wrong_backend` says what is allowed), with the
    password from `password_env` (its value `password`) set in. `bad(shown, problem)` makes the one line:
    `shown` is `raw` as it may be printed (control characters escaped)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise bad(raw.encode("unicode_escape").decode(), "contains a control character")
    try:
        url = make_url(raw)
        port = url.port  # parsed lazily: a malformed port only fails here
        url.get_dialect()  # an unknown driver only fails here
    except (ArgumentError, ValueError):
        raise bad(raw, "is not a database URI") from None
    except NoSuchModuleError:
        raise bad(raw, f"names a database driver that is not installed ({url.drivername})") from None
    if url.get_backend_name() not in backends:
        raise bad(raw, f"is a {url.get_backend_name()} database; {wrong_backend}")
    if port is not None and not 0 < port < 65536:
        raise bad(raw, f"has port {port}, not a TCP port (1-65535)")
    if url.password:  # written into the URI: never shown either
        remember(str(url.password))
    if password:
        url = url.set(password=clean_secret(password_env, password))
    return url
