"""`mesh health`: one line per product (status, reason, owner) from the health history `mesh build` keeps."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from governance.errors import ExitCode, MeshError
from governance.files import write_all
from governance.health.backends import open_store
from governance.health.causes import DEGRADED, HealthReport, ProductHealth, report_from_store
from governance.health.notify import messages
from governance.product_names import select_named
from governance.project import data_dir, find_root

FORMATS = ("table", "json", "markdown", "github")
LEVELS = {"degraded": "error", "caution": "warning", "unknown": "notice", "healthy": "notice"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    parser.add_argument("--product", action="append", default=[], metavar="P",
                        help="only this product: domain.name, name or unique_id (repeatable)")  # fmt: skip
    parser.add_argument("--domain", action="append", default=[], metavar="D",
                        help="only this domain's products (repeatable)")  # fmt: skip
    parser.add_argument("--notify", type=Path, metavar="DIR",
                        help="write one message per owning group with a root cause: DIR/<group>.json "
                             "(webhook payload) and DIR/annotations.txt (GitHub annotations)")  # fmt: skip
    parser.add_argument("--at", metavar="TIME", help="judge freshness as of this UTC time (default now)")
    parser.add_argument("--refresh", choices=["unity"],
                        help="first record each Databricks product's freshness from Unity Catalog "
                             "(information_schema LAST_ALTERED; the workspace as for mesh sync)")  # fmt: skip
    parser.set_defaults(run=run)


def parse_time(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MeshError(f"--at: not an ISO time: {text!r}; pass e.g. 2026-01-01T03:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _named(report: HealthReport, product: str) -> list[ProductHealth]:
    """The products `--product` names (`governance.product_names`): domain.name, its unique_id, or a bare
    name one project publishes; a bare name two publish is one line asking for domain.name."""
    return select_named(
        product,
        report.products.values(),
        project=lambda h: h.product.split(".")[1] if h.product.count(".") >= 2 else h.domain,
        bare=lambda h: h.name.split(".", 1)[-1],
        qualified=lambda h: (h.name, h.product),
    )


def selected(report: HealthReport, products: list[str], domains: list[str]) -> list[ProductHealth]:
    known = {h.domain for h in report.products.values()}
    for domain in domains:
        if report.products and domain not in known:
            names = ", ".join(sorted(known))
            raise MeshError(
                f"--domain {domain}: no product of that domain in the health history; known: {names}"
            )
    wanted: set[str] = set()
    for product in products:
        named = _named(report, product)
        if report.products and not named:
            raise MeshError(
                f"--product {product}: not in the health history; `mesh health` lists every product"
            )
        wanted |= {h.product for h in named}
    return [
        h
        for h in report.ordered()
        if (not domains or h.domain in domains) and (not products or h.product in wanted)
    ]


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(report: HealthReport, rows: list[ProductHealth], fmt: str) -> str:
    if fmt == "json":
        data = {
            "at": report.at.isoformat(),
            "notes": report.notes,
            "products": [
                {
                    "product": h.name, "unique_id": h.product, "domain": h.domain, "owner": h.owning_group,
                    "contact": h.contact, "status": h.status, "reasons": h.reasons,
                    "root_causes": {report.products[r].name: list(p) for r, p in h.root_causes.items()},
                    "age_hours": None if h.age_hours is None else round(h.age_hours, 2),
                    "sla_hours": h.sla_hours, "row_count": h.row_count,
                    "observed_at": h.observed_at.isoformat() if h.observed_at else None,
                }
                for h in rows
            ],
        }  # fmt: skip
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "markdown":
        lines = ["| status | product | owner | reason |", "|---|---|---|---|"]
        lines += [
            f"| {h.status} | {_cell(h.name)} | {_cell(h.owning_group)} | {_cell(h.reason)} |" for h in rows
        ]
        return "\n".join([*lines, *(f"\n{n}" for n in report.notes)]) + "\n"
    if fmt == "github":
        from governance.health.notify import _escape_annotation, _escape_property

        return "".join(
            f"::{LEVELS[h.status]} title={_escape_property(f'{h.name} {h.status}')}::"
            f"{_escape_annotation('; '.join(h.reasons) + f' (owner {h.owning_group})')}\n"
            for h in rows
        ) + "".join(f"::notice::{_escape_annotation(n)}\n" for n in report.notes)
    width = max([len(h.name) for h in rows] + [7])
    owners = max([len(h.owning_group) for h in rows] + [5])
    lines = [f"{'status':<9} {'product':<{width}} {'owner':<{owners}} reason"]
    lines += [f"{h.status:<9} {h.name:<{width}} {h.owning_group:<{owners}} {h.reason}" for h in rows]
    counts = {s: sum(1 for h in rows if h.status == s) for s in ("healthy", "caution", "degraded", "unknown")}
    lines.append(
        ", ".join(f"{n} {s}" for s, n in counts.items()) + f" (as of {report.at:%Y-%m-%d %H:%M} UTC)"
    )
    return "\n".join([*lines, *report.notes]) + "\n"


def write_notifications(report: HealthReport, folder: Path) -> int:
    found = messages(report)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[Path, str] = {}
    for message in found:
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in message.group).strip(".") or "_"
        files[folder / f"{name}.json"] = (
            orjson.dumps(message.payload, option=orjson.OPT_INDENT_2).decode() + "\n"
        )
    files[folder / "annotations.txt"] = "".join(a + "\n" for m in found for a in m.annotations)
    write_all(files)
    return len(found)


def run(args: argparse.Namespace) -> int:
    at = parse_time(args.at)
    root = find_root()
    if args.refresh == "unity":
        from governance.health.unity import refresh

        refresh(root, data_dir(root), lambda line: print(f"warning: {line}", file=sys.stderr))
    store = open_store(root, data_dir(root), create=False)
    try:
        report = report_from_store(store, at)
    finally:
        if store is not None:
            store.close()
    rows = selected(report, args.product, args.domain)
    sys.stdout.write(render(report, rows, args.format))
    if args.notify is not None:
        sent = write_notifications(report, args.notify)
        print(f"{sent} notification(s) written to {args.notify}", file=sys.stderr)
    return int(ExitCode.FAILED if any(h.status == DEGRADED for h in rows) else ExitCode.OK)
