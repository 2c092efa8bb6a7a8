"""The contracts' YAML writer: whatever it writes, PyYAML reads back as the same data."""

from __future__ import annotations

import math

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.contracts.yaml_out import dump, scalar

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
documents = st.dictionaries(
    st.text(),
    st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
    ),
    max_size=6,
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_plain_document_round_trips_through_pyyaml(document: dict[str, object]):
    assert _same(yaml.safe_load(dump(document)), document)


def test_look_alikes_are_quoted_and_plain_text_is_not():
    for tricky in ("yes", "No", "null", "~", "1.5", "2026-06-30", "x: y", "a #b", "- x", "", " x", "ON"):
        assert scalar(tricky).startswith('"'), tricky
        assert yaml.safe_load(f"k: {scalar(tricky)}") == {"k": tricky}
    assert scalar("orders.gold.fct_orders") == "orders.gold.fct_orders"
    assert scalar("decimal(10,2)") == '"decimal(10,2)"'
    assert scalar("<script>alert('x')</script>").startswith('"')
    assert scalar(1e-05) == "1.0e-05" and yaml.safe_load(scalar(1e-05)) == 1e-05
