"""The store's SQL: the named steps of ``queries/store/*.sql`` (each under a ``-- step: NAME`` line)."""

from __future__ import annotations

import re
from functools import cache

from explorer.constants import SQL_DIR

STORE_SQL = SQL_DIR / "store"


@cache
def named_steps(filename: str) -> dict[str, str]:
    """The named statements of ``queries/store/<filename>`` (each under a ``-- step: NAME`` line), in file order."""
    text = (STORE_SQL / filename).read_text(encoding="utf-8")
    parts = re.split(r"^-- step: (\w+)\s*$", text, flags=re.MULTILINE)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)}
