"""Country names to ISO 3166-1 alpha-2 codes.

Legacy AERS quarters (to 2012Q3) write the reporter's country as a name (``UNITED STATES``); FAERS writes the code
(``US``). ``countries.csv`` maps the names to codes so that one country filter finds both eras' cases. It holds the
ISO 3166-1 short, official and common names (upper case, accents removed, as in pycountry's ISO data), the earlier
ISO names of renamed countries (``SWAZILAND``, ``CZECH REPUBLIC``), withdrawn codes (``NETHERLANDS ANTILLES`` → AN,
``SERBIA AND MONTENEGRO`` → CS) and everyday short forms (``SOUTH KOREA``). A value that is neither a known name nor
a code is kept as written.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def country_names() -> dict[str, str]:
    """Upper-case country name → ISO 3166-1 alpha-2 code."""
    text = resources.files("explorer.vocab").joinpath("countries.csv").read_text(encoding="utf-8")
    return {row["name"]: row["code"] for row in csv.DictReader(text.splitlines())}
