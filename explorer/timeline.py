"""Dated events to mark on over-time charts, from the editable ``queries/definitions/timeline.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from explorer.definitions import DEFINITIONS_DIR, DefinitionError

TIMELINE = DEFINITIONS_DIR / "timeline.toml"


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event: a day (``start == end``) or a period."""

    name: str
    title: str
    start: date
    end: date
    source: str = ""

    @property
    def is_period(self) -> bool:
        return self.end != self.start


def load_timeline(path: Path | str | None = None) -> list[TimelineEvent]:
    """The events of a timeline file, oldest first (none when the file does not exist).

    Raises:
        DefinitionError: the file does not parse, or an event has no title or no date (``date``, or ``start``
            with an optional ``end``), or ends before it starts.
    """
    path = Path(path) if path else TIMELINE
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise DefinitionError(f"{path.name}: does not parse as TOML ({e})") from None
    events = []
    for name, body in data.items():
        where = f"{path.name} [{name}]"
        if not isinstance(body, dict) or not isinstance(body.get("title"), str):
            raise DefinitionError(f"{where}: an event needs a title")
        start = body.get("date", body.get("start"))
        end = body.get("end", start)
        if not isinstance(start, date) or not isinstance(end, date):
            raise DefinitionError(f"{where}: give date = YYYY-MM-DD, or start (and end) as dates")
        if end < start:
            raise DefinitionError(f"{where}: ends ({end}) before it starts ({start})")
        events.append(TimelineEvent(name, body["title"], start, end, str(body.get("source", ""))))
    return sorted(events, key=lambda e: (e.start, e.name))
