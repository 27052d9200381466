"""Scenarios with common random numbers, the year profile and the policy answers."""

from __future__ import annotations

import numpy as np
import pytest

import nplv_sim
from nplv_sim.comparison import simulate_scenarios
from nplv_sim.errors import AssumptionsError
from nplv_sim.policy import (
    OVERALL,
    budget_for_confidence,
    by_horizon,
    coverage_over_years,
    coverage_probability,
    double_counting,
    parse_budget,
)
from nplv_sim.scenarios import list_scenarios, load_scenario
from nplv_sim.simulation import plan_run, simulate_plan

NOOP = 'schema = "nplv-sim/scenario/1"\nlabel_nl = "niets"\nlabel_en = "nothing"\nsource = "test"\n'


def test_shipped_scenarios_load(default_assumptions):
    names = {p.stem for p in list_scenarios()}
    assert {"coalition_135", "azwa", "wbi_pro_rata", "excluding_vat", "without_funderingsherstel"} <= names
    for p in list_scenarios():
        assert load_scenario(p, default_assumptions).scenario == p.stem


def test_a_scenario_that_changes_nothing_differs_by_exactly_zero(default_assumptions, tmp_path):
    (tmp_path / "noop.toml").write_text(NOOP)
    ds = simulate_scenarios(default_assumptions, [tmp_path / "noop.toml", "excluding_vat"], 3_000, rng=9)
    diff = ds["shortfall_difference"].sel(scenario="noop")
    assert float(np.abs(diff).max()) == 0.0
    # Fixing some inputs leaves every other input's draws untouched (shared streams and copula).
    x = ds["input_value"]
    untouched = [i for i in x["input"].values if not str(i).startswith("vat_")]
    np.testing.assert_array_equal(
        x.sel(scenario="excluding_vat", input=untouched), x.sel(scenario="baseline", input=untouched)
    )


def test_coalition_money_lowers_the_rijk_shortfall_by_its_amount(default_assumptions):
    ds = simulate_scenarios(default_assumptions, ["coalition_135"], 4_000, rng=2)
    diff = ds["shortfall_all_pillars_difference"].sel(scenario="coalition_135", netting="pillar", scope="rijk")
    # 135 in 2029 (P1) and 6 x 135 in P2; Wbi's cap can only give back a little in P2.
    np.testing.assert_allclose(diff.sel(period="P1"), -135.0)
    assert float(diff.sel(period="P2").max()) <= -810 + 43 + 1e-9 and float(diff.sel(period="P2").min()) >= -810 - 1e-9


def test_year_profile_sums_to_period_figures(default_assumptions):
    a = load_scenario("coalition_135", default_assumptions)
    ds = nplv_sim.simulate(a, 2_000, rng=4)
    by_year = ds["shortfall_by_year"]
    assert list(by_year["year"].values) == list(range(2026, 2036))
    for period, years in (("P1", slice(2026, 2029)), ("P2", slice(2030, 2035))):
        np.testing.assert_allclose(
            by_year.sel(year=years).sum("year"),
            ds["shortfall_all_pillars"].sel(period=period, netting="pillar"),
            rtol=1e-12,
        )
    # the money starts in 2029: that year is 135 lower than the other P1 years
    rijk = by_year.sel(scope="rijk")
    np.testing.assert_allclose(rijk.sel(year=2028) - rijk.sel(year=2029), 135.0)


def test_wbi_never_covers_more_than_the_remaining_rijk_need(default_assumptions, tmp_path):
    (tmp_path / "none.toml").write_text(
        NOOP + '\n[inputs.wbi_allocation_fraction]\ndistribution = "fixed"\nvalue = 0.0\n'
    )
    full = load_scenario("wbi_pro_rata", default_assumptions)
    none = load_scenario(tmp_path / "none.toml", default_assumptions)
    shared = {i.name for i in default_assumptions.inputs if i.is_random}
    runs = [simulate_plan(plan_run(v, 8, detail=True, also_draw=shared), 5_000) for v in (full, none)]
    sel = {"component": "new_build", "scope": "rijk"}
    cover = runs[0]["component_funding"].sel(sel) - runs[1]["component_funding"].sel(sel)
    remaining = np.maximum(runs[1]["component_need"].sel(sel) - runs[1]["component_funding"].sel(sel), 0)
    assert float(cover.min()) >= 0
    assert bool((cover <= remaining + 1e-9).all())
    assert float(cover.sel(period="P2").max()) <= 43 + 1e-9 and float(cover.sel(period="P1").max()) == 0


@pytest.fixture(scope="module")
def run(default_assumptions):
    return nplv_sim.simulate(default_assumptions, 20_000, rng=5)


