"""The stand-in for Unity Catalog's Iceberg REST endpoint on bad input: a Maven download that fails, a REST
server that is down, a catalog nobody serves, a wrong token: one line saying what and what to do, no hang."""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ci" / "iceberg_rest.sh"
PREFIX = "/api/2.1/unity-catalog/iceberg-rest"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gateway_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "uc_iceberg_gateway", SCRIPT.parent / "uc_iceberg_gateway.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def gateway() -> Iterator[str]:
    """The real gateway on a free loopback port, its one catalog's REST server down (nothing listens)."""
    module = gateway_module()
    server = module.Gateway(free_port(), "t0ken", {"orders": free_port()}, 5.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    server.shutdown()
    server.server_close()


def call(url: str, token: str | None = "t0ken") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["error"]["message"]


def test_a_rest_server_that_is_down_is_a_503_naming_it(gateway: str) -> None:
    status, message = call(f"{gateway}/v1/config?warehouse=orders")
    assert status == 503
    assert "REST catalog server of 'orders'" in message and "iceberg_rest.sh start" in message
    status, _ = call(f"{gateway}/v1/catalogs/orders/namespaces")
    assert status == 503


def test_a_catalog_nobody_serves_is_a_404_naming_the_served_ones(gateway: str) -> None:
    status, message = call(f"{gateway}/v1/config?warehouse=finance")
    assert status == 404 and "'finance' is not served here (served: orders)" in message
    status, message = call(f"{gateway}/v1/catalogs/finance/namespaces")
    assert status == 404 and "served: orders" in message


def test_a_missing_or_wrong_token_is_refused(gateway: str) -> None:
    assert call(f"{gateway}/v1/config?warehouse=orders", token=None)[0] == 401
    assert call(f"{gateway}/v1/config?warehouse=orders", token="other")[0] == 401


def test_config_without_a_warehouse_says_what_it_needs(gateway: str) -> None:
    status, message = call(f"{gateway}/v1/config")
    assert status == 400 and "warehouse=<catalog>" in message


def test_a_maven_download_failure_is_one_line_exit_1(tmp_path: Path) -> None:
    """Offline with an empty local repository: nothing can be resolved. A copy of the script and its pom,
    so the repository's own cache is not used."""
    (tmp_path / "scripts" / "ci").mkdir(parents=True)
    (tmp_path / "deploy" / "iceberg-rest").mkdir(parents=True)
    shutil.copy(SCRIPT, tmp_path / "scripts" / "ci" / "iceberg_rest.sh")
    shutil.copy(SCRIPT.parent / "jdk.sh", tmp_path / "scripts" / "ci" / "jdk.sh")
    shutil.copy(
        REPO / "deploy" / "iceberg-rest" / "pom.xml", tmp_path / "deploy" / "iceberg-rest" / "pom.xml"
    )
    if shutil.which("mvn") is None:
        pytest.fail("mvn is missing: scripts/ci/packages.sh installs Maven for the REST catalog server")
    done = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "ci" / "iceberg_rest.sh"), "fetch"],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "ICEBERG_REST_MAVEN_ARGS": "-o"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "cannot resolve" in line]
    assert len(errors) == 1, done.stderr
    assert "Maven Central" in errors[0] and "Traceback" not in done.stderr
    assert not (tmp_path / ".cache" / "iceberg-rest" / "lib-1.11.0").exists()  # nothing half-written
