"""Model corrections of issue 11, each against a case computed by hand from the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nplv_sim
from nplv_sim.scenarios import apply_scenario
from nplv_sim.tomlreader import read_toml

SHIPPED = Path(__file__).resolve().parents[1] / "distributions"


def _overlay(base, tmp: Path, body: str):
    """Apply a scenario written inline (fixed values for some inputs)."""
    path = tmp / "case.toml"
    path.write_text('schema = "nplv-sim/scenario/1"\nlabel_nl = "t"\nlabel_en = "t"\nsource = "test"\n' + body)
    return apply_scenario(path, read_toml(path), base)


def _cell(ds, var, pillar, period, scope):
    return float(ds[var].sel(pillar=pillar, period=period, scope=scope, netting="pillar").squeeze())


def test_housing_starts_drive_funding_and_new_build_need(default_assumptions, tmp_path):
    a = _overlay(
        default_assumptions,
        tmp_path,
        '[inputs.realisatiestimulans_housing_starts]\ndistribution = "fixed"\nvalue = 0.8\n',
    )
    ds = nplv_sim.simulate(a, 1, rng=0, deterministic=True)
    # By hand: 20 % of the 445 P1 new-build need (89) moves to P2; Realisatiestimulans pays
    # 0.8 x (145 + 145) = 232 instead of 290. Rijk key of new build 50 % (fn. 4).
    assert _cell(ds, "shortfall", "physical", "P1", "total") == pytest.approx(3050 - 89 - (675 - 58), abs=1e-9)
    assert _cell(ds, "shortfall", "physical", "P1", "rijk") == pytest.approx(1358.75 - 44.5 - (485 - 29), abs=1e-9)
    assert _cell(ds, "shortfall", "physical", "P2", "total") == pytest.approx(2165 + 89 - 145, abs=1e-9)
    assert _cell(ds, "shortfall", "physical", "P2", "rijk") == pytest.approx(1191.25 + 44.5 - 95, abs=1e-9)
    # Nothing is lost: 2026-2035 need is unchanged.
    need = ds["need"].sel(pillar="physical", scope="total").sum("period")
    assert float(need.squeeze()) == pytest.approx(3050 + 2165, abs=1e-9)


def test_housing_starts_are_not_correlated_with_the_estimate(default_assumptions):
    for c in default_assumptions.correlations:
        assert "realisatiestimulans_housing_starts" not in c.inputs
    x = default_assumptions.input("realisatiestimulans_housing_starts")
    assert x.effect == "starts_realisation" and tuple(x.targets["periods"]) == ("P1", "P2")


def test_funderingsherstel_halves_have_their_own_rijk_share(default_assumptions, tmp_path):
    a = _overlay(
        default_assumptions,
        tmp_path,
        '[inputs.funderingsherstel_total]\ndistribution = "fixed"\nvalue = 1000\n'
        '[inputs.funderingsherstel_rijk_share_vulnerable]\ndistribution = "fixed"\nvalue = 0.6\n'
        '[inputs.funderingsherstel_rijk_share_other]\ndistribution = "fixed"\nvalue = 0.1\n',
    )
    ds = nplv_sim.simulate(a, 1, rng=0, deterministic=True)
    add = ds["shortfall_incl_addons"] - ds["shortfall"]
    # By hand: 1,000 split 50/50; Rijk 500 x 0.6 + 500 x 0.1 = 350; P1 gets 4 of 10 years.
    assert float(add.sel(pillar="physical", period="P1", scope="total", netting="pillar").squeeze()) == pytest.approx(
        400
    )
    assert float(add.sel(pillar="physical", period="P1", scope="rijk", netting="pillar").squeeze()) == pytest.approx(
        140
    )
    assert float(add.sel(pillar="physical", period="P2", scope="rijk", netting="pillar").squeeze()) == pytest.approx(
        210
    )


def test_funderingsherstel_shares_reach_zero(default_assumptions):
    for name in ("funderingsherstel_rijk_share_vulnerable", "funderingsherstel_rijk_share_other"):
        lo, hi = default_assumptions.input(name).law.support()
        assert lo == 0.0 and hi <= 0.7


def test_spuk_realisation_never_exceeds_one(default_assumptions):
    law = default_assumptions.input("spuk_amount").law
    assert law.support()[1] == 1.0
    ds = nplv_sim.simulate(default_assumptions, 5_000, rng=8)
    assert float(ds["input_value"].sel(input="spuk_amount").max()) <= 1.0


def test_p2_social_need_is_the_stated_2120_with_an_unallocated_row(baseline_ds, default_assumptions):
    # Table 11: rows sum to 2,115, stated total 2,120 (Rijk 1,590); Table 16: 2,115 / 1,585.
    rows = sum(
        c.need["P2"]
        for c in default_assumptions.facts.components
        if c.pillar == "social" and c.name != "social_unallocated"
    )
    assert rows == 2115
    assert float(baseline_ds["need"].sel(pillar="social", period="P2", scope="total").squeeze()) == 2120
    assert float(baseline_ds["need"].sel(pillar="social", period="P2", scope="rijk").squeeze()) == 1590
    assert _cell(baseline_ds, "shortfall", "social", "P2", "total") == 2115
    assert _cell(baseline_ds, "shortfall", "social", "P2", "rijk") == 1585


def test_p2_social_driver_counted_once(default_assumptions):
    # The P2 theme errors are not correlated among themselves; the shared driver is U5.
    p2 = {
        x.name
        for x in default_assumptions.inputs
        if x.name.startswith("est_") and x.name.endswith("_p2") and x.group == "U4"
    }
    social = {
        n for n in p2 if any(t in n for t in ("safety", "work_income", "education", "health_care", "social_governance"))
    }
    for c in default_assumptions.correlations:
        assert len(social & set(c.inputs)) <= 1, c.inputs
    # Effective correlation between two themes on the log scale, from the laws' sigmas
    # (an oracle independent of the sampler), against the draws.
    s5 = default_assumptions.input("social_p2_persistence").law.sigma
    s4 = default_assumptions.input("est_safety_p2").law.sigma
    expected = s5**2 / (s5**2 + s4**2)
    assert "0.27" in default_assumptions.input("social_p2_persistence").rationale and round(expected, 2) == 0.27
    n = 20_000
    ds = nplv_sim.simulate(default_assumptions, n, rng=12)
    x = ds["input_value"]
    a = np.log(x.sel(input="social_p2_persistence").values * x.sel(input="est_safety_p2").values)
    b = np.log(x.sel(input="social_p2_persistence").values * x.sel(input="est_education_p2").values)
    got = float(np.corrcoef(a, b)[0, 1])
    assert abs(got - expected) <= 4.5 * (1 - expected**2) / np.sqrt(n)


def test_wbi_is_not_in_the_default_run(default_assumptions):
    wbi = default_assumptions.input("wbi_allocation_fraction")
    assert not wbi.enabled and wbi.baseline == 0.0 and "Not yet arranged" in wbi.rationale
    ds = nplv_sim.simulate(default_assumptions, 2_000, rng=3)
    assert float(np.abs(ds["input_value"].sel(input="wbi_allocation_fraction")).max()) == 0.0


def test_table2_split_is_in_the_facts_and_top_down_is_wider(default_assumptions):
    split = default_assumptions.facts.figures["table2_split"]
    assert split["bottom_up"] + split["top_down"] == split["total"] == 3050
    top_down = default_assumptions.input("est_social_housing_p1").law.sigma
    bottom_up = default_assumptions.input("est_public_space_p1").law.sigma
    assert top_down > bottom_up


def test_the_bottom_up_housing_part_has_its_own_narrower_error(default_assumptions, tmp_path):
    a = _overlay(
        default_assumptions, tmp_path, '[inputs.est_housing_bottom_up_p1]\ndistribution = "fixed"\nvalue = 1.1\n'
    )
    ds = nplv_sim.simulate(a, 1, rng=0, deterministic=True)
    # By hand: +10 % on the bottom-up 1,070 of the 2,655 P1 housing need (Table 2) = +107.
    need = float(ds["need"].sel(pillar="physical", period="P1", scope="total").squeeze())
    assert need == pytest.approx(3050 + 107, abs=0.01)
    a = _overlay(default_assumptions, tmp_path, '[inputs.est_new_build_p1]\ndistribution = "fixed"\nvalue = 1.2\n')
    ds = nplv_sim.simulate(a, 1, rng=0, deterministic=True)
    # +20 % on the add-on part of new build: 445 x (1 - 1,070 / 2,655) x 0.2 = 53.13.
    need = float(ds["need"].sel(pillar="physical", period="P1", scope="total").squeeze())
    assert need == pytest.approx(3050 + 445 * (1 - 1070 / 2655) * 0.2, abs=0.01)
    bottom_up = default_assumptions.input("est_housing_bottom_up_p1")
    assert bottom_up.targets["share"] == pytest.approx(1070 / 2655, abs=1e-6)
    assert bottom_up.law.sigma < default_assumptions.input("est_new_build_p1").law.sigma


@pytest.mark.parametrize(("value", "message"), [("1.5", "share: must be at most 1"), ("0.0", "share: must be above 0")])
def test_a_share_outside_zero_one_is_refused(tmp_path, value, message):
    from nplv_sim.errors import AssumptionsError

    text = (SHIPPED / "rebel_2026_uncertainty.toml").read_text(encoding="utf-8")
    assert text.count("share = 0.4030132") == 1
    (tmp_path / "u.toml").write_text(text.replace("share = 0.4030132", f"share = {value}"), encoding="utf-8")
    (tmp_path / "rebel_2026_facts.toml").write_text((SHIPPED / "rebel_2026_facts.toml").read_text(encoding="utf-8"))
    with pytest.raises(AssumptionsError) as exc:
        nplv_sim.load_assumptions(tmp_path / "u.toml")
    assert exc.value.entry == "inputs.est_housing_bottom_up_p1" and message in str(exc.value)
