"""What a test does when a service it needs is missing: fail where the service is promised, else skip.

`make test` (MESH_TEST_STRICT=1) and CI (CI=true) start every service themselves, so there a missing one
is a failure naming the script that provides it; a bare `pytest` run elsewhere skips with the same line.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def promised() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("MESH_TEST_STRICT", "") not in (
        "",
        "0",
    )


def unavailable(reason: str, provider: str) -> NoReturn:
    """`reason`: what is missing; `provider`: the command that starts or installs it."""
    if promised():
        pytest.fail(f"{reason} (make test starts it: {provider})", pytrace=False)
    pytest.skip(f"{reason}; {provider}")
