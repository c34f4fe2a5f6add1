"""Shared fixtures: the real FAERS samples and the demo database, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "faers" / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The real FAERS bytes of ../shared/faers/samples (CI lays shared/ beside the clone)."""
    if not SAMPLES.is_dir():
        pytest.fail(f"real FAERS samples not found at {SAMPLES}: clone the project beside shared/")
    return SAMPLES


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo quarters (data/demo), loaded once for the whole session.

    Every test that uses it only reads it (through read-only connections); a test that writes loads its own.
    """
    from explorer.load import load

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    load(sorted((REPO / "data" / "demo").glob("*.zip")), db)
    return db