def test_budget_for_confidence_agrees_with_coverage_and_numpy(run, default_assumptions):
    res = budget_for_confidence(run, (0.5, 0.85, 0.95))
    draws = run["shortfall_all_pillars"].sel(period="P2", scope="rijk", netting="pillar").values
    np.testing.assert_allclose(
        res["budget"].sel(horizon="P2", scope="rijk").values, np.quantile(draws, [0.5, 0.85, 0.95])
    )
    n = draws.size
    for c in (0.5, 0.85, 0.95):
        b = float(res["budget"].sel(horizon="P2", scope="rijk", quantile=c))
        budget = parse_budget(f"{b}", default_assumptions)
        p = float(coverage_probability(run, budget).sel(horizon=OVERALL, scope="rijk"))
        assert 0 <= p <= 1
        direct = np.mean(draws <= b)
        assert abs(direct - c) <= 1.0 / n + 1e-12


def test_per_year_budget_is_spread_over_its_years(default_assumptions, run):
    b = parse_budget("135/yr", default_assumptions, "2029-2035")
    assert b.amounts == {"P1": 135.0, "P2": 810.0, OVERALL: 945.0}
    total = parse_budget("945", default_assumptions)
    assert np.isnan(total.amounts["P1"]) and total.amounts[OVERALL] == 945.0
    prob = coverage_probability(run, b)
    overall = by_horizon(run).sel(horizon=OVERALL, scope="rijk")
    assert float(prob.sel(horizon=OVERALL, scope="rijk")) == float((overall <= 945).mean())


@pytest.mark.parametrize("text", ["abc", "-5", "135/week"])
def test_bad_budget_text_is_refused(default_assumptions, text):
    with pytest.raises(nplv_sim.errors.NplvError):
        parse_budget(text, default_assumptions)


def test_cli_budget_and_cover(capsys):
    from nplv_sim.cli import main

    assert main(["budget", "--draws", "3000", "--seed", "1", "--confidence", "0.85"]) == 0
    assert "85 %" in capsys.readouterr().out
    assert (
        main(
            [
                "cover",
                "--budget",
                "135/yr",
                "--years",
                "2029-2035",
                "--draws",
                "3000",
                "--seed",
                "1",
                "--scenario",
                "coalition_135",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "P(covered)" in out and "coalition_135" in out and "S-curve" in out


def test_cover_over_exactly_the_budget_years(default_assumptions, run):
    """135/yr for 2029-2035 against the need of 2029-2035: one year of the first period plus the second."""
    b = parse_budget("135/yr", default_assumptions, "2029-2035")
    prob = coverage_over_years(run, b)
    s = run["shortfall_all_pillars"].sel(netting="pillar", scope="rijk")
    p1, p2 = default_assumptions.facts.periods
    need = s.sel(period="P1") / p1.years + s.sel(period="P2")  # need spread evenly over the period's years
    assert float(prob.sel(scope="rijk")) == pytest.approx(float((need <= 945).mean()), abs=1e-12)
    assert prob.attrs["budget"] == 945 and coverage_over_years(run, parse_budget("945", default_assumptions)) is None


def test_scenario_money_and_a_budget_are_flagged_as_double_counting(default_assumptions):
    from nplv_sim.scenarios import load_scenario

    b = parse_budget("135/yr", default_assumptions, "2029-2035")
    assert double_counting(default_assumptions, b) is None
    warning = double_counting(load_scenario("coalition_135", default_assumptions), b)
    assert "coalition_135" in warning and "twice" in warning


def test_scenario_input_with_an_unknown_field_is_refused_naming_it(default_assumptions, tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(NOOP + '\n[inputs.wbi_allocation_fraction]\ndistribution = "fixed"\nvalue = 0.0\nvlaue = 1.0\n')
    with pytest.raises(AssumptionsError) as err:
        load_scenario(path, default_assumptions)
    message = str(err.value)
    assert "typo.toml" in message and "[inputs.wbi_allocation_fraction]" in message and "vlaue" in message


def test_scenario_keeps_what_it_does_not_change_and_carries_its_labels(default_assumptions, tmp_path):
    path = tmp_path / "fixed.toml"
    path.write_text(NOOP + '\n[inputs.wbi_allocation_fraction]\ndistribution = "fixed"\nvalue = 0.0\n')
    a = load_scenario(path, default_assumptions)
    old, new = default_assumptions.input("wbi_allocation_fraction"), a.input("wbi_allocation_fraction")
    assert new.rationale_nl == old.rationale_nl != "" and new.source_nl == old.source_nl
    assert (new.source, new.effect, dict(new.targets)) == (old.source, old.effect, dict(old.targets))
    assert (a.scenario, a.scenario_label_nl, a.scenario_label_en) == ("fixed", "niets", "nothing")
