"""The layering of ARCHITECTURE.md, checked on the source: data flows one way, and SQL lives in queries/.

files -> ingest -> store -> query/stats -> CLI | app | report. A module may import from its own room and the rooms
upstream of it, never downstream; only the app imports streamlit.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "explorer"

# room -> the explorer modules it must never import (downstream of it)
DOWNSTREAM = {
    "ingest": ("explorer.store", "explorer.query", "explorer.analysis", "explorer.claims", "explorer.report",
               "explorer.app", "explorer.cli", "explorer.stats", "explorer.selection"),
    "store": ("explorer.analysis", "explorer.claims", "explorer.report", "explorer.app", "explorer.cli",
              "explorer.stats", "explorer.scoring", "explorer.load", "explorer.query", "explorer.selection"),
    "stats": ("explorer.store", "explorer.analysis", "explorer.claims", "explorer.report", "explorer.app",
              "explorer.cli"),
    "report": ("explorer.app", "explorer.cli"),
    "claims": ("explorer.app", "explorer.cli"),
    "analysis": ("explorer.app", "explorer.cli", "explorer.report"),
}
SQL_START = re.compile(r"^\s*(SELECT|WITH|CREATE|INSERT|DELETE|UPDATE|ATTACH|DETACH|PRAGMA|DROP|ALTER|COPY|USE|SET)\s")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _room(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    if rel.as_posix() == "store/reader.py":
        return "reader"  # the query layer's one door into the store: it may read stats' Prior and the selection
    return rel.parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path: Path):
    imports = _imports(path)
    if _room(path) != "app":
        streamlit = [i for i in imports if i == "streamlit" or i.startswith("streamlit.")]
        assert not streamlit, "only the app imports streamlit"
    banned = DOWNSTREAM.get(_room(path), ())
    wrong = sorted(i for i in imports if any(i == b or i.startswith(b + ".") for b in banned))
    assert not wrong, f"{path.name} imports downstream modules: {wrong}"


def _sql_literals(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
            words = node.value.split()
            if len(words) >= 3 and not node.value.rstrip().endswith((".", ":")):  # a sentence is not a statement
                found.append((node.lineno, node.value[:60]))
        elif isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and SQL_START.match(first.value):
                found.append((node.lineno, first.value[:60]))
    return found


# rooms whose statements still live beside their code; each leaves this list when its SQL moves to queries/
NOT_YET: tuple[str, ...] = ()
# statements generated from the column map of each FAERS era (names from ingest/column_map.csv, never from input),
# and the example the SQL page opens with (the user's own query, never run by the tool itself)
GENERATED = {"load.py": ("INSERT INTO raw_",), "store/schema.py": ("CREATE TABLE IF NOT EXISTS raw_",),
             "app/views/sql.py": ("SELECT received_year, count(*) AS n_cases",)}


@pytest.mark.parametrize("path", [p for p in _modules() if _room(p) not in NOT_YET],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_sql_in_python(path: Path):
    allowed = GENERATED.get(path.relative_to(PACKAGE).as_posix(), ())
    found = [(line, text) for line, text in _sql_literals(path) if not text.lstrip().startswith(allowed)]
    assert not found, f"SQL belongs in queries/: {found}"


def test_the_sql_check_finds_sql():
    assert SQL_START.match("SELECT count(*) FROM cases")
    tree_with_sql = PACKAGE.parent / "tests" / "fixtures" / "_sql_probe.py"
    tree_with_sql.write_text('X = "SELECT count(*) FROM cases"\nY = f"CREATE TABLE {1} AS SELECT 1"\n')
    try:
        assert len(_sql_literals(tree_with_sql)) == 2
    finally:
        tree_with_sql.unlink()
