"""The uplift layer shown apart: its state on every output, its effect beside the total."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nplv_sim
from nplv_sim.appendix import write_appendix
from nplv_sim.glossary import basis_note
from nplv_sim.provenance import figure_metadata, provenance_csv, provenance_rows
from nplv_sim.scenarios import load_scenario
from nplv_sim.simulation import plan_run, simulate_plan
from nplv_sim.summary import summarize
from nplv_sim.tables import summary_rows, summary_text
from nplv_sim.uplift import layer_state, simulate_without, split_summary

UPLIFT = "optimism_bias_uplift"


def _run_without(default_assumptions, draws: int, seed: int, method: str = "random"):
    """The oracle for "the same draws without the layer", built apart from nplv_sim.uplift: the
    shipped assumptions (layer off) drawing the uplift input's random numbers too. The runs
    it is compared with differ from the shipped file only by switching the layer on."""
    return simulate_plan(plan_run(default_assumptions, seed, method, also_draw={UPLIFT}), draws)


def _fixed_uplift(base, value: float, folder):
    """The uplift layer on with a fixed multiplier ``value`` on all need (baseline ``value`` too)."""
    path = folder / "fixed_uplift.toml"
    path.write_text(f'''schema = "nplv-sim/scenario/1"
label_nl = "Vaste opslag"
label_en = "Fixed uplift"
source = "test"

[inputs.{UPLIFT}]
enabled = true
distribution = "fixed"
value = {value}
baseline = {value}
''')
    return load_scenario(path, base)


@pytest.fixture(scope="module")
def uplift_on(default_assumptions):
    return load_scenario("optimism_bias", default_assumptions)


def test_the_state_is_recorded_on_the_dataset(default_assumptions, uplift_on):
    off = nplv_sim.simulate(default_assumptions, 200, rng=1)
    on = nplv_sim.simulate(uplift_on, 200, rng=1)
    assert off.attrs["uplift_layer"] == "off"
    assert on.attrs["uplift_layer"] == f"on: {UPLIFT}"
    assert layer_state(default_assumptions) == "off"


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_without_the_layer_every_other_input_draws_the_same_numbers(uplift_on, method):
    with_ = nplv_sim.simulate(uplift_on, 3000, rng=7, method=method)
    without = simulate_without(with_, uplift_on, ["input_value"])
    x_with = with_["input_value"].values
    x_without = without["input_value"].values
    names = list(with_["input"].values)
    k = names.index(UPLIFT)
    others = [i for i in range(len(names)) if i != k]
    np.testing.assert_array_equal(x_without[:, others], x_with[:, others])  # draw for draw, bit for bit
    assert np.all(x_without[:, k] == 1.0)
    assert x_with[:, k].std() > 0.05  # the layer was drawn in the run with it


def test_a_fixed_uplift_of_1_2_adds_a_fifth_of_the_need(default_assumptions, tmp_path):
    """Hand computation: with every input at baseline, all need x 1.2 raises each pillar's
    remaining need by 0.2 x its gross need (the funding is unchanged and the remaining need
    stays positive), in both scopes."""
    base = nplv_sim.simulate(default_assumptions, 1, rng=0, deterministic=True)
    on = _fixed_uplift(default_assumptions, 1.2, tmp_path)
    ds = nplv_sim.simulate(on, 1, rng=0, deterministic=True)
    summary = split_summary(summarize(ds, [0.5]), ds, on, ["shortfall", "shortfall_all_pillars"])
    need = base["need"].isel(draw=0)  # (pillar, period, scope), headline basis
    assert float(base["shortfall"].isel(draw=0).sel(netting="pillar").min()) > 0
    expected = 0.2 * need
    got = summary["shortfall_uplift"].sel(quantile=0.5, netting="pillar")
    np.testing.assert_allclose(got.transpose(*expected.dims), expected, rtol=1e-12)
    np.testing.assert_allclose(summary["shortfall_all_pillars_uplift"].sel(quantile=0.5, netting="pillar"),
                               expected.sum("pillar"), rtol=1e-12)
    # "without" is exactly the run with the layer off, "with" minus "without" is the effect
    np.testing.assert_array_equal(summary["shortfall_without_uplift"].sel(quantile=0.5).values,
                                  base["shortfall"].isel(draw=0).transpose(*summary["shortfall"].dims[1:]).values)


def test_the_difference_is_the_quantile_with_minus_without(default_assumptions, uplift_on):
    ds = nplv_sim.simulate(uplift_on, 4000, rng=3)
    summary = split_summary(summarize(ds, [0.5, 0.85], variables=["shortfall_all_pillars"]), ds, uplift_on)
    without = _run_without(default_assumptions, 4000, 3)
    for q in (0.5, 0.85):
        a = ds["shortfall_all_pillars"].quantile(q, "draw")
        b = without["shortfall_all_pillars"].quantile(q, "draw")
        np.testing.assert_allclose(summary["shortfall_all_pillars_without_uplift"].sel(quantile=q), b, rtol=1e-12)
        np.testing.assert_allclose(summary["shortfall_all_pillars_uplift"].sel(quantile=q), a - b, rtol=1e-9,
                                   atol=1e-9)
    # the layer only adds need: its effect on every quantile is positive
    assert float(summary["shortfall_all_pillars_uplift"].sel(netting="pillar").min()) > 0


def test_with_the_layer_off_nothing_is_added(default_assumptions):
    ds = nplv_sim.simulate(default_assumptions, 500, rng=2)
    summary = summarize(ds)
    assert split_summary(summary, ds, default_assumptions) is summary
    rows = summary_rows(summary)
    assert not any(k.endswith("_uplift") for k in rows[0]) and rows[0]["uplift_layer"] == "off"
    text = summary_text(summary)
    assert "Optimism-bias uplift: off" in text and "of which" not in text
    assert ("Opslag optimisme-bias", "uit") in provenance_rows(ds, "nl")
    assert "uplift layer off" in figure_metadata(ds)["Source"]
    assert basis_note("nl", uplift="off").endswith("Opslag optimisme-bias: uit.")


def test_with_the_layer_on_tables_show_it_apart(uplift_on, tmp_path):
    ds = nplv_sim.simulate(uplift_on, 2000, rng=5)
    summary = split_summary(summarize(ds), ds, uplift_on)
    row = summary_rows(summary)[0]
    assert {"p50_without_uplift", "p50_uplift", "p50_uplift_mcse"} <= set(row)
    text = summary_text(summary)
    assert f"Optimism-bias uplift: on ({UPLIFT})" in text and "of which" in text
    assert ("Opslag optimisme-bias", f"aan ({UPLIFT})") in provenance_rows(ds, "nl")
    assert f"uplift,on: {UPLIFT}" in provenance_csv(ds)
    assert "Opslag optimisme-bias: aan" in basis_note("nl", uplift=ds.attrs["uplift_layer"])
    written = write_appendix(ds, tmp_path / "bijlage", published=uplift_on.facts.published,
                             without=simulate_without(ds, uplift_on), formats=("csv", "csv_nl", "xlsx"))
    assert "p85_uplift" in written[0].read_text().splitlines()[0]
    assert "P85 waarvan opslag optimisme-bias (€ mln.)" in written[1].read_text(encoding="utf-8-sig").splitlines()[0]
    import openpyxl

    wb = openpyxl.load_workbook(written[2])
    assert wb.sheetnames[1] == "Opslag optimisme-bias"
    sheet, main = wb.worksheets[1], wb.worksheets[0]
    # row 2, P50 (5 quantiles x without/with/of which from column E): with = the main sheet's
    # P50, and without + of which = with, to the sheet's rounding
    assert [c.value for c in sheet[1]][11] == "P50 met opslag (€ mln.)"
    p50_without, p50_with, p50_of_which = (sheet.cell(2, c).value for c in (11, 12, 13))
    assert p50_with == main.cell(2, 7).value
    assert p50_with == pytest.approx(p50_without + p50_of_which, abs=0.11)
    assert p50_of_which > 0
    assert any("Opslag optimisme-bias: aan" in str(r[0].value) for r in wb.worksheets[3].iter_rows())


def test_budget_shows_the_layer_apart_on_the_same_draws(tmp_path, default_assumptions, capsys):
    """`budget --scenario optimism_bias`: the budget without the layer is the quantile of the
    run with the uplift held at 1 (an independent run of the same seed), and the uplift's
    part is the difference."""
    import csv

    from nplv_sim.cli import main
    from nplv_sim.core.methods import CLI_DEFAULT_METHOD

    out = tmp_path / "b"
    assert main(["budget", "--draws", "2000", "--seed", "3", "--scenario", "optimism_bias", "--out", str(out)]) == 0
    assert "Optimism-bias uplift: on (optimism_bias_uplift)" in capsys.readouterr().out
    rows = list(csv.DictReader((out / "budget.csv").open(encoding="utf-8")))
    without = _run_without(default_assumptions, 2000, 3, CLI_DEFAULT_METHOD)
    da = without["shortfall_all_pillars"].sel(netting="pillar")
    checked = 0
    for r in rows:
        assert r["uplift_layer"] == f"on: {UPLIFT}"
        if r["horizon"] in ("P1", "P2"):
            expect = float(np.quantile(da.sel(period=r["horizon"], scope=r["scope"]).values, float(r["confidence"])))
            assert float(r["budget_without_uplift"]) == pytest.approx(expect, rel=1e-5)
            checked += 1
    assert checked == 12
    assert main(["budget", "--draws", "500", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert "Optimism-bias uplift: off" in text and "of which" not in text


def test_scenarios_show_the_layer_apart(default_assumptions):
    """The scenario optimism_bias only switches the layer on, so its run without the layer is
    the baseline's run, draw for draw (common random numbers)."""
    from nplv_sim.comparison import simulate_scenarios

    ds = simulate_scenarios(default_assumptions, ["optimism_bias", "coalition_135"], 1500, rng=4)
    assert list(ds["scenario_uplift_layer"].values) == ["off", f"on: {UPLIFT}", "off"]
    for var in ("shortfall_all_pillars", "shortfall_all_pillars_incl_addons"):
        wo = ds[f"{var}_without_uplift"]
        np.testing.assert_array_equal(wo.sel(scenario="optimism_bias").values, ds[var].sel(scenario="baseline").values)
        np.testing.assert_array_equal(wo.sel(scenario="coalition_135").values,
                                      ds[var].sel(scenario="coalition_135").values)
    assert ds.attrs["uplift_layer"] == f"on: {UPLIFT}"  # the file's own state: on where any scenario has it
    off = simulate_scenarios(default_assumptions, ["coalition_135"], 300, rng=4)
    assert "shortfall_all_pillars_without_uplift" not in off and off.attrs["uplift_layer"] == "off"


