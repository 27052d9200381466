"""Streaming summaries: exact moments, quantiles within the stated bound, bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nplv_sim
from nplv_sim.core.streamstats import Edges, block_stats, histogram_quantiles
from nplv_sim.errors import NplvError
from nplv_sim.streaming import simulate_summary

# A full block and a partial one: the block merge and the short last block are exercised.
N = 65_536 + 4_321
Q = (0.0, 0.05, 0.15, 0.5, 0.85, 0.95, 1.0)


@pytest.fixture(scope="module")
def pair(default_assumptions):
    """The streamed summary and the exact one (summarize of simulate) of the same draws."""
    streamed = simulate_summary(default_assumptions, N, rng=11, quantiles=Q)
    exact = nplv_sim.summarize(nplv_sim.simulate(default_assumptions, N, rng=11), Q)
    return streamed, exact


def _draw_variables(exact):
    return [v for v in exact.data_vars if not v.endswith(("_mean", "_sd", "_mcse", "_prob_positive"))]


def test_same_layout_as_summarize(pair):
    streamed, exact = pair
    extra = set(streamed.data_vars) - set(exact.data_vars)
    assert set(exact.data_vars) <= set(streamed.data_vars)
    assert extra == {f"{v}_quantile_error_bound" for v in _draw_variables(exact)}
    for v in exact.data_vars:
        assert streamed[v].dims == exact[v].dims, v
        for c in exact[v].coords:
            np.testing.assert_array_equal(streamed[v][c].values, exact[v][c].values)
    assert streamed.attrs["n_draws"] == exact.attrs["n_draws"] == N
    assert streamed.attrs["seed_entropy"] == exact.attrs["seed_entropy"]


def test_moments_and_probabilities_are_exact(pair):
    streamed, exact = pair
    for v in _draw_variables(exact):
        for stat in ("_mean", "_sd"):
            e, s = exact[v + stat].values, streamed[v + stat].values
            scale = np.maximum(np.abs(exact[v + "_mean"].values), 1.0)
            np.testing.assert_allclose(s, e, rtol=1e-9, atol=1e-9 * scale.max(), err_msg=v + stat)
        if v.startswith("shortfall"):
            np.testing.assert_array_equal(streamed[v + "_prob_positive"].values, exact[v + "_prob_positive"].values)


def test_quantiles_within_stated_bound(pair):
    streamed, exact = pair
    for v in _draw_variables(exact):
        bound = streamed[v + "_quantile_error_bound"].values
        err = np.abs(streamed[v].values - exact[v].values)
        assert np.all(err <= bound), f"{v}: error {err.max():.3g} beyond bound"
        # q = 0 and 1 are the exact minimum and maximum.
        np.testing.assert_array_equal(
            streamed[v].sel(quantile=[0.0, 1.0]).values, exact[v].sel(quantile=[0.0, 1.0]).values
        )
    # The bound is useful: well under a million euro for the headline total (span ~ 10^4).
    headline = streamed["shortfall_all_periods_quantile_error_bound"].sel(quantile=[0.05, 0.5, 0.95])
    assert float(headline.max()) < 1.0


def test_mcse_close_to_summarize(pair):
    streamed, exact = pair
    for v in ("shortfall", "shortfall_all_periods", "need"):
        bound = float(streamed[v + "_quantile_error_bound"].sel(quantile=[0.05, 0.5, 0.95]).max())
        diff = np.abs(streamed[v + "_mcse"] - exact[v + "_mcse"]).sel(quantile=[0.05, 0.5, 0.95])
        assert float(diff.max()) <= 2 * bound, v


def test_histogram_quantiles_on_known_data():
    """Heavy tails beyond the pilot's range, a constant cell, many probabilities."""
    rng = np.random.default_rng(2024)
    pilot = np.column_stack([rng.normal(size=5_000), rng.lognormal(0, 2, size=5_000), np.full(5_000, 3.25)])
    later = np.column_stack(
        [rng.normal(scale=3, size=20_000), rng.lognormal(0, 2.5, size=20_000), np.full(20_000, 3.25)]
    )
    edges = Edges.from_pilot(pilot, bins=256)
    stats = block_stats(pilot, edges)
    stats.merge(block_stats(later, edges))
    allv = np.concatenate([pilot, later])
    probs = [0.0, 1e-4, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 0.9999, 1.0]
    est, bound = histogram_quantiles(stats, edges, probs)
    exact = np.quantile(allv, probs, axis=0)
    assert np.all(np.abs(est - exact) <= bound)
    # Inside the pilot range the bound is at most half a bin (plus rounding slack).
    inner = (exact > edges.lo) & (exact < edges.hi)
    assert np.all(bound[inner] <= np.broadcast_to(edges.width / 2 * (1 + 1e-6), bound.shape)[inner])
    np.testing.assert_allclose(stats.mean, allv.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.sd(), allv.std(axis=0, ddof=1), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(stats.positive, (allv > 0).sum(axis=0))
    assert stats.hist.sum() == allv.size


def test_workers_do_not_change_numbers(default_assumptions):
    kw = dict(draws=2 * 65_536 + 10, rng=4, variables=["shortfall_all_periods", "input_value"])
    one = simulate_summary(default_assumptions, workers=1, **kw)
    two = simulate_summary(default_assumptions, workers=2, **kw)
    for v in one.data_vars:
        np.testing.assert_array_equal(one[v].values, two[v].values)


def test_sobol_streams_the_same_draws(default_assumptions):
    n = 65_536 + 1_000
    streamed = simulate_summary(default_assumptions, n, rng=9, method="sobol", variables=["shortfall_all_periods"])
    ds = nplv_sim.simulate(default_assumptions, n, rng=9, method="sobol")
    np.testing.assert_allclose(
        streamed["shortfall_all_periods_mean"], ds["shortfall_all_periods"].mean("draw"), rtol=1e-10
    )
    exact = ds["shortfall_all_periods"].quantile([0.05, 0.5, 0.95], dim="draw")
    err = np.abs(streamed["shortfall_all_periods"].sel(quantile=[0.05, 0.5, 0.95]) - exact)
    assert bool((err <= streamed["shortfall_all_periods_quantile_error_bound"].sel(quantile=[0.05, 0.5, 0.95])).all())


def test_memory_does_not_grow_with_draws(default_assumptions):
    """Peak traced memory for 3 blocks is about that for 1 block (simulate's grows 3x)."""

    def peak(draws: int) -> int:
        tracemalloc.start()
        simulate_summary(default_assumptions, draws, rng=1, variables=["shortfall_all_periods"])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    simulate_summary(default_assumptions, 10, rng=1, variables=["shortfall_all_periods"])  # warm caches
    one, three = peak(65_536), peak(3 * 65_536)
    assert three < 1.3 * one, (one, three)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draws": 0}, "draws"),
        ({"draws": 10, "quantiles": [1.5]}, "quantiles"),
        ({"draws": 10, "variables": ["no_such_variable"]}, "no_such_variable"),
        ({"draws": 10, "method": "halton"}, "halton"),
        ({"draws": 10, "workers": 0}, "workers"),
    ],
)
def test_errors(default_assumptions, kwargs, match):
    with pytest.raises(NplvError, match=match):
        simulate_summary(default_assumptions, **kwargs)


