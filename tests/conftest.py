"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

import nplv_sim

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = ROOT / "distributions"


@pytest.fixture(scope="session")
def default_assumptions():
    """The shipped default assumptions, loaded once."""
    return nplv_sim.load_assumptions()


@pytest.fixture(scope="session")
def baseline_ds(default_assumptions):
    """The deterministic one-draw run."""
    return nplv_sim.simulate(default_assumptions, draws=1, rng=0, deterministic=True)
