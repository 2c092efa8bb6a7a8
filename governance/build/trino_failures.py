"""Why a `trino` build failed, in one line naming the model and what to do.

dbt-trino reports a failed node as dbt's "Database Error in model ..." block around the Trino client's
error (`TrinoUserError(type=USER_ERROR, name=PERMISSION_DENIED, message="Access Denied: ...", ...)`), a
connection failure as the HTTP client's text, a broken contract as dbt's mismatch table. Every failed node
of a `trino` build goes through `explain` (one translator, whatever the cause): the first failed node from
`run_results.json` (its kind, name and relation from the manifest), the Trino error it carries, and one of
  * the access rules refused it (PERMISSION_DENIED, "Access Denied: ...") -> build as the domain's owner or
    regenerate the rules,
  * Trino stopped answering -> start it, build again,
  * a feature Trino or its Iceberg connector does not have (NOT_SUPPORTED, FUNCTION_NOT_FOUND, ...) -> which
    feature, and to write it in Trino's SQL,
  * a contract Trino cannot honour (dbt's contract check, a NULL in a NOT NULL column) -> which column,
  * a data test that found rows, a compilation error, or any other Trino error -> its message.
A failure before any node ran (no run_results.json) is explained from dbt's error log lines the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from governance.build.results import FAILED_STATUSES

MAX_DETAIL = 300  # characters of Trino's or dbt's message kept in the line

_TRINO_ERROR = re.compile(
    r"Trino\w*Error\(type=(?P<type>\w+), name=(?P<name>\w+), message=\"(?P<message>.*?)\", query_id=",
    re.S,
)
_UNREACHABLE = re.compile(
    r"Failed to establish a new connection|Connection refused|Max retries exceeded|Connection aborted|"
    r"Read timed out|RemoteDisconnected|Connection reset|NameResolutionError|Http50[234]Error",
)
# Trino error names (io.trino.spi.StandardErrorCode) for a feature the engine or connector does not have.
UNSUPPORTED = frozenset(
    {"NOT_SUPPORTED", "FUNCTION_NOT_FOUND", "FUNCTION_IMPLEMENTATION_MISSING", "TYPE_NOT_FOUND",
     "INVALID_TABLE_PROPERTY", "INVALID_COLUMN_PROPERTY", "INVALID_MATERIALIZED_VIEW_PROPERTY",
     "INVALID_VIEW_PROPERTY", "INVALID_SCHEMA_PROPERTY", "MISSING_COLUMN_ALIASES"}
)  # fmt: skip
CONSTRAINT = frozenset({"CONSTRAINT_VIOLATION", "INVALID_CAST_ARGUMENT"})
_WRITE = re.compile(
    r"Access Denied: Cannot (create|insert|delete|drop|rename|alter|comment|set|update|truncate|add|merge)",
    re.I,
)
_CONTRACT = "enforced contract that failed"
_NOISE = re.compile(r"^(Database Error|Compilation Error|Runtime Error)( in \w+ \S+( \([^)]*\))?)?$")


@dataclass(frozen=True)
class FailedNode:
    """The first failed node of a build, as the manifest names it."""

    kind: str  # model, test, seed, snapshot, operation (a hook)
    name: str
    relation: str  # the table it writes (models, seeds, snapshots), '' otherwise
    message: str  # dbt's message for it
    status: str  # error or fail (a data test that found rows)
    tested: str = ""  # for a test: the model it tests
    others: int = 0  # further failed nodes


@dataclass(frozen=True)
class BuildContext:
    """Who the build connected as, and where."""

    project: str
    user: str
    host: str
    port: str


def _unquote(relation: str) -> str:
    return ".".join(part.strip('"`') for part in relation.split("."))


def _name_of(unique_id: str) -> str:
    kind, _, rest = unique_id.partition(".")
    parts = rest.split(".")[1:]
    if kind == "test" and len(parts) > 1:
        parts = parts[:-1]  # a generic test's trailing hash
    return ".".join(parts) or unique_id


def first_failure(run_results: Path, manifest: Path | None) -> FailedNode | None:
    """The first failed node of run_results.json, named from the manifest beside it; None when none failed."""
    try:
        results = orjson.loads(run_results.read_bytes()).get("results") or []
    except (OSError, orjson.JSONDecodeError):
        return None
    failed = [r for r in results if r.get("status") in FAILED_STATUSES]
    if not failed:
        return None
    nodes: dict[str, Any] = {}
    if manifest is not None:
        try:
            nodes = orjson.loads(manifest.read_bytes()).get("nodes") or {}
        except (OSError, orjson.JSONDecodeError):
            nodes = {}
    result = failed[0]
    unique_id = str(result.get("unique_id") or "")
    node = nodes.get(unique_id) or {}
    kind = unique_id.split(".", 1)[0] or "node"
    relation = _unquote(str(result.get("relation_name") or node.get("relation_name") or ""))
    tested = ""
    if kind == "test":
        attached = node.get("attached_node") or next(
            (p for p in (node.get("depends_on") or {}).get("nodes") or [] if p.startswith("model.")), ""
        )
        tested = _name_of(str(attached)) if attached else ""
        relation = ""
    return FailedNode(
        kind=kind,
        name=str(node.get("name") or _name_of(unique_id)),
        relation=relation,
        message=str(result.get("message") or ""),
        status=str(result.get("status")),
        tested=tested,
        others=len(failed) - 1,
    )


def _short(text: str) -> str:
    """One line of at most MAX_DETAIL characters: dbt's headers and compiled-code pointers dropped."""
    lines = [line.strip() for line in text.splitlines()]
    kept = [
        line for line in lines
        if line and not _NOISE.match(line) and not line.startswith(("compiled code at", "See the log"))
    ]  # fmt: skip
    flat = " ".join(" ".join(kept).split())
    return flat if len(flat) <= MAX_DETAIL else flat[: MAX_DETAIL - 3].rstrip() + "..."


