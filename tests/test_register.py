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
    assert committed == register_markdown(default_assumptions), "run `nplv-sim register --force` and commit docs/assumptions.md"


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


def test_funderingsherstel_stays_within_its_range(run):
    total = run["input_value"].sel(input="funderingsherstel_total")
    assert float(total.min()) >= 1000 and float(total.max()) <= 1500
    added = (run["shortfall_incl_addons"] - run["shortfall"]).sel(scope="total", netting="pillar").sum(["pillar", "period"])
    np.testing.assert_allclose(added, total)
    share = run["input_value"].sel(input="funderingsherstel_rijk_share")
    assert float(share.min()) >= 0.3 and float(share.max()) <= 0.7


def test_vat_multiplier_within_bounds_and_as_defined(default_assumptions):
    # Hold estimation error and funding fixed so that need / report need is the VAT factor.
    import dataclasses

    from nplv_sim.core.distributions import Fixed

    held = tuple(
        dataclasses.replace(i, law=Fixed(1.0), params={"value": 1.0}) if i.effect == "need_multiplier" else i
        for i in default_assumptions.inputs
    )
    a = dataclasses.replace(default_assumptions, inputs=held)
    ds = nplv_sim.simulate(a, 5_000, rng=3, detail=True)
    need = ds["component_need"].sel(component="social_housing_restructuring", period="P1", scope="total")
    factor = need / 1735.0
    x = ds["input_value"]
    expected = 1 + x.sel(input="vat_housing_associations_rate") * (1 - x.sel(input="vat_housing_associations_reclaimable")) * x.sel(input="vat_housing_associations_excluded")
    np.testing.assert_allclose(factor, expected, rtol=1e-12)
    assert float(factor.min()) >= 1.0 and float(factor.max()) <= 1.21 + 1e-12
    assert 0 < float((factor > 1).mean()) < 1


def test_dutch_register_is_dutch(default_assumptions):
    from nplv_sim.register import register_markdown_nl

    text = register_markdown_nl(default_assumptions)
    assert "[en]" not in text  # every shipped input has a Dutch rationale
    assert all(x.rationale_nl for x in default_assumptions.inputs)
    assert "| uniform | 1.025 | 1.250 | 1.475 | 1.250 | € mln. |" in text  # funderingsherstel 1.000-1.500
    assert "e+0" not in text and "million EUR" not in text


def test_rationale_nl_is_optional_and_falls_back_marked(default_assumptions):
    import dataclasses

    from nplv_sim.register import register_markdown_nl

    x = dataclasses.replace(default_assumptions.inputs[0], rationale_nl="")
    a = dataclasses.replace(default_assumptions, inputs=(x, *default_assumptions.inputs[1:]))
    text = register_markdown_nl(a)
    assert f"[en] {x.rationale}" in text and f"`{x.name}`" in text.split("\n\n")[3]
