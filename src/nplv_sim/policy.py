"""The policy answers: coverage probability of a budget, budget for a confidence level,
and where the report's single number sits on the S-curve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import validation
from .errors import NplvError
from .schema import Assumptions
from .summary import quantile_mcse

__all__ = [
    "Budget",
    "budget_for_confidence",
    "by_horizon",
    "coverage_over_years",
    "coverage_probability",
    "double_counting",
    "parse_budget",
    "point_estimate_probability",
]

OVERALL = "whole"  # the whole horizon beside the periods; its years come from the facts file


@dataclass(frozen=True)
class Budget:
    """Money available, per horizon (P1, P2 and overall) [EUR million].

    A per-year amount over its years fills every horizon; a total fills only the overall
    horizon (``NaN`` elsewhere).
    """

    amounts: dict[str, float]
    text: str
    per_year: float | None = None
    years: tuple[int, int] | None = None


def parse_budget(text: str, a: Assumptions, years: str | None = None) -> Budget:
    """Parse ``"135/yr"`` (per year, over ``years`` e.g. ``"2029-2035"``; default all
    years) or ``"945"`` (a total for the whole horizon).

    Parameters
    ----------
    text : str
        The budget as typed.
    a : Assumptions
        For the periods and their years.
    years : str, optional
        ``"FIRST-LAST"`` for a per-year amount.

    Returns
    -------
    Budget
    """
    periods = a.facts.periods
    first_all, last_all = periods[0].first_year, periods[-1].last_year
    amount, per_year, span = validation.check_budget(text, years, (first_all, last_all))
    if not per_year:
        return Budget({p.name: float("nan") for p in periods} | {OVERALL: amount}, text.strip())
    first, last = span or (first_all, last_all)
    out = {}
    for p in periods:
        overlap = max(0, min(last, p.last_year) - max(first, p.first_year) + 1)
        out[p.name] = amount * overlap
    out[OVERALL] = amount * (last - first + 1)
    return Budget(out, f"{text.strip()} over {first}\u2013{last}", per_year=amount, years=(first, last))


def by_horizon(ds: xr.Dataset, variable: str = "shortfall_all_pillars", netting: str = "pillar") -> xr.DataArray:
    """Shortfall draws per horizon: each period and the whole 2026-2035 (a ``horizon`` dim)."""
    if variable not in ds:
        raise NplvError(f"the results have no variable {variable!r}")
    da = ds[variable]
    if "netting" in da.dims:
        da = da.sel(netting=netting)
    da = da.reset_coords(drop=True)
    overall = da.sum("period").expand_dims(period=[OVERALL])
    return xr.concat([da, overall], dim="period").rename(period="horizon").assign_attrs(da.attrs)


def coverage_probability(
    ds: xr.Dataset, budget: Budget, variable: str = "shortfall_all_pillars", netting: str = "pillar"
) -> xr.DataArray:
    """P(shortfall <= budget) per horizon (and scope, scenario where present).

    Returns
    -------
    DataArray
        Probabilities; NaN where the budget says nothing about a horizon.
    """
    da = by_horizon(ds, variable, netting)
    amounts = xr.DataArray(
        [budget.amounts[h] for h in da["horizon"].values], dims="horizon", coords={"horizon": da["horizon"]}
    )
    prob = (da <= amounts).mean("draw").where(np.isfinite(amounts))
    return prob.assign_attrs(
        units="1",
        long_name="Kans dat het budget de restopgave dekt",
        long_name_en="Probability that the budget covers the remaining need",
        budget=budget.text,
    )


def coverage_over_years(ds: xr.Dataset, budget: Budget) -> xr.DataArray | None:
    """P(shortfall over exactly the budget's years <= the budget's money over those years), per scope.

    Uses the year profile ``shortfall_by_year`` (both pillars, pillar netting, without
    add-ons): the question "does 135 per year for 2029-2035 cover what is needed in
    2029-2035?". None for a total budget (no years) or results without a year profile.
    """
    if budget.years is None or budget.per_year is None or "shortfall_by_year" not in ds:
        return None
    first, last = budget.years
    da = ds["shortfall_by_year"].sel(year=slice(first, last)).sum("year")
    money = budget.per_year * (last - first + 1)
    prob = (da <= money).mean("draw")
    return prob.assign_attrs(
        units="1",
        budget=money,
        first_year=first,
        last_year=last,
        long_name="Kans dat het budget de restopgave in dezelfde jaren dekt",
        long_name_en="Probability that the budget covers the remaining need of the same years",
    )


def double_counting(a: Assumptions, budget: Budget) -> str | None:
    """A warning when the scenario already adds money in the budget's years (counted twice), else None."""
    if not a.scenario_year_funding:
        return None
    years = sorted({y for y, *_ in a.scenario_year_funding})
    first, last = budget.years if budget.years else (years[0], years[-1])
    overlap = [y for y in years if first <= y <= last]
    if not overlap:
        return None
    rijk = sum(r for y, _, r in a.scenario_year_funding if y in overlap)
    return (
        f"scenario {a.scenario} already counts EUR {rijk:,.0f} million of Rijk funding in "
        f"{overlap[0]}-{overlap[-1]}; "
        f"the budget {budget.text} comes on top of it, so the same money may be counted twice"
    )


def budget_for_confidence(
    ds: xr.Dataset,
    confidence: Sequence[float] = (0.5, 0.85, 0.95),
    variable: str = "shortfall_all_pillars",
    netting: str = "pillar",
) -> xr.Dataset:
    """Budget needed to cover the shortfall with the given probabilities.

    The budget for confidence ``c`` is the ``c``-quantile of the shortfall: a budget of
    that size covers the shortfall in a share ``c`` of the draws.

    Returns
    -------
    Dataset
        ``budget`` and ``budget_mcse`` with a ``quantile`` dim (the confidence levels).
    """
    conf = validation.check_probabilities("confidence levels", confidence, open_interval=True)
    da = by_horizon(ds, variable, netting)
    out = xr.Dataset()
    out["budget"] = da.quantile(conf, dim="draw").assign_attrs(
        units=da.attrs.get("units", ""), long_name="Benodigd budget", long_name_en="Budget needed"
    )
    out["budget_mcse"] = quantile_mcse(da, conf).assign_attrs(
        units=da.attrs.get("units", ""), long_name_en="Monte Carlo standard error of the budget"
    )
    return out


def point_estimate_probability(ds: xr.Dataset, a: Assumptions) -> list[dict[str, object]]:
    """Cumulative probability of each published restopgave (pillar netting): where the
    report's single number sits on the simulated S-curve."""
    rows = []
    for p in a.facts.published:
        if p.measure != "shortfall" or p.netting != "pillar":
            continue
        if p.pillar == "all":
            da = ds["shortfall_all_pillars"].sel(period=p.period, scope=p.scope, netting="pillar")
        else:
            da = ds["shortfall"].sel(pillar=p.pillar, period=p.period, scope=p.scope, netting="pillar")
        rows.append(
            {
                "figure": p.figure,
                "published": p.value,
                "source": p.source,
                "cumulative_probability": float((da <= p.value).mean("draw")),
            }
        )
    return rows
