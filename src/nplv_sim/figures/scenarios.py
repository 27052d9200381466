"""Scenario differences with their uncertainty (common random numbers)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import NplvError
from ..formatting import format_number
from ..glossary import period_years, term
from . import style
from ._data import amount_label, check_lang, quantiles, text

__all__ = ["plot_scenarios", "scenario_differences"]


def scenario_differences(obj: xr.Dataset | xr.DataArray, pillar: str = "all", netting: str = "pillar") -> xr.DataArray:
    """The difference-from-baseline array of a scenario comparison, reduced to (…, scenario, period, scope).

    Expected input (as :func:`nplv_sim.comparison.simulate_scenarios` returns): a Dataset
    with ``shortfall_all_pillars_difference`` (both pillars) or ``shortfall_difference``
    (dims ``draw`` or ``quantile``, ``scenario``, ``period``, ``scope``, optionally
    ``pillar`` and ``netting``), or such a DataArray itself. Optional coords
    ``scenario_label_nl`` / ``scenario_label_en`` name the scenarios.
    """
    if isinstance(obj, xr.Dataset):
        name = "shortfall_all_pillars_difference" if pillar == "all" and "shortfall_all_pillars_difference" in obj \
            else "shortfall_difference"
        if name not in obj:
            raise NplvError("the Dataset has no shortfall_difference; run simulate_scenarios or pass a DataArray")
        da = obj[name]
    else:
        da = obj
    if "netting" in da.dims:
        da = da.sel(netting=netting)
    if "pillar" in da.dims:
        da = da.sum("pillar").assign_attrs(da.attrs) if pillar == "all" and "draw" in da.dims else da.sel(pillar=pillar)
    missing = {"scenario", "period", "scope"} - set(da.dims)
    if missing:
        raise NplvError(f"scenario differences need dims scenario, period and scope; missing {sorted(missing)}")
    return da


def plot_scenarios(
    obj: xr.Dataset | xr.DataArray,
    scope: str = "rijk",
    pillar: str = "all",
    netting: str = "pillar",
    drop_zero: bool = True,
    ax: Axes | None = None,
    lang: str = "nl",
) -> Axes:
    """Difference of each scenario from the baseline: P5-P95, P15-P85 and median per period.

    Parameters
    ----------
    obj : Dataset or DataArray
        See :func:`scenario_differences` for the expected variables and dims.
    scope : str
        ``"total"`` or ``"rijk"``.
    pillar : str
        ``"all"``, ``"physical"`` or ``"social"``.
    netting : str
        Netting method.
    drop_zero : bool
        Leave out scenarios whose difference is zero in every draw (the baseline itself).
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.

    Returns
    -------
    Axes
        Bands carry ``gid="band:<p5_p95|p15_p85>:<scenario>:<period>"``, medians ``"median:…"``.
    """
    check_lang(lang)
    da = scenario_differences(obj, pillar, netting).sel(scope=scope)
    q = quantiles(da).transpose("quantile", "scenario", "period")
    scen = [str(s) for s in da["scenario"].values]
    keep = [i for i, _ in enumerate(scen) if not (drop_zero and np.allclose(q.values[:, i, :], 0.0))]
    label_coord = f"scenario_label_{lang}"
    names = da[label_coord].values if label_coord in da.coords else scen
    periods = [str(p) for p in da["period"].values]
    years = dict(zip(periods, period_years(da), strict=True)) if "period_first_year" in da.coords \
        else {p: p for p in periods}
    n_rows = len(keep) * (len(periods) + 1)  # a header row per scenario, then its periods
    ax = style.new_axes(ax, figsize=(style.FIGSIZE[0], max(2.4, 0.24 * n_rows + 1.6)))
    color = style.COLORS.get(scope, style.COLORS["total"])
    with style.context():
        ticks, labels, row = [], [], n_rows - 1
        value_x = ("axes fraction", "data")
        ax.annotate(text("median", lang), (1.0, n_rows - 0.4), xycoords=value_x, xytext=(4, 0),
                    textcoords="offset points", va="bottom", fontsize=7, fontweight="bold")
        for i in keep:
            ax.annotate(str(names[i]), (0.0, row), xycoords=value_x, xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=7.5, fontweight="bold", zorder=6,
                        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.9})
            row -= 1
            for j, p in enumerate(periods):
                v = q.values[:, i, j]
                gid = f"{scen[i]}:{p}"
                ax.hlines(row, v[0], v[4], color=color, lw=1.4, gid=f"band:p5_p95:{gid}")
                ax.hlines(row, v[1], v[3], color=color, lw=6.5, gid=f"band:p15_p85:{gid}")
                ax.plot([v[2]], [row], "o", ms=4.5, mfc="white", mec=color, mew=1.2, zorder=4, gid=f"median:{gid}")
                ax.annotate(format_number(v[2], 0, lang), (1.0, row), xycoords=value_x, xytext=(4, 0),
                            textcoords="offset points", va="center", fontsize=7)
                ticks.append(row)
                labels.append(years[p])
                row -= 1
            if row >= 0:
                ax.axhline(row + 0.5, color=style.COLORS["grid"], lw=0.8)
        ax.axvline(0, color=style.COLORS["report"], lw=0.9)
        ax.set_yticks(ticks, labels, fontsize=7.5)
        ax.set_ylim(-0.6, n_rows - 0.4)
        ax.xaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_xlabel(amount_label("difference", da.attrs.get("units", "million EUR"), lang))
        ax.set_title(f"{term(pillar, lang).capitalize()}, {term(scope, lang)}")
        dropped = [str(names[i]) for i in range(len(scen)) if i not in keep and scen[i] != "baseline"]
        if dropped:
            style.note_below(ax, ("Geen verschil: " if lang == "nl" else "No difference: ") + "; ".join(dropped),
                             offset=0.75)
        handles = [Line2D([], [], color=color, lw=1.4, label=text("p5_p95", lang)),
                   Patch(color=color, label=text("p15_p85", lang)),
                   Line2D([], [], marker="o", ls="", ms=4.5, mfc="white", mec=color, mew=1.2,
                          label=text("median", lang))]
        style.legend_below(ax, ncol=3, handles=handles)
        style.finish_axes(ax, grid_axis="x")
        ax.tick_params(axis="y", length=0)
    return ax
