"""Values every layer shares, defined once: where the store lives and the words that label its data."""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "queries"
"""Every SQL statement of the tool: named queries at the top, the selection's macros, the store's build steps."""

DEFAULT_DB = Path("data/faers.duckdb")
"""The store the CLI and the dashboard use when no ``--db`` is given."""

DB_ENV = "EXPLORER_DB"
"""The environment variable that names the dashboard's store."""

# Age bands of filters.toml at most: the age_band() macro of queries/macros/selection.sql has one arm per band.
MAX_AGE_BANDS = 12

RANKINGS = ("eb05", "ic025", "ror_lower", "prr", "q_chi2", "eb05_stratified", "ror_mh_lower")
"""The columns a screening can be ranked by (largest first; the q-value smallest first)."""

SYNTHETIC_NOTICE = "synthetic demo data — not FDA data"
"""Shown with every number, chart and export from a store loaded from the generator's quarters."""

SYNTHETIC_BANNER = f"*** {SYNTHETIC_NOTICE} ***"
"""The CLI's first and last line when its store holds synthetic data."""

FAERS_NOTICE = "FDA Adverse Event Reporting System (FAERS) quarterly data"
"""The data notice of a store loaded from FDA's quarters."""
