"""Shared fixtures: paths to the real FAERS samples, and small hand-made quarters."""

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
