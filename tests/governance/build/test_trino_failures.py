"""Every failed node of a `trino` build is one line naming it, what Trino said and what to do.

The messages are made the way a real build makes them: the Trino client's own error classes (a query error
as the server reports it, a connection refused by a closed port), wrapped by dbt's own exceptions with the
failing node, as dbt-trino's exception handler and dbt's runner do, then written to run_results.json.
(tests/domains/test_trino_target.py shows the refused write on a real Trino 476.)
"""

from __future__ import annotations

import socket
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
import requests
from dbt.adapters.exceptions.connection import FailedToConnectError
from dbt.exceptions import ContractError
from dbt_common.exceptions import DbtDatabaseError
from trino.exceptions import TrinoUserError

from governance.build.trino_failures import BuildContext, explain, first_failure

CONTEXT = BuildContext("logistics", "lena", "127.0.0.1", "8080")
MODEL = "model.logistics.fct_shipments"


def node(name: str, path: str, kind: str = "model") -> SimpleNamespace:
    """What dbt's exceptions read of a node: its kind, name, file and compiled path."""
    return SimpleNamespace(
        resource_type=kind, name=name, original_file_path=path, build_path=f"target/run/logistics/{path}"
    )


def trino_error(name: str, message: str, kind: str = "USER_ERROR") -> str:
    """dbt's message for a node whose SQL Trino refused (dbt-trino wraps str(the client's error))."""
    error = TrinoUserError({"errorName": name, "errorType": kind, "message": message}, "20261206_1")
    wrapped = DbtDatabaseError(str(error))
    wrapped.add_node(node("fct_shipments", "models/marts/fct_shipments.sql"))
    return str(wrapped)


def write_build(folder: Path, results: list[dict[str, object]]) -> tuple[Path, Path]:
    """run_results.json and manifest.json of a build as dbt writes them (the keys the translator reads)."""
    manifest = {
        "nodes": {
            MODEL: {"name": "fct_shipments", "resource_type": "model",
                    "relation_name": '"logistics"."gold"."fct_shipments"'},
            "test.logistics.unique_fct_shipments_shipment_id.5a1": {
                "name": "unique_fct_shipments_shipment_id", "resource_type": "test",
                "attached_node": MODEL, "depends_on": {"nodes": [MODEL]},
            },
        }
    }  # fmt: skip
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    (folder / "run_results.json").write_bytes(orjson.dumps({"results": results}))
    return folder / "run_results.json", folder / "manifest.json"


def failed_model(message: str) -> dict[str, object]:
    return {
        "unique_id": MODEL,
        "status": "error",
        "message": message,
        "relation_name": '"logistics"."gold"."fct_shipments"',
    }


def line_for(tmp_path: Path, *results: dict[str, object]) -> str:
    run_results, manifest = write_build(
        tmp_path,
        [{"unique_id": "model.logistics.stg_carriers", "status": "success", "message": "OK"}, *results],
    )
    line = explain(CONTEXT, first_failure(run_results, manifest))
    assert "\n" not in line and "Traceback" not in line
    return line


def test_a_write_the_rules_deny_names_the_model_the_user_and_the_rules(tmp_path: Path) -> None:
    message = trino_error(
        "PERMISSION_DENIED", "Access Denied: Cannot create table logistics.gold.fct_shipments__dbt_tmp"
    )
    line = line_for(tmp_path, failed_model(message))
    assert line.startswith(
        "logistics model 'fct_shipments' (logistics.gold.fct_shipments): Trino refused the write as user "
        "'lena': Access Denied: Cannot create table logistics.gold.fct_shipments__dbt_tmp; the rules from "
        "mesh trino-config let only the owning group write its own schema; build as the domain's owner"
    ), line


