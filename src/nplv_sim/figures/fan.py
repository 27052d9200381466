"""Fan chart of the shortfall per year (CPB style): median with nested probability bands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import NplvError
from . import style
from ._data import axis_label, cell_title, check_lang, published_value, quantiles, select, text

__all__ = ["plot_fan", "yearly"]


def yearly(obj: xr.Dataset, scope: str, pillar: str = "all", variable: str = "shortfall",
           netting: str = "pillar") -> xr.DataArray:
    """Shortfall per year with a ``year`` dimension (draws or quantiles kept).

    Uses ``shortfall_by_year`` (…, year, scope) when the Dataset has it and
    ``pillar == "all"``; otherwise spreads each period's amount evenly over its years
    (``period_first_year`` … ``period_last_year``): year value = period value / years.
    Dividing by a constant commutes with quantiles, so quantiles of a summary stay exact.
    """
    if pillar == "all" and variable == "shortfall" and "shortfall_by_year" in obj:
        da = obj["shortfall_by_year"]
        da = da.sel(netting=netting) if "netting" in da.dims else da
        return da.sel(scope=scope)
    if "period_first_year" not in obj.coords:
        raise NplvError("no year profile: the Dataset has neither shortfall_by_year nor period_first_year/last_year")
    da = select(obj, variable, pillar, netting, scope=scope)
    parts = []
    for p in obj["period"].values:
        first, last = int(obj["period_first_year"].sel(period=p)), int(obj["period_last_year"].sel(period=p))
        years = np.arange(first, last + 1)
        one = da.sel(period=p, drop=True) / len(years)
        extra = [c for c in one.coords if c.startswith("period")]
        parts.append(one.expand_dims(year=years).drop_vars(extra, errors="ignore"))
    units = str(da.attrs.get("units", "million EUR"))
    attrs = {**da.attrs, "units": units if units.endswith("per year") else f"{units} per year",
             "description": "Each period's amount spread evenly over the period's years."}
    return xr.concat(parts, dim="year").assign_attrs(attrs)


def plot_fan(
    obj: xr.Dataset,
    scope: str = "rijk",
    pillar: str = "all",
    variable: str = "shortfall",
    netting: str = "pillar",
    published: Any = None,
    budget: float | Mapping[int, float] | None = None,
    ax: Axes | None = None,
    lang: str = "nl",
    budget_label: str | None = None,
) -> Axes:
    """Fan chart of the shortfall per year: P50 with the P15-P85 and P5-P95 bands.

    Parameters
    ----------
    obj : Dataset
        Draws (:func:`nplv_sim.simulate`) or a summary with quantiles 0.05, 0.15, 0.5,
        0.85 and 0.95. See :func:`yearly` for how years are obtained.
    scope : str
        ``"total"`` or ``"rijk"``.
    pillar : str
        ``"physical"``, ``"social"`` or ``"all"``.
    variable : str
        ``"shortfall"`` or ``"shortfall_incl_addons"``.
    netting : str
        Netting method.
    published : float, mapping, Assumptions or sequence of Published, optional
        The report's figures; drawn per period as a black step at period total / years.
    budget : float or mapping of int to float, optional
        Money available per year [€ mln per year] (e.g. ``{y: 135 for y in range(2029, 2036)}``
        for the coalition agreement), drawn as a dashed step.
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.
    budget_label : str, optional
        Legend text of the budget line (default "Beschikbaar budget" / "Available budget").

    Returns
    -------
    Axes
        Bands carry ``gid="fan:p5_p95"``/``"fan:p15_p85"``, the median ``"fan:median"``.
    """
    check_lang(lang)
    da = yearly(obj, scope, pillar, variable, netting)
    q = quantiles(da).transpose("quantile", "year")
    years = q["year"].values.astype(int)
    edges = np.append(years - 0.5, years[-1] + 0.5)
    v = np.concatenate([q.values, q.values[:, -1:]], axis=1)  # repeat the last year for step="post"
    ax = style.new_axes(ax)
    color = style.COLORS.get(scope, style.COLORS["total"])
    with style.context():
        ax.fill_between(edges, v[0], v[4], step="post", color=color, alpha=style.BAND_ALPHA["outer"], lw=0,
                        gid="fan:p5_p95")
        ax.fill_between(edges, v[1], v[3], step="post", color=color, alpha=style.BAND_ALPHA["inner"], lw=0,
                        gid="fan:p15_p85")
        ax.step(edges, v[2], where="post", color=color, lw=1.8, gid="fan:median")
        handles = [Patch(color=color, alpha=style.BAND_ALPHA["outer"], label=text("p5_p95", lang)),
                   Patch(color=color, alpha=style.BAND_ALPHA["inner"], label=text("p15_p85", lang)),
                   Line2D([], [], color=color, lw=1.8, label=text("median", lang))]
        if published is not None:
            drawn = False
            for p in obj["period"].values:
                first, last = int(obj["period_first_year"].sel(period=p)), int(obj["period_last_year"].sel(period=p))
                ref = published_value(published, "shortfall_per_year", pillar, str(p), scope, netting)
                if ref is None:
                    total = published_value(published, variable, pillar, str(p), scope, netting)
                    ref = None if total is None else total / (last - first + 1)
                if ref is not None:
                    ax.hlines(ref, first - 0.5, last + 0.5, color=style.COLORS["report"], lw=1.4, gid=f"report:{p}")
                    drawn = True
            if drawn:
                handles.append(Line2D([], [], color=style.COLORS["report"], lw=1.4, label=text("report_year", lang)))
        if budget is not None:
            b = budget if isinstance(budget, Mapping) else {int(y): float(budget) for y in years}
            by = np.array(sorted(b))
            ax.step(np.append(by - 0.5, by[-1] + 0.5), np.append([b[y] for y in by], b[by[-1]]), where="post",
                    color=style.COLORS["budget"], ls="--", lw=1.4, gid="budget")
            handles.append(Line2D([], [], color=style.COLORS["budget"], ls="--", lw=1.4,
                                  label=budget_label or text("budget", lang)))
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(v[0])) * 1.1))
        spread = "spread evenly" in str(da.attrs.get("description", ""))
        ax.set_xlabel(text("year", lang) + (f" ({text('even_spread', lang).lower()})" if spread else ""))
        ax.set_ylabel(axis_label(da, lang))
        ax.yaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_title(cell_title(pillar, scope, netting, lang, variable))
        style.legend_below(ax, ncol=3, handles=handles)
        style.finish_axes(ax, grid_axis="y")
    return ax
