"""The calibration anchor: every estimation-error multiplier has median exactly 1.

Checked by sampling (the share of draws below 1 is binomial with p = 1/2 when the median
is 1) and by refusing files that break it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nplv_sim
from nplv_sim.assumptions import estimation_multipliers
from nplv_sim.errors import AssumptionsError

SHIPPED = Path(__file__).resolve().parents[1] / "distributions"
N = 40_000


@pytest.fixture(scope="module")
def draws(default_assumptions):
    return nplv_sim.simulate(default_assumptions, N, rng=1111)


def test_anchor_is_declared_and_recorded(default_assumptions, draws):
    assert default_assumptions.calibration.anchor == "median"
    assert "median" in default_assumptions.calibration.rationale
    assert draws.attrs["calibration_anchor"] == "median"


def test_every_estimation_multiplier_has_median_one_by_sampling(default_assumptions, draws):
    names = [x.name for x in estimation_multipliers(default_assumptions.inputs)]
    assert len(names) >= 21  # 20 component/period errors and the persistence factor
    for name in names:
        x = draws["input_value"].sel(input=name).values
        # Median 1 <=> P(X < 1) = 1/2: the count below 1 is Binomial(N, 1/2).
        below = float(np.mean(x < 1.0))
        assert abs(below - 0.5) <= 4.5 * np.sqrt(0.25 / N), name
        # The sample median lies within 4.5 Monte Carlo s.e. of 1 (s.e. from order statistics).
        half = np.sqrt(0.25 / N)
        lo, med, hi = np.quantile(x, [0.5 - half, 0.5, 0.5 + half])
        assert abs(med - 1.0) <= 4.5 * (hi - lo) / 2, name
        # Symmetric in log space: as many draws below 1/c as above c.
        c = float(np.quantile(x, 0.95))
        assert abs(float(np.mean(x < 1 / c)) - 0.05) <= 4.5 * np.sqrt(0.05 * 0.95 / N), name


def _edited(tmp: Path, old: str, new: str) -> Path:
    text = (SHIPPED / "rebel_2026_uncertainty.toml").read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    (tmp / "rebel_2026_uncertainty.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp / "rebel_2026_facts.toml").write_text(
        (SHIPPED / "rebel_2026_facts.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp / "rebel_2026_uncertainty.toml"


def test_a_lopsided_range_is_refused(tmp_path):
    # The old -20 %/+30 % band has median sqrt(0.8 x 1.3) = 1.0198, not 1.
    path = _edited(tmp_path, "median = 1.0\nsigma = 0.1357", "interval = [0.80, 1.30]")
    with pytest.raises(AssumptionsError) as exc:
        nplv_sim.load_assumptions(path)
    assert exc.value.entry == "inputs.est_new_build_p1"
    assert "its median is 1.0198" in str(exc.value) and "uplift layer" in str(exc.value)


def test_the_mean_anchor_refuses_median_one_lognormals(tmp_path):
    # Under anchor = "mean", a lognormal with median 1 has mean exp(sigma^2 / 2) > 1.
    path = _edited(tmp_path, 'anchor = "median"', 'anchor = "mean"')
    with pytest.raises(AssumptionsError) as exc:
        nplv_sim.load_assumptions(path)
    sigma = 0.1357
    assert f"its mean is {np.exp(sigma**2 / 2):.6g}" in str(exc.value)


def test_only_the_uplift_layer_may_carry_skew(default_assumptions):
    skewed = [
        x.name
        for x in default_assumptions.inputs
        if x.effect == "need_multiplier" and x.law.is_random and abs(float(x.law.ppf(np.array([0.5]))[0]) - 1) > 1e-9
    ]
    assert skewed == ["optimism_bias_uplift"]
    uplift = default_assumptions.input("optimism_bias_uplift")
    assert uplift.group == "uplift" and not uplift.enabled and "Green Book" in uplift.source


def test_vat_is_off_by_default_and_two_scenarios_show_it(default_assumptions, draws):
    vat = [x for x in default_assumptions.inputs if x.group == "U3" and x.law.is_random]
    assert vat and not any(x.enabled for x in vat)
    for x in vat:
        if x.effect == "vat_excluded":
            assert float(np.abs(draws["input_value"].sel(input=x.name)).max()) == 0.0  # never excluded
    from nplv_sim.scenarios import load_scenario

    on = load_scenario("vat_uncertain", default_assumptions)
    assert all(on.input(x.name).enabled for x in vat)
