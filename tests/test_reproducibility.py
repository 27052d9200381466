"""Same assumptions, seed and draws: identical numbers, whatever the chunking or workers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import nplv_sim
from nplv_sim.core.engine import BLOCK_SIZE

DRAWS = 2 * BLOCK_SIZE + 8_928  # three blocks, the last one partial


@pytest.fixture(scope="module")
def reference(default_assumptions):
    return nplv_sim.simulate(default_assumptions, DRAWS, rng=2026)


@pytest.mark.parametrize(("chunk_size", "workers"), [(1, 1), (3 * BLOCK_SIZE, 1), (BLOCK_SIZE, 2), (5_000, 2)])
def test_chunking_and_workers_do_not_change_results(default_assumptions, reference, chunk_size, workers):
    other = nplv_sim.simulate(default_assumptions, DRAWS, rng=2026, chunk_size=chunk_size, workers=workers)
    xr.testing.assert_equal(other, reference)


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
@pytest.mark.parametrize("sub_block", [1_000, BLOCK_SIZE])
def test_sub_block_size_does_not_change_results(default_assumptions, monkeypatch, method, sub_block):
    """The copula, laws and model run on sub-blocks for cache; the numbers must not see it."""
    from nplv_sim.core import engine

    ref = nplv_sim.simulate(default_assumptions, DRAWS, rng=2026, method=method, detail=True)
    monkeypatch.setattr(engine, "SUB_BLOCK", sub_block)
    other = nplv_sim.simulate(default_assumptions, DRAWS, rng=2026, method=method, detail=True)
    xr.testing.assert_equal(other, ref)


def test_same_seed_same_draws_other_seed_other_draws(default_assumptions):
    a = nplv_sim.simulate(default_assumptions, 5_000, rng=11)
    b = nplv_sim.simulate(default_assumptions, 5_000, rng=11)
    c = nplv_sim.simulate(default_assumptions, 5_000, rng=12)
    np.testing.assert_array_equal(a["shortfall"].values, b["shortfall"].values)
    assert not np.array_equal(a["shortfall"].values, c["shortfall"].values)


def test_unseeded_run_records_entropy_that_repeats_it(default_assumptions):
    a = nplv_sim.simulate(default_assumptions, 2_000)
    b = nplv_sim.simulate(default_assumptions, 2_000, rng=int(a.attrs["seed_entropy"]))
    np.testing.assert_array_equal(a["shortfall"].values, b["shortfall"].values)


def test_more_draws_extend_not_reshuffle(default_assumptions):
    # Block structure: the first draws of a longer run are the draws of a shorter run
    # only when both share the same block sizes; within full blocks they do.
    a = nplv_sim.simulate(default_assumptions, BLOCK_SIZE, rng=5)
    b = nplv_sim.simulate(default_assumptions, 2 * BLOCK_SIZE, rng=5)
    np.testing.assert_array_equal(a["shortfall"].values, b["shortfall"].values[:BLOCK_SIZE])


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_quasi_methods_are_reproducible(default_assumptions, method):
    a = nplv_sim.simulate(default_assumptions, 3_000, rng=4, method=method)
    b = nplv_sim.simulate(default_assumptions, 3_000, rng=4, method=method, chunk_size=1)
    xr.testing.assert_equal(a, b)