def test_write_draws_in_files_equals_simulate(default_assumptions, tmp_path):
    import xarray as xr

    from nplv_sim.draw_files import write_draws
    from nplv_sim.errors import OutputExistsError

    n = 65_536 + 2_000
    paths = write_draws(default_assumptions, n, tmp_path, rng=6, blocks_per_file=1)
    assert [p.name for p in paths] == ["draws-00000.nc", "draws-00001.nc"]
    parts = [xr.open_dataset(p) for p in paths]
    assert [p.attrs["draw_start"] for p in parts] == [0, 65_536]
    assert all(p.attrs["n_draws_total"] == n for p in parts)
    whole = nplv_sim.simulate(default_assumptions, n, rng=6)
    for name, da in whole.data_vars.items():
        if "draw" in da.dims:
            joined = xr.concat([p[name] for p in parts], dim="draw").transpose(*da.dims)  # files hold draw last
            np.testing.assert_array_equal(joined.values, da.values, err_msg=name)
    np.testing.assert_array_equal(xr.concat([p["draw"] for p in parts], dim="draw").values, np.arange(n))
    for p in parts:
        p.close()
    with pytest.raises(OutputExistsError):
        write_draws(default_assumptions, n, tmp_path, rng=6, blocks_per_file=1)


def test_streamed_block_values_equal_simulate(default_assumptions):
    """The values the streamed statistics see are simulate()'s draws of the same block."""
    from nplv_sim.core.engine import BLOCK_SIZE, Block
    from nplv_sim.simulation import plan_run
    from nplv_sim.streaming import block_values

    plan = plan_run(default_assumptions, rng=12, detail=True)
    values = block_values(plan, Block(1, BLOCK_SIZE, 3_000))
    whole = nplv_sim.simulate(default_assumptions, BLOCK_SIZE + 3_000, rng=12, detail=True)
    for var, got in zip(plan.variables, values, strict=True):
        want = whole[var.name].isel(draw=slice(BLOCK_SIZE, None)).transpose("draw", *var.dims).values
        np.testing.assert_array_equal(got, want.reshape(3_000, -1), err_msg=var.name)
