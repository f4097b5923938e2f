"""Layering: `index/` (documents, search, stores) never imports `assistant/` (answers, API, CLI)."""

from __future__ import annotations

import ast
from pathlib import Path

INDEX_DIR = Path(__file__).resolve().parent.parent / "index"


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_index_does_not_import_assistant() -> None:
    offenders = {
        str(path.relative_to(INDEX_DIR.parent)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] == "assistant"
        )
        for path in INDEX_DIR.rglob("*.py")
    }
    assert {name: modules for name, modules in offenders.items() if modules} == {}
    assert len(offenders) > 20  # the walk found the package