def test_run_on_a_file_with_the_layer_on(tmp_path, capsys):
    """`nplv-sim run` on an uncertainty file that switches the layer on: summary.csv carries
    the split, the terminal shows it, results.nc records the state."""
    import csv
    import shutil

    import xarray as xr

    from nplv_sim.cli import main
    from nplv_sim.core.methods import CLI_DEFAULT_METHOD

    src = Path(nplv_sim.load_assumptions().path).parent
    shutil.copy(src / "rebel_2026_facts.toml", tmp_path)
    text = (src / "rebel_2026_uncertainty.toml").read_text(encoding="utf-8")
    head, tail = text.split(f"[inputs.{UPLIFT}]", 1)
    tail = tail.replace("enabled = false", "enabled = true", 1)
    (tmp_path / "on.toml").write_text(f"{head}[inputs.{UPLIFT}]{tail}", encoding="utf-8")
    assert main(["run", str(tmp_path / "on.toml"), "--draws", "2000", "--seed", "6", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert f"Optimism-bias uplift: on ({UPLIFT})" in out and "P50 of which" in out
    rows = list(csv.DictReader((tmp_path / "r" / "summary.csv").open(encoding="utf-8")))
    row = next(r for r in rows if r["variable"] == "shortfall_all_periods" and r["scope"] == "rijk"
               and r["netting"] == "pillar")
    without = _run_without(nplv_sim.load_assumptions(), 2000, 6, CLI_DEFAULT_METHOD)
    expect = float(without["shortfall_all_periods"].sel(scope="rijk", netting="pillar").quantile(0.85))
    assert float(row["p85_without_uplift"]) == pytest.approx(expect, rel=1e-5)
    with xr.open_dataset(tmp_path / "r" / "results.nc") as ds:
        assert ds.attrs["uplift_layer"] == f"on: {UPLIFT}"


def test_the_standard_error_of_the_split_matches_its_spread_over_seeds(uplift_on):
    """Batch-means standard error of 'of which the layer' (P85, Rijk, 2026-2035) against the
    standard deviation of that difference over 20 independent seeds: their ratio lies near 1
    (the batch estimate's own error is ~24 % per run, ~5 % averaged over 20; the spread's
    ~16 %), and would be ~3 if the division by sqrt(batches) were missing."""
    effects, errors = [], []
    for seed in range(20):
        ds = nplv_sim.simulate(uplift_on, 4000, rng=100 + seed, method="random")
        s = split_summary(summarize(ds, [0.85], variables=["shortfall_all_periods"]), ds, uplift_on)
        cell = {"quantile": 0.85, "scope": "rijk", "netting": "pillar"}
        effects.append(float(s["shortfall_all_periods_uplift"].sel(cell)))
        errors.append(float(s["shortfall_all_periods_uplift_mcse"].sel(cell)))
    ratio = np.mean(errors) / np.std(effects, ddof=1)
    assert 0.6 < ratio < 1.6, ratio
