"""Quarter names (``2024q1``) and ranges (``2004q1-2012q3``)."""

from __future__ import annotations

import re

_QUARTER = re.compile(r"(\d{4})[qQ]([1-4])")

FIRST_FAERS = "2012q4"
"""The first quarter in the FAERS layout; earlier quarters are legacy AERS (LAERS)."""


def parse_quarter(text: str) -> tuple[int, int]:
    """Parse ``2024q1`` (either case of q) into (2024, 1).

    Raises:
        ValueError: the text is not a quarter name.
    """
    m = _QUARTER.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a quarter: {text!r} (expected e.g. 2024q1)")
    return int(m.group(1)), int(m.group(2))


def quarter_name(year: int, q: int) -> str:
    """Return the canonical name, e.g. ``2024q1``."""
    return f"{year:04d}q{q}"


def expand(spec: str) -> list[str]:
    """Expand ``2024q1``, ``2004q1-2012q3`` or a comma-separated mix into quarter names, in order.

    Raises:
        ValueError: a part is not a quarter or a range runs backwards.
    """
    out: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            (y, q), (y2, q2) = parse_quarter(lo), parse_quarter(hi)
            if (y, q) > (y2, q2):
                raise ValueError(f"quarter range runs backwards: {part!r}")
            while (y, q) <= (y2, q2):
                out.append(quarter_name(y, q))
                y, q = (y, q + 1) if q < 4 else (y + 1, 1)
        else:
            out.append(quarter_name(*parse_quarter(part)))
    return list(dict.fromkeys(out))


def is_laers(quarter: str) -> bool:
    """True for quarters published in the legacy AERS layout (2004q1-2012q3)."""
    return parse_quarter(quarter) < parse_quarter(FIRST_FAERS)


def zip_name(quarter: str) -> str:
    """FDA's file name for a quarter's ASCII zip."""
    prefix = "aers" if is_laers(quarter) else "faers"
    return f"{prefix}_ascii_{quarter}.zip"
