"""Shared fixtures."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_e8d46ed0191e82b1.txt"
SAMPLES = ROOT / "corpora" / "samples"
sys.path.insert(0, str(Path(__file__).parent))  # tests/make_files.py


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The user's own example compilation (shared/seed beside the repository)."""
    if not SEED.exists():
        pytest.skip("shared/seed is not beside the repository")
    return SEED.read_text(encoding="utf-8")
