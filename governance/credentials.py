"""Credentials and hosts read from the environment: validated and normalised before use, never shown.

A secret mounted from a file ends in a newline and one pasted from a browser may carry spaces: surrounding
whitespace is removed. Anything else that is not printable ASCII (inner whitespace, control or non-ASCII
characters, a BOM) cannot travel in an HTTP header and is refused in one line naming the variable, never
the value. Every secret read is remembered so `redact` can blank it out of any text about to be shown,
whatever a library or a server put into an error message.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from governance.errors import MeshError

REDACTED = "***"
_SECRETS: set[str] = set()
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_IPV6 = re.compile(r"^[0-9A-Fa-f:.]+$")
# Databricks SDK environment variables that hold secrets, and the Config attribute each sets.
SECRET_VARIABLES = {
    "DATABRICKS_TOKEN": "token",
    "DATABRICKS_CLIENT_SECRET": "client_secret",
    "DATABRICKS_PASSWORD": "password",
}


def remember(secret: str) -> None:
    """Blank `secret` out of everything `redact` sees from now on (short strings would blank too much),
    log records included: a library may log a server's answer that echoes what it was sent."""
    for variant in (secret, secret.strip()):
        if len(variant) >= 6:
            _SECRETS.add(variant)
    if not _LOGS_REDACTED:
        _LOGS_REDACTED.append(True)
        logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))


_LOGS_REDACTED: list[bool] = []


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    return factory


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _problem(value: str) -> str | None:
    for position, char in enumerate(value, 1):
        code = ord(char)
        if 0x21 <= code <= 0x7E:
            continue
        if char.isspace():
            what = "whitespace"
        elif code < 0x20 or code == 0x7F:
            what = "a control character"
        else:
            what = "a non-ASCII character"
        return f"{what} at position {position} of {len(value)}"
    return None


def clean_secret(name: str, raw: str) -> str:
    """The secret without surrounding whitespace; one line naming `name` (never the value) if malformed."""
    remember(raw)
    value = raw.strip(" \t\r\n")
    if not value:
        raise MeshError(f"{name} is set but empty; set it to the credential, or unset it to use a profile")
    problem = _problem(value)
    if problem:
        raise MeshError(
            f"{name} contains {problem}; a credential is printable ASCII: copy it again "
            "(surrounding spaces and newlines are removed for you)"
        )
    return value


@dataclass(frozen=True)
class Host:
    url: str  # scheme://host[:port], no trailing slash
    hostname: str
    port: int | None  # None: the scheme's default


def clean_host(name: str, raw: str) -> Host:
    """A workspace URL (`https://adb-1.2.azuredatabricks.net`, a bare host, or host:port)."""
    value = raw.strip(" \t\r\n")
    shown = repr(value) if "@" not in value else "(a URL with a user name or password)"
    hint = f"{name} must be the workspace URL, like https://adb-1234567890123456.7.azuredatabricks.net"
    if not value:
        raise MeshError(f"{name} is set but empty; {hint}")
    problem = _problem(value)
    if problem:
        raise MeshError(f"{name} contains {problem}; {hint}")
    url = value if "://" in value else "https://" + value
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise MeshError(f"{name} {shown} is malformed ({error}); {hint}") from None
    if parts.scheme not in ("https", "http"):
        raise MeshError(f"{name} {shown} uses scheme {parts.scheme!r}; {hint}")
    if parts.username is not None or parts.password is not None:
        raise MeshError(f"{name} holds a user name or password; put credentials in DATABRICKS_TOKEN. {hint}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MeshError(f"{name} {shown} has a path or query; {hint}")
    hostname = parts.hostname or ""
    ipv6 = ":" in hostname
    if not (_IPV6.match(hostname) if ipv6 else _HOSTNAME.match(hostname)):
        raise MeshError(f"{name} {shown} has no valid host name; {hint}")
    if port == 0:
        raise MeshError(f"{name} {shown} has port 0; {hint}")
    default = 443 if parts.scheme == "https" else 80
    port = None if port in (None, default) else port
    netloc = (f"[{hostname}]" if ipv6 else hostname) + (f":{port}" if port else "")
    return Host(f"{parts.scheme}://{netloc}", hostname, port)


def databricks_environment() -> dict[str, Any]:
    """Databricks SDK `Config` keywords from the environment, validated: host and every secret set."""
    settings: dict[str, Any] = {}
    host = os.environ.get("DATABRICKS_HOST")
    if host is not None:
        settings["host"] = clean_host("DATABRICKS_HOST", host).url
    for variable, attribute in SECRET_VARIABLES.items():
        raw = os.environ.get(variable)
        if raw is not None:
            settings[attribute] = clean_secret(variable, raw)
    client_id = os.environ.get("DATABRICKS_CLIENT_ID")
    if client_id is not None:
        settings["client_id"] = clean_secret("DATABRICKS_CLIENT_ID", client_id)
    return settings
