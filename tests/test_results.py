"""The results Dataset: dims, coords, units, provenance, summaries."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import nplv_sim
from nplv_sim.summary import quantile_mcse


@pytest.fixture(scope="module")
def run(default_assumptions):
    return nplv_sim.simulate(default_assumptions, 20_000, rng=3)


def test_shortfall_dims_and_coords(run):
    sf = run["shortfall"]
    assert sf.dims == ("draw", "pillar", "period", "scope", "netting")
    assert list(run["pillar"].values) == ["physical", "social"]
    assert list(run["period"].values) == ["P1", "P2"]
    assert list(run["scope"].values) == ["total", "rijk"]
    assert list(run["netting"].values) == ["pillar", "component"]
    assert list(run["period_years"].values) == [4, 6]


def test_every_amount_has_units_and_both_languages(run):
    for name, da in run.data_vars.items():
        if name.startswith("correlation"):
            continue
        assert da.attrs.get("units"), name
        assert da.attrs.get("long_name_nl") and da.attrs.get("long_name_en"), name


def test_provenance(run, default_assumptions):
    attrs = run.attrs
    assert attrs["assumptions_sha256"] == default_assumptions.sha256 and len(attrs["assumptions_sha256"]) == 64
    assert attrs["n_draws"] == 20_000 and attrs["sampling_method"] == "random" and attrs["seed_entropy"] == "3"
    for key in ("nplv_sim_version", "created", "history", "facts_sha256", "Conventions"):
        assert attrs[key]


def test_identities_between_variables(run):
    np.testing.assert_allclose(run["shortfall_all_pillars"], run["shortfall"].sum("pillar"))
    np.testing.assert_allclose(
        run["shortfall"].sel(netting="pillar"), run["need"] - run["funding"], rtol=1e-12, atol=1e-9
    )
    per_year = run["shortfall_all_pillars"] / run["period_years"]
    np.testing.assert_allclose(run["shortfall_per_year"], per_year)


def test_rijk_at_most_total_for_need(run):
    need = run["need"]
    assert bool((need.sel(scope="rijk") <= need.sel(scope="total") + 1e-9).all())


def test_summary_quantiles_equal_numpy_quantiles(run):
    s = nplv_sim.summarize(run)
    draws = run["shortfall"].sel(pillar="social", period="P2", scope="rijk", netting="pillar").values
    np.testing.assert_allclose(
        s["shortfall"].sel(pillar="social", period="P2", scope="rijk", netting="pillar").values,
        np.quantile(draws, [0.05, 0.15, 0.5, 0.85, 0.95]),
    )
    assert float(
        s["shortfall_prob_positive"].sel(pillar="social", period="P2", scope="rijk", netting="pillar")
    ) == np.mean(draws > 0)
    assert list(s["quantile"].values) == [0.05, 0.15, 0.5, 0.85, 0.95]


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 4097, 30_001])
def test_sample_quantiles_equal_numpys(n):
    """Selection of only the needed order statistics gives np.quantile exactly: ends, ties,
    neighbouring quantiles (one group) and distant ones, several rows, integers."""
    from nplv_sim.core.quantiles import GROUP_GAP, sample_quantiles

    y = np.random.default_rng(n).normal(size=(3, 2, n))
    y[0, 0] = 5.0  # ties
    # ranks GROUP_GAP apart (one group) and GROUP_GAP + 1 apart (two), where n allows
    r = (n - 1) // 2
    close = [min(1.0, (r + step + 0.5) / max(n - 1, 1)) for step in (GROUP_GAP + 1, 2 * GROUP_GAP + 3)]
    for probs in ([0.85, 0.5, 0.05, 0.95, 0.15, 0.05, 0.5001], [0.0, 1.0], [0.5, *close], [0.999], [0.001]):
        np.testing.assert_array_equal(sample_quantiles(y, probs), np.quantile(y, probs, axis=-1), err_msg=str(probs))
    assert sample_quantiles(y, []).shape == np.quantile(y, [], axis=-1).shape == (0, 3, 2)
    ints = np.random.default_rng(n).integers(0, 50, size=(4, n))
    np.testing.assert_array_equal(sample_quantiles(ints, [0.3, 0.7]), np.quantile(ints, [0.3, 0.7], axis=-1))


def test_order_statistics_equal_a_full_sort():
    from nplv_sim.core.quantiles import order_statistics

    y = np.random.default_rng(5).lognormal(size=(2, 50_000))
    ranks = np.array([0, 1, 2, 900, 2_000, 2_001, 24_999, 25_000, 49_998, 49_999])
    np.testing.assert_array_equal(order_statistics(y, ranks), np.sort(y, axis=-1)[..., ranks])
    before = y.copy()
    order_statistics(y, ranks)
    np.testing.assert_array_equal(y, before)  # works on a copy


def test_quantile_mcse_matches_the_analytic_error_of_a_normal_sample():
    import xarray as xr

    n = 40_000
    x = xr.DataArray(np.random.default_rng(0).standard_normal(n), dims="draw")
    q = np.array([0.05, 0.5, 0.85])
    got = quantile_mcse(x, q).values
    analytic = np.sqrt(q * (1 - q) / n) / stats.norm.pdf(stats.norm.ppf(q))
    np.testing.assert_allclose(got, analytic, rtol=0.2)


def test_declared_and_achieved_correlations_reported(run):
    declared = run["correlation_declared"]
    achieved = run["correlation_achieved"]
    pair = {"corr_input": "est_new_build_p1", "corr_input_other": "est_new_build_p2"}
    assert float(declared.sel(pair)) == 0.5
    assert abs(float(achieved.sel(pair)) - 0.5) < 5 * (1 - 0.25) / np.sqrt(20_000)


def test_deterministic_run_holds_inputs_at_baseline(baseline_ds, default_assumptions):
    values = baseline_ds["input_value"].squeeze().values
    np.testing.assert_array_equal(values, [i.baseline for i in default_assumptions.inputs])


def test_results_file_stores_engine_arrays_and_regenerates_the_rest_bit_for_bit(default_assumptions, tmp_path):
    """results.nc leaves out what the seed regenerates; regenerate() gives identical arrays."""
    import xarray as xr

    from nplv_sim.output import NETCDF_CHUNK_DRAWS, write_netcdf
    from nplv_sim.simulation import regenerate, stored

    ds = nplv_sim.simulate(default_assumptions, 70_000, rng=3, method="lhs")
    path = tmp_path / "results.nc"
    write_netcdf(stored(ds), path)
    on_disk = xr.load_dataset(path)
    left_out = on_disk.attrs["regenerable_variables"].split(",")
    assert {"input_value", "shortfall_all_pillars", "shortfall_by_year"} <= set(left_out)
    assert not set(left_out) & set(on_disk.data_vars)
    # draw last, one cell per chunk: each chunk is one contiguous stretch of the engine's arrays
    for name, da in on_disk.data_vars.items():
        if "draw" in da.dims:
            assert da.dims[-1] == "draw", name
            one_cell = (1,) * (da.ndim - 1) + (min(NETCDF_CHUNK_DRAWS, da.sizes["draw"]),)
            assert da.encoding["chunksizes"] == one_cell, name
    per_draw = sum(on_disk[v].dtype.itemsize * on_disk[v].size for v in on_disk.data_vars) / ds.sizes["draw"]
    full = sum(ds[v].dtype.itemsize * ds[v].size for v in ds.data_vars) / ds.sizes["draw"]
    assert per_draw <= full / 2
    back = regenerate(on_disk, default_assumptions)
    for name, da in ds.data_vars.items():
        np.testing.assert_array_equal(back[name].transpose(*da.dims).values, da.values, err_msg=name)


def test_keep_groups_store_regenerable_variables(default_assumptions):
    from nplv_sim.simulation import stored

    ds = nplv_sim.simulate(default_assumptions, 1_000, rng=3)
    assert "input_value" in stored(ds, ["inputs"]) and "shortfall_all_pillars" not in stored(ds, ["inputs"])
    assert "shortfall_all_pillars" in stored(ds, ["derived"])
    with pytest.raises(ValueError, match="unknown group"):
        stored(ds, ["everything"])


def test_a_new_registry_entry_reaches_every_run_mode(default_assumptions, monkeypatch):
    """docs/outputs.md: adding an output variable is one registry entry, nothing else."""
    from nplv_sim import outputs
    from nplv_sim.streaming import simulate_summary

    share = outputs.OutputVariable(
        "rijk_share_of_shortfall",
        ("period", "netting"),
        "Rijk share",
        "Rijksaandeel",
        "Rijk / total.",
        lambda t, _: t["shortfall_all_pillars"][:, 1] / t["shortfall_all_pillars"][:, 0],
        store="derived",
        units="1",
    )
    monkeypatch.setattr(outputs, "REGISTRY", (*outputs.REGISTRY, share))
    ds = nplv_sim.simulate(default_assumptions, 3_000, rng=5)
    rijk = ds["shortfall_all_pillars"].sel(scope="rijk") / ds["shortfall_all_pillars"].sel(scope="total")
    np.testing.assert_allclose(
        ds["rijk_share_of_shortfall"].values, rijk.transpose(*ds["rijk_share_of_shortfall"].dims)
    )
    assert ds["rijk_share_of_shortfall"].attrs["long_name_nl"] == "Rijksaandeel"
    assert "rijk_share_of_shortfall" in nplv_sim.summarize(ds)
    streamed = simulate_summary(default_assumptions, 3_000, rng=5, variables=["rijk_share_of_shortfall"])
    np.testing.assert_allclose(streamed["rijk_share_of_shortfall_mean"], ds["rijk_share_of_shortfall"].mean("draw"))


def test_a_run_that_does_not_show_the_inputs_keeps_only_the_first_and_redraws_any_other(default_assumptions):
    from nplv_sim.simulation import ACHIEVED_SAMPLE, _inputs_at, plan_run, run_kept

    n = 70_000  # two blocks, the second one short
    full = nplv_sim.simulate(default_assumptions, n, rng=3, method="lhs")["input_value"].values  # (draw, input)
    plan = plan_run(default_assumptions, 3, "lhs", variables=["shortfall"])
    x, engine = run_kept(plan, n)
    assert x.shape == (full.shape[1], ACHIEVED_SAMPLE)
    np.testing.assert_array_equal(x, full[:ACHIEVED_SAMPLE].T)
    at = _inputs_at(plan, x, n)
    for draw in (5, 65_535, 65_600, n - 1):
        np.testing.assert_array_equal(at(draw), full[draw])
