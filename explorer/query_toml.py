"""The one reader and writer of ``query.toml``: a claim check saved so that it re-runs anywhere.

The evidence pack writes it (:func:`dumps`); ``python -m explorer check --from query.toml [--db PATH]`` reads it
(:func:`load`). It names the text, the quarters it was checked against, the exposures and events when the user
overrode what the text names, and the filters in use; never a path of the machine that wrote it.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from explorer.definitions import EventGroup, Exposure
from explorer.errors import ExplorerError
from explorer.selection import Filters


@dataclass(frozen=True)
class SavedCheck:
    """What a ``query.toml`` holds.

    Attributes:
        text: the article's words that were checked.
        exposures: the exposures every claim was about, when the user overrode the text's (else None).
        events: the events every claim was about, when the user overrode the text's (else None).
        filters: the filters on the population.
        quarters: the quarters the check was made against (for the reader's information).
    """

    text: str
    exposures: list[Exposure] | None
    events: list[EventGroup] | None
    filters: Filters
    quarters: str = ""


def dumps(report: dict[str, Any]) -> str:
    """The ``query.toml`` of a claim-check report (see :func:`explorer.claims.check`)."""
    used = report["used"]
    d = report["data"]
    lines = ["# faers-explorer claim check: re-run with  python -m explorer check --from query.toml [--db PATH]",
             f"# data checked: {d['notice']}, quarters {d['quarters']} (built {d.get('built_at')})",
             f"text = {json.dumps(report['text'], ensure_ascii=False)}",
             f"quarters = {json.dumps(d['quarters'], ensure_ascii=False)}", ""]
    if report.get("overrides"):
        for e in used["exposures"]:
            lines += ["[[exposure]]"] + [f"{k} = {json.dumps(v)}" for k, v in e.items()] + [""]
        for v in used["events"]:
            lines += ["[[event]]"] + [f"{k} = {json.dumps(v2)}" for k, v2 in v.items()] + [""]
    f = {k: v for k, v in used["filters"].items() if v not in (None, [], (), False, "")}
    if f:
        lines += ["[filters]"] + [f"{k} = {json.dumps(v, default=str)}" for k, v in f.items()] + [""]
    return "\n".join(lines)


def load(path: str | Path) -> SavedCheck:
    """Read a ``query.toml``.

    Raises:
        ExplorerError: the file is missing, does not parse as TOML, or is not a claim-check definition (one line
            naming the file).
    """
    try:
        spec = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise ExplorerError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ExplorerError(f"{path}: does not parse as TOML ({e})") from None
    try:
        exposures = [Exposure(**_tuples(e)) for e in spec.get("exposure", [])] or None
        events = [EventGroup(e["name"], e["title"], tuple(e["pts"])) for e in spec.get("event", [])] or None
        known = {fl.name for fl in fields(Filters)}
        given: dict[str, Any] = {k: date.fromisoformat(v) if k.endswith(("_from", "_to")) else v
                                 for k, v in spec.get("filters", {}).items() if k in known}
        filters = Filters(**_tuples(given))
        text = spec["text"]
        if not isinstance(text, str):
            raise TypeError("text is not a string")
    except (KeyError, TypeError, ValueError) as e:
        raise ExplorerError(f"{path}: not a claim-check definition ({e})") from None
    return SavedCheck(text, exposures, events, filters, str(spec.get("quarters", "")))


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    """TOML's lists as the tuples the frozen definitions hold."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