def test_trino_going_away_mid_build_names_the_model_and_says_start_it(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the client's own connection error
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as refused:
        requests.post(f"http://127.0.0.1:{port}/v1/statement", timeout=5)
    wrapped = FailedToConnectError(str(refused.value))
    wrapped.add_node(node("fct_shipments", "models/marts/fct_shipments.sql"))
    line = line_for(tmp_path, failed_model(str(wrapped)))
    assert line.startswith(
        "logistics model 'fct_shipments' (logistics.gold.fct_shipments): Trino at 127.0.0.1:8080 stopped "
        "answering during the build ("
    ), line
    assert "Connection refused" in line and line.endswith("then build --target trino again")


def test_a_feature_trino_lacks_is_named_with_what_to_do(tmp_path: Path) -> None:
    message = trino_error(
        "NOT_SUPPORTED", "This connector does not support setting materialized view properties"
    )
    line = line_for(tmp_path, failed_model(message))
    assert line.startswith(
        "logistics model 'fct_shipments' (logistics.gold.fct_shipments): Trino cannot run a feature it uses "
        "(NOT_SUPPORTED: This connector does not support setting materialized view properties); write that "
        "part in Trino's SQL"
    ), line
    missing = trino_error("FUNCTION_NOT_FOUND", "line 3:8: Function 'regexp_extract_all2' not registered")
    assert "(FUNCTION_NOT_FOUND: line 3:8: Function 'regexp_extract_all2' not registered)" in line_for(
        tmp_path, failed_model(missing)
    )


def test_a_contract_trino_cannot_honour_names_the_columns(tmp_path: Path) -> None:
    shipment = {"name": "shipment_id", "data_type": "varchar"}
    error = ContractError(
        yaml_columns=[shipment, {"name": "weight_kg", "data_type": "decimal(10,2)"}],
        sql_columns=[shipment, {"name": "weight_kg", "data_type": "double"}],
    )
    error.add_node(node("fct_shipments", "models/marts/fct_shipments.sql"))
    line = line_for(tmp_path, failed_model(str(error)))
    assert line.startswith(
        "logistics model 'fct_shipments' (logistics.gold.fct_shipments): its enforced contract does not "
        "match what Trino builds (weight_kg: built double, contract decimal(10,2) (data type mismatch)); "
        "make the model's columns and types match the contract"
    ), line
    null = trino_error("CONSTRAINT_VIOLATION", "NULL value not allowed for NOT NULL column: carrier_id")
    assert (
        "Trino refused a row its contract forbids (CONSTRAINT_VIOLATION: NULL value not allowed for NOT NULL "
        "column: carrier_id)" in line_for(tmp_path, failed_model(null))
    )


def test_a_failed_data_test_names_the_test_and_its_model(tmp_path: Path) -> None:
    line = line_for(
        tmp_path,
        {"unique_id": "test.logistics.unique_fct_shipments_shipment_id.5a1", "status": "fail",
         "message": "Got 2 results, configured to fail if != 0", "relation_name": None},
        failed_model(trino_error("GENERIC_INTERNAL_ERROR", "boom")),
    )  # fmt: skip
    assert line == (
        "logistics test 'unique_fct_shipments_shipment_id' on model 'fct_shipments': the data test failed "
        "(Got 2 results, configured to fail if != 0); fix the model or its data, then build --target trino "
        "again (1 more node(s) failed)"
    )


def test_any_other_trino_error_still_names_the_model_and_trinos_message(tmp_path: Path) -> None:
    message = trino_error("DIVISION_BY_ZERO", "Division by zero", kind="USER_ERROR")
    line = line_for(tmp_path, failed_model(message))
    assert line == (
        "logistics model 'fct_shipments' (logistics.gold.fct_shipments): Trino failed it (DIVISION_BY_ZERO: "
        "Division by zero); fix it, then build --target trino again"
    )


def test_a_failure_before_any_node_is_explained_from_the_log(tmp_path: Path) -> None:
    reason = "Database Error\n  HTTPConnectionPool(host='127.0.0.1', port=8080): Max retries exceeded"
    line = explain(CONTEXT, first_failure(tmp_path / "run_results.json", None), reason)
    assert line.startswith(
        "logistics (before any model ran): Trino at 127.0.0.1:8080 stopped answering during the build"
    ), line


def test_publish_is_told_what_failed_in_the_last_build_and_nothing_when_it_passed(tmp_path: Path) -> None:
    from governance.build.trino_failures import last_build_failure

    denied = trino_error("PERMISSION_DENIED", "Access Denied: Cannot create table logistics.gold.x__dbt_tmp")
    write_build(tmp_path, [failed_model(denied)])
    assert last_build_failure(tmp_path, "logistics") == (
        "model 'fct_shipments' (logistics.gold.fct_shipments): Access Denied: Cannot create table "
        "logistics.gold.x__dbt_tmp"
    )
    write_build(tmp_path, [{"unique_id": MODEL, "status": "success", "message": "OK"}])
    assert last_build_failure(tmp_path, "logistics") is None


def test_a_relation_trino_hides_from_the_build_user_is_a_refusal_too(tmp_path: Path) -> None:
    """Trino 476 answers a table the user may not read as "not found or not allowed" (it does not say
    which): dbt-trino's listing as a non-owner fails so, before any model ran."""
    reason = trino_error("TABLE_NOT_FOUND", "line 13:20: Relation not found or not allowed")
    line = explain(CONTEXT, first_failure(tmp_path / "run_results.json", None), reason)
    assert line.startswith(
        "logistics (before any model ran): Trino hid a relation from user 'lena' (or it does not exist): "
        "line 13:20: Relation not found or not allowed; the rules from mesh trino-config let only the "
        "owning group write its own schema"
    ), line
