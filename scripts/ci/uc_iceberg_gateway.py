"""A loopback gateway that gives Apache Iceberg's REST catalog servers Unity Catalog's Iceberg REST face.

Unity Catalog serves every catalog of a workspace at one endpoint, `<workspace>/api/2.1/unity-catalog/
iceberg-rest`: a client asks `GET /v1/config?warehouse=<catalog>`, is told the prefix `catalogs/<catalog>`,
and sends every later request under `/v1/catalogs/<catalog>/...`, with the workspace token as a bearer
token. Apache Iceberg's RESTCatalogServer answers at the root path and serves one catalog per process.
This gateway sits in front of one such server per catalog and translates, so the Trino catalog files
`mesh trino-config` generates for the Databricks domains are used unchanged (DATABRICKS_HOST pointed at
the gateway). What is real: the REST protocol, the servers, the Iceberg tables and Trino's REST client.
What stands in: this gateway for Unity Catalog's routing and token check, and the tables for UniForm.

    python scripts/ci/uc_iceberg_gateway.py --port 58180 --token-file TOKEN_FILE --catalog orders=58181 ...

Listens on 127.0.0.1 only; every request to a backend has a deadline (--timeout seconds); a catalog
nobody serves is a 404 naming the catalogs served, a backend that is down a 503 saying which.
"""

from __future__ import annotations

import argparse
import hmac
import http.client
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

PREFIX = "/api/2.1/unity-catalog/iceberg-rest"
# Headers that describe one hop, not the message (RFC 9110 section 7.6.1), and those this gateway sets.
HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
}


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, token: str, backends: dict[str, int], timeout: float) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.token = token
        self.backends = backends
        self.timeout = timeout


class Handler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: Trino polls; errors are answered to the client

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _error(self, status: int, kind: str, message: str) -> None:
        body = json.dumps({"error": {"message": message, "type": kind, "code": status}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authorized(self) -> bool:
        supplied = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.token}"
        return hmac.compare_digest(supplied.encode(), expected.encode())

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if not path.startswith(PREFIX + "/"):
            self._error(404, "NotFoundException", f"no route {path}; the endpoint is {PREFIX}")
            return
        route = path[len(PREFIX) :]
        body = self._body()
        if not self._authorized():
            self._error(401, "NotAuthorizedException", "missing or wrong bearer token (DATABRICKS_TOKEN)")
            return
        if route == "/v1/config":
            self._config(parse_qs(parts.query).get("warehouse", [""])[0])
            return
        segments = route.split("/")  # ["", "v1", "catalogs", "<catalog>", ...]
        if len(segments) < 5 or segments[1] != "v1" or segments[2] != "catalogs":
            self._error(
                404, "NotFoundException", f"no route {route}; send requests under /v1/catalogs/<catalog>"
            )
            return
        catalog = segments[3]
        port = self.server.backends.get(catalog)
        if port is None:
            self._not_served(catalog)
            return
        target = "/v1/" + "/".join(segments[4:]) + (f"?{parts.query}" if parts.query else "")
        self._forward(catalog, port, target, body)

    def _not_served(self, catalog: str) -> None:
        served = ", ".join(sorted(self.server.backends)) or "none"
        self._error(
            404,
            "NoSuchCatalogException",
            f"catalog {catalog!r} is not served here (served: {served}); start its REST server "
            "(scripts/ci/iceberg_rest.sh start)",
        )

    def _config(self, warehouse: str) -> None:
        if not warehouse:
            self._error(400, "BadRequestException", "GET /v1/config needs ?warehouse=<catalog>")
            return
        port = self.server.backends.get(warehouse)
        if port is None:
            self._not_served(warehouse)
            return
        status, headers, payload = self._call(warehouse, port, "GET", "/v1/config", b"", {})
        if status is None:
            return
        if status != 200:
            self._reply(status, headers, payload)
            return
        config = json.loads(payload)
        config.setdefault("overrides", {})["prefix"] = f"catalogs/{quote(warehouse, safe='')}"
        self._reply(200, [("Content-Type", "application/json")], json.dumps(config).encode())

    def _call(  # noqa: PLR0917 (one request's parts)
        self, catalog: str, port: int, method: str, target: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=self.server.timeout)
        try:
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in HOP_HEADERS | {"content-length", "date", "server"}
            ]
            return response.status, kept, response.read()
        except OSError as error:
            self._error(
                503,
                "ServiceUnavailableException",
                f"the REST catalog server of {catalog!r} on 127.0.0.1:{port} does not answer ({error}); "
                "start it: scripts/ci/iceberg_rest.sh start",
            )
            return None, [], b""
        finally:
            connection.close()

    def _forward(self, catalog: str, port: int, target: str, body: bytes) -> None:
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS | {"host", "authorization"}
        }
        status, kept, payload = self._call(catalog, port, self.command, target, body, headers)
        if status is not None:
            self._reply(status, kept, payload)

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


def parse_backend(text: str) -> tuple[str, int]:
    name, _, port = text.partition("=")
    if not name or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"--catalog {text!r}: expected <catalog>=<port>")
    return name, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--token-file", type=Path, required=True, help="file holding the bearer token clients must send"
    )
    parser.add_argument("--catalog", type=parse_backend, action="append", default=[], metavar="NAME=PORT")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a backend is waited for")
    args = parser.parse_args(argv)
    try:
        token = args.token_file.read_text().strip()
    except OSError as error:
        print(
            f"uc_iceberg_gateway: cannot read the token file {args.token_file} ({error.strerror})",
            file=sys.stderr,
        )
        return 2
    if not token:
        print(f"uc_iceberg_gateway: the token file {args.token_file} is empty", file=sys.stderr)
        return 2
    try:
        server = Gateway(args.port, token, dict(args.catalog), args.timeout)
    except OSError as error:
        print(f"uc_iceberg_gateway: cannot listen on 127.0.0.1:{args.port} ({error})", file=sys.stderr)
        return 1
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