def _mismatches(message: str) -> str:
    """dbt's contract mismatch table (`| column_name | definition_type | contract_type | mismatch_reason |`)
    as `column: built TYPE, contract TYPE (reason)` items."""
    items = []
    for line in message.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.strip().startswith("|") or len(cells) != 4 or cells[0] in ("column_name", ""):
            continue
        if set(cells[0]) <= {"-"}:
            continue
        column, built, declared, reason = cells
        items.append(f"{column}: built {built or 'nothing'}, contract {declared or 'nothing'} ({reason})")
    return "; ".join(items)


def _subject(context: BuildContext, node: FailedNode | None) -> str:
    if node is None:
        return f"{context.project} (before any model ran)"
    if node.kind == "test":
        on = f" on model '{node.tested}'" if node.tested else ""
        return f"{context.project} test '{node.name}'{on}"
    if node.kind == "operation":
        return f"{context.project} hook '{node.name}'"
    where = f" ({node.relation})" if node.relation else ""
    return f"{context.project} {node.kind} '{node.name}'{where}"


def explain(context: BuildContext, node: FailedNode | None, log_reason: str = "") -> str:
    """One line: which node failed, the Trino error it carries, and what to do."""
    message = node.message if node is not None else log_reason
    subject = _subject(context, node)
    more = f" ({node.others} more node(s) failed)" if node and node.others else ""
    trino = _TRINO_ERROR.search(message)
    error_name = trino["name"] if trino else ""
    detail = _short(trino["message"] if trino else message)
    owner_hint = (
        "the rules from mesh trino-config let only the owning group write its own schema; build as the "
        "domain's owner (its first member in governance/trino.yml `groups`) or regenerate the rules "
        "(mesh trino-config) and restart Trino"
    )
    if error_name == "PERMISSION_DENIED" or detail.startswith("Access Denied"):
        what = "the write" if _WRITE.search(detail) else "it"
        why = f"Trino refused {what} as user '{context.user}': {detail}; {owner_hint}"
    elif "not found or not allowed" in detail:  # Trino 476 hides what a user may not read
        why = (
            f"Trino hid a relation from user '{context.user}' (or it does not exist): {detail}; {owner_hint}"
        )
    elif trino is None and _UNREACHABLE.search(message):
        why = (
            f"Trino at {context.host}:{context.port} stopped answering during the build ({detail}); "
            "what it had not built yet is unchanged: start it (make trino), then build --target trino again"
        )
    elif error_name in UNSUPPORTED or (
        trino is not None and re.search(r"not supported|does not support", detail, re.I)
    ):
        why = (
            f"Trino cannot run a feature it uses ({error_name or 'not supported'}: {detail}); write that "
            "part in Trino's SQL (a dispatched macro under macros/) or leave the model out of target trino"
        )
    elif _CONTRACT in message:
        why = (
            f"its enforced contract does not match what Trino builds ({_mismatches(message) or detail}); "
            "make the model's columns "
            "and types match the contract in its YAML (cast in the model), then build --target trino again"
        )
    elif error_name in CONSTRAINT:
        why = (
            f"Trino refused a row its contract forbids ({error_name}: {detail}); fix the model's data or "
            "relax the contract (a not_null constraint is enforced by the Iceberg table)"
        )
    elif node is not None and node.status == "fail":
        why = f"the data test failed ({detail}); fix the model or its data, then build --target trino again"
    elif "Compilation Error" in message:
        why = f"dbt could not compile it for Trino ({detail}); fix the model's SQL or macro for target trino"
    else:
        kind = f"{error_name}: " if error_name else ""
        why = f"Trino failed it ({kind}{detail}); fix it, then build --target trino again"
    return f"{subject}: {why}{more}"


def last_build_failure(target_dir: Path, project: str) -> str | None:
    """What failed in the project's last build (its run_results.json), as `kind 'name' (relation): cause`;
    None when nothing failed. `mesh publish` refuses to verify a domain whose last Trino build failed."""
    node = first_failure(target_dir / "run_results.json", target_dir / "manifest.json")
    if node is None:
        return None
    trino = _TRINO_ERROR.search(node.message)
    subject = _subject(BuildContext(project, "", "", ""), node).removeprefix(f"{project} ")
    return f"{subject}: {_short(trino['message'] if trino else node.message)}"
