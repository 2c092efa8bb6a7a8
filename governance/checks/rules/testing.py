"""Data tests on products: the grain and the foreign keys are tested, and the last run passed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.queries import column_test_names, tests_on
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity

COMPOSITE_KEY_TESTS = {"unique_combination_of_columns"}


@rule(
    code="MESH009",
    name="primary-key-tested",
    title="A product's primary key has unique and not_null tests",
    severity=Severity.ERROR,
    rationale="A declared key is only informational on most engines; the tests are what proves the grain "
    "on every build.",
    remediation="Add `data_tests: [unique, not_null]` to the key column (composite keys: "
    "`dbt_utils.unique_combination_of_columns` on the model).",
    example="columns:\n  - name: order_id\n    constraints: [{type: primary_key}]   # no data_tests",
)
def primary_key_tested(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        key = model.primary_key
        if len(key) == 1 and key[0] in model.columns:
            column = model.columns[key[0]]
            missing = {"unique", "not_null"} - column_test_names(ctx.mesh, model, column)
            if missing:
                yield ctx.model(
                    model, f"primary key {column.name} lacks {', '.join(sorted(missing))}", column
                )
        elif len(key) > 1 and not {t.name for t in tests_on(ctx.mesh, model)} & COMPOSITE_KEY_TESTS:
            yield ctx.model(
                model, f"composite key ({', '.join(key)}) has no unique_combination_of_columns test"
            )


@rule(
    code="MESH012",
    name="foreign-key-tested",
    title="Foreign keys of a product have relationships tests",
    severity=Severity.ERROR,
    rationale="Orphan keys silently drop rows from consumers' inner joins; a relationships test catches "
    "them at the producer.",
    remediation="Add a `relationships` data test to the column pointing at the product it references, or "
    "set `meta: {foreign_key: false}` when the column references nothing in the mesh. A column that is "
    "unique and not null (tests or constraints) is the model's own key, never counted as a foreign key.",
    example="columns:\n  - name: customer_id\n    data_type: integer   # no relationships test",
    params=(Param("pattern", r"_id$", "regex a column name matches to count as a foreign key"),),
)
def foreign_key_tested(ctx: RuleContext) -> Iterator[Finding]:
    pattern = re.compile(str(ctx.params["pattern"]), re.IGNORECASE)
    for model in ctx.mesh.products():
        key = set(model.primary_key)
        for column in model.columns.values():
            if (
                column.name in key
                or not pattern.search(column.name)
                or column.meta.get("foreign_key") is False
            ):
                continue
            tests = column_test_names(ctx.mesh, model, column)
            if "relationships" in tests:
                continue
            checks = tests | set(column.constraint_types)
            if "unique" in checks and "not_null" in checks:
                continue  # unique and never null: the model's own key (its grain), not a reference
            yield ctx.model(model, f"foreign key {column.name} has no relationships test", column)


@rule(
    code="MESH028",
    name="product-tests-passing",
    title="Data tests on products passed in the last run",
    severity=Severity.ERROR,
    rationale="A product whose tests fail breaks its contract with every consumer; the failure must be "
    "owned before the change merges.",
    remediation="Fix the data or the model so the test passes (`dbt build --select <product>`), then rerun.",
    example="run_results.json: not_null_fct_orders_order_id -> fail (3 rows)",
)
def product_tests_passing(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        for test in tests_on(ctx.mesh, model):
            if test.result is None or test.result.status not in {"fail", "error"}:
                continue
            column = model.columns.get(test.column_name or "")
            rows = f" ({test.result.failures} failing rows)" if test.result.failures else ""
            message = f"test {test.name} {test.result.status}ed in the last run{rows}"
            yield ctx.model(model, message, column, subject=f"test:{test.unique_id}")
