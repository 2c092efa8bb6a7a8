"""The sync end to end, shared by `mesh plan`, `mesh sync` and scripts/governance_sync.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import PermissionDenied, Unauthenticated

from governance.errors import ExitCode, MeshError
from governance.loader import load_mesh
from governance.unity.actual import read_actual
from governance.unity.apply import Applier, ApplyResult
from governance.unity.audit import AuditLog
from governance.unity.client import StatementError, UnityClient, describe_error
from governance.unity.config import UnityConfig, load_config
from governance.unity.desired import DesiredState, build_desired
from governance.unity.plan import Plan, diff
from governance.unity.state import UnityState


@dataclass
class Inputs:
    config: UnityConfig
    desired: DesiredState


def load_inputs(root: Path, config_path: Path | None = None) -> Inputs:
    config = load_config(root, config_path)
    return Inputs(config, build_desired(load_mesh(root), config))


def read_state(
    client: UnityClient, tables: Iterable[str], shares: Iterable[str], concurrency: int
) -> UnityState:
    """The actual state, or one clear line when the workspace cannot be read."""
    try:
        return read_actual(client, tables, shares, concurrency)
    except (Unauthenticated, PermissionDenied) as error:
        raise MeshError(
            f"Databricks refused the credentials ({describe_error(error)}); "
            "check DATABRICKS_HOST and the token "
            "or profile the SDK resolves",
            ExitCode.BAD_INPUT,
        ) from None
    except (DatabricksError, StatementError, TimeoutError, OSError) as error:
        raise MeshError(
            f"cannot read Unity Catalog state: {describe_error(error)}", ExitCode.FAILED
        ) from None


def compute_plan(client: UnityClient, inputs: Inputs, prune: bool) -> Plan:
    desired = inputs.desired.state
    actual = read_state(client, desired.tables, desired.shares, inputs.config.concurrency)
    return diff(desired, actual, inputs.config, prune, inputs.desired.findings)


def verify_unchanged(client: UnityClient, plan: Plan, config: UnityConfig, plan_path: Path) -> None:
    """Refuse a reviewed plan when the workspace moved since it was computed."""
    actual = read_state(client, plan.tables, plan.shares, config.concurrency)
    if actual.fingerprint() != plan.fingerprint:
        raise MeshError(
            f"{plan_path}: Unity Catalog changed since this plan was computed "
            f"(state {plan.fingerprint[:12]}, now {actual.fingerprint()[:12]}); "
            "run mesh plan again and review it",
            ExitCode.BAD_INPUT,
        )


def apply_plan(client: UnityClient, plan: Plan, config: UnityConfig, audit_path: Path | None) -> ApplyResult:
    audit = AuditLog(audit_path)
    try:
        return Applier(client, audit, config.concurrency).apply(plan)
    finally:
        audit.close()
