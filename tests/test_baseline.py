"""The deterministic baseline against the report's published figures (MODEL.md 2.5).

The expected numbers are typed in here from the report, not read from the facts file,
so that a wrong facts file or a wrong engine fails the test.
"""

from __future__ import annotations

import csv

import pytest
from published import PUBLISHED, ROUNDING
from published import PUBLISHED_PER_YEAR as TABLE_1_PER_YEAR
from published import PUBLISHED_TOTAL as TABLE_1

from nplv_sim.baseline import reconcile, reconciliation_csv


@pytest.mark.parametrize(("key", "published"), PUBLISHED.items())
def test_pillar_restopgave_matches_report(baseline_ds, key, published):
    pillar, period, scope = key
    got = float(baseline_ds["shortfall"].sel(pillar=pillar, period=period, scope=scope, netting="pillar").squeeze())
    assert abs(got - published) <= ROUNDING


@pytest.mark.parametrize(("key", "published"), TABLE_1.items())
def test_table_1_totals(baseline_ds, key, published):
    period, scope = key
    got = float(baseline_ds["shortfall_all_pillars"].sel(period=period, scope=scope, netting="pillar").squeeze())
    assert abs(got - published) <= ROUNDING


@pytest.mark.parametrize(("key", "published"), TABLE_1_PER_YEAR.items())
def test_table_1_per_year(baseline_ds, key, published):
    period, scope = key
    got = float(baseline_ds["shortfall_per_year"].sel(period=period, scope=scope, netting="pillar").squeeze())
    assert abs(got - published) <= ROUNDING


def test_exact_arithmetic_of_physical_p1(baseline_ds):
    # 3,050 need minus Table 6's 675 funding; Rijk: keys x Table 4 rows minus 485.
    rijk_need = 0.5 * 445 + 0.3 * 1735 + 0.7 * 475 + 0.75 * 265 + 0.65 * 130
    sf = baseline_ds["shortfall"].sel(pillar="physical", period="P1", netting="pillar").squeeze()
    assert float(sf.sel(scope="total")) == pytest.approx(3050 - 675)
    assert float(sf.sel(scope="rijk")) == pytest.approx(rijk_need - 485)


def test_component_netting_p2_physical_matches_nb(baseline_ds):
    # NB under Table 9: 2,035 when surpluses (Bereikbaarheid 10, Governance 5) do not offset.
    got = float(
        baseline_ds["shortfall"].sel(pillar="physical", period="P2", scope="total", netting="component").squeeze()
    )
    assert got == pytest.approx(445 + 605 + 720 + 265)


def test_component_netting_never_below_pillar_netting(baseline_ds):
    sf = baseline_ds["shortfall"]
    assert bool((sf.sel(netting="component") >= sf.sel(netting="pillar") - 1e-9).all())


def test_addons_excluded_from_headline_but_present_in_incl(baseline_ds):
    head = baseline_ds["shortfall"].sel(pillar="physical", netting="pillar", scope="total").squeeze()
    incl = baseline_ds["shortfall_incl_addons"].sel(pillar="physical", netting="pillar", scope="total").squeeze()
    # Deterministic funderingsherstel: 1,250 spread 40 % / 60 % over the periods.
    assert (incl - head).values == pytest.approx([0.4 * 1250, 0.6 * 1250])


def test_reconciliation_has_every_published_figure_with_notes(default_assumptions):
    rows = reconcile(default_assumptions)
    assert len(rows) == len(default_assumptions.facts.published) >= 20
    beyond = [r for r in rows if not r["within_rounding"]]
    # Only the NB under Table 6 (2,425) is beyond rounding, and it is explained.
    assert [r["published"] for r in beyond] == [2425]
    assert all(r["note"] for r in beyond)
    parsed = list(csv.DictReader(reconciliation_csv(rows).splitlines()))
    assert parsed[0].keys() >= {"figure", "source", "published", "computed", "difference", "note"}
