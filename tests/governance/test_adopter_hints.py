"""What the tool tells a user points at what an adopting repository has: never at this repository's own
documents (docs/conventions.md) or folders, which a mesh adopted elsewhere does not hold."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "governance"
OUR_FILES = ("docs/conventions.md", "profiles/profiles.yml")


def _user_facing_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, but docstrings and comments (where citing our docs is for us)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_message_rule_text_or_scaffolded_file_cites_this_repositorys_own_documents() -> None:
    cited = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text.strip()[:80]!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in _user_facing_strings(path)
        if any(name in text for name in OUR_FILES)
    ]
    assert not cited, "\n".join(cited)
