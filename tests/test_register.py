"""The uncertainty register: every source modelled, marginals as declared, docs in sync."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import nplv_sim
from nplv_sim.register import register_markdown

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run(default_assumptions):
    return nplv_sim.simulate(default_assumptions, 40_000, rng=77)


def test_every_source_u1_to_u10_is_in_the_default_file(default_assumptions):
    groups = {i.group for i in default_assumptions.inputs}
    assert {"U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "uplift"} <= groups
    assert default_assumptions.correlations  # U10
    for i in default_assumptions.inputs:
        assert i.source.strip() and i.rationale.strip(), i.name


def test_register_document_is_up_to_date(default_assumptions):
    committed = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    assert committed == register_markdown(default_assumptions), (
        "run `nplv-sim register --force` and commit docs/assumptions.md"
    )


def test_marginals_match_their_declared_laws_despite_the_copula(default_assumptions, run):
    n = run.sizes["draw"]
    checked = 0
    for i in default_assumptions.inputs:
        if not i.is_random:
            continue
        x = run["input_value"].sel(input=i.name).values
        ref = i.law.scipy()
        if hasattr(i.law, "values"):
            for v, p in zip(i.law.values, i.law.probs, strict=True):
                assert abs(np.mean(x == v) - p) <= 4.5 * np.sqrt(p * (1 - p) / n) + 1e-12, i.name
        else:
            assert stats.kstest(x, ref.cdf).pvalue > 1e-4, i.name
        checked += 1
    assert checked >= 30


def test_funderingsherstel_has_tails_and_a_rijk_share_per_half(run):
    # The box's 'circa EUR 1-1,5 miljard' is read as P10-P90: about 20 % of draws outside it.
    total = run["input_value"].sel(input="funderingsherstel_total").values
    n = total.size
    outside = float(np.mean((total < 1000) | (total > 1500)))
    assert abs(outside - 0.2) <= 4.5 * np.sqrt(0.2 * 0.8 / n)
    assert float(np.mean(total < 1000)) > 0.05 and float(np.mean(total > 1500)) > 0.05
    added = (
        (run["shortfall_incl_addons"] - run["shortfall"]).sel(scope="total", netting="pillar").sum(["pillar", "period"])
    )
    np.testing.assert_allclose(added, total)
    # Rijk part = 1/2 x amount x share (vulnerable) + 1/2 x amount x share (other homes).
    vul = run["input_value"].sel(input="funderingsherstel_rijk_share_vulnerable").values
    other = run["input_value"].sel(input="funderingsherstel_rijk_share_other").values
    assert 0.0 <= vul.min() < 0.02 and 0.68 < vul.max() <= 0.7
    assert 0.0 <= other.min() < 0.02 and 0.28 < other.max() <= 0.3
    added_rijk = (
        (run["shortfall_incl_addons"] - run["shortfall"]).sel(scope="rijk", netting="pillar").sum(["pillar", "period"])
    )
    np.testing.assert_allclose(added_rijk, 0.5 * total * vul + 0.5 * total * other, rtol=1e-12)


def test_vat_multiplier_within_bounds_and_as_defined(default_assumptions):
    # Hold estimation error and funding fixed so that need / report need is the VAT factor.
    import dataclasses

    from nplv_sim.core.distributions import Fixed

    held = tuple(
        dataclasses.replace(i, law=Fixed(1.0), params={"value": 1.0}) if i.effect == "need_multiplier" else i
        for i in default_assumptions.inputs
    )
    from nplv_sim.scenarios import load_scenario

    vat_on = load_scenario("vat_uncertain", default_assumptions)  # VAT is off in the default run
    held = tuple(
        dataclasses.replace(i, law=Fixed(1.0), params={"value": 1.0}) if i.effect == "need_multiplier" else i
        for i in vat_on.inputs
    )
    a = dataclasses.replace(vat_on, inputs=held)
    ds = nplv_sim.simulate(a, 5_000, rng=3, detail=True)
    need = ds["component_need"].sel(component="social_housing_restructuring", period="P1", scope="total")
    factor = need / 1735.0
    x = ds["input_value"]
    expected = 1 + x.sel(input="vat_housing_associations_rate") * (
        1 - x.sel(input="vat_housing_associations_reclaimable")
    ) * x.sel(input="vat_housing_associations_excluded")
    np.testing.assert_allclose(factor, expected, rtol=1e-12)
    assert float(factor.min()) >= 1.0 and float(factor.max()) <= 1.21 + 1e-12
    assert 0 < float((factor > 1).mean()) < 1


def test_dutch_register_is_dutch(default_assumptions):
    from nplv_sim.register import register_markdown_nl

    text = register_markdown_nl(default_assumptions)
    assert "[en]" not in text  # every shipped input has a Dutch rationale
    assert all(x.rationale_nl for x in default_assumptions.inputs)
    # funderingsherstel: lognormal with P10 1.000 and P90 1.500 (the box's range), so analytically
    # P5 = 944,1, P50 = sqrt(1.000 x 1.500) = 1.224,7 and P95 = 1.588,7; baseline 1.250
    assert "| lognormaal | 944 | 1.225 | 1.589 | 1.250 | € mln. |" in text
    assert "e+0" not in text and "million EUR" not in text


def test_rationale_nl_is_optional_and_falls_back_marked(default_assumptions):
    import dataclasses

    from nplv_sim.register import register_markdown_nl

    x = dataclasses.replace(default_assumptions.inputs[0], rationale_nl="")
    a = dataclasses.replace(default_assumptions, inputs=(x, *default_assumptions.inputs[1:]))
    text = register_markdown_nl(a)
    assert f"[en] {x.rationale}" in text and f"`inputs.{x.name}`" in text.split("\n\n")[3]
    assert "1 tekst staat alleen in het Engels" in text
