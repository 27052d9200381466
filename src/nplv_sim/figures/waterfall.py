"""Waterfall: gross need minus arranged funding gives the shortfall, per pillar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import xarray as xr
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import NplvError
from ..formatting import format_number
from ..glossary import label_from_attrs, period_years, short_term, term
from . import style
from ._data import check_lang, published_value, quantiles, text

__all__ = ["plot_waterfall"]


def _stat(obj: xr.Dataset, name: str, sel: dict[str, str], stat: str) -> tuple[float, float, float]:
    """(centre, P15, P85) of ``name`` at ``sel`` from draws or a summary."""
    da = obj[name].sel(sel)
    if "draw" in da.dims:
        lo, hi = da.quantile([0.15, 0.85], dim="draw").values
        return float(da.mean("draw") if stat == "mean" else da.median("draw")), float(lo), float(hi)
    lo, mid, hi = quantiles(da, (0.15, 0.5, 0.85)).values
    centre = float(obj[f"{name}_mean"].sel(sel)) if stat == "mean" else float(mid)
    return centre, float(lo), float(hi)


def _label(ax: Axes, x: float, y: float, value: float, ref: float | None, lang: str) -> None:
    """Value above a bar, with the report's figure under it in grey when there is one."""
    ax.annotate(format_number(value, 0, lang), (x, y), xytext=(0, 3 if ref is None else 12), textcoords="offset points",
                ha="center", va="bottom", fontsize=7.5, fontweight="bold")
    if ref is not None:
        word = "rapport" if lang == "nl" else "report"
        ax.annotate(f"({word} {format_number(ref, 0, lang)})", (x, y), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=6.5, color="#555555", gid="report")


def plot_waterfall(
    obj: xr.Dataset,
    period: str = "P1",
    scope: str = "total",
    pillars: Sequence[str] | None = None,
    stat: str = "mean",
    published: Any = None,
    ax: Axes | None = None,
    lang: str = "nl",
) -> Axes:
    """Waterfall from gross need (*opgave*) via arranged funding (*dekking*) to the shortfall.

    Per pillar three bars: need (from zero), funding (hanging down from the need) and the
    shortfall (from zero), then the shortfall of both pillars. Whiskers show P15-P85 of
    each amount; the report's figure, where it publishes one, is printed under the value.

    Parameters
    ----------
    obj : Dataset
        Draws (:func:`nplv_sim.simulate`) or a summary; needs ``need``, ``funding`` and
        ``shortfall`` (pillar netting).
    period : str
        Period.
    scope : str
        ``"total"`` or ``"rijk"``.
    pillars : sequence of str, optional
        Pillars (default: all in the Dataset).
    stat : {"mean", "median"}
        Bar height. Means add up exactly (mean need - mean funding = mean shortfall);
        medians do not, so with ``"median"`` a funding bar may not close on its shortfall.
    published : float, mapping, Assumptions or sequence of Published, optional
        The report's figures.
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.

    Returns
    -------
    Axes
        Bars carry ``gid="bar:<need|funding|shortfall>:<pillar>"``.
    """
    check_lang(lang)
    if stat not in ("mean", "median"):
        raise NplvError(f"stat must be 'mean' or 'median', got {stat!r}")
    pillars = [str(p) for p in obj["pillar"].values] if pillars is None else list(pillars)
    ax = style.new_axes(ax)
    colors = {k: style.COLORS[k] for k in ("need", "funding", "shortfall")}
    with style.context():
        x, ticks, labels = 0.0, [], []
        for q in pillars:
            sel = {"pillar": q, "period": period, "scope": scope}
            need, funding = _stat(obj, "need", sel, stat), _stat(obj, "funding", sel, stat)
            short = _stat(obj, "shortfall", {**sel, "netting": "pillar"}, stat)
            bars = [("need", 0.0, need), ("funding", need[0] - funding[0], funding), ("shortfall", 0.0, short)]
            for i, (kind, bottom, (centre, lo, hi)) in enumerate(bars):
                xi = x + i
                ax.bar(xi, centre, bottom=bottom, width=0.7, color=colors[kind], gid=f"bar:{kind}:{q}")
                top = bottom + centre
                err_mid = top if kind != "funding" else bottom
                ax.errorbar(xi, err_mid, yerr=[[max(0.0, centre - lo)], [max(0.0, hi - centre)]],
                            color="#333333", lw=0.9, capsize=2.5)
                ref = published_value(published, kind, q, period, scope, "pillar")
                _label(ax, xi, max(top, err_mid + hi - centre), centre, ref, lang)
                ticks.append(xi)
                labels.append(f"{text(kind, lang)}\n{short_term(q, lang)}")
            ax.plot([x + 0.35, x + 0.65], [need[0]] * 2, color=style.COLORS["guide"], lw=0.8)
            ax.plot([x + 1.35, x + 1.65], [need[0] - funding[0]] * 2, color=style.COLORS["guide"], lw=0.8)
            x += 3.6
        if "shortfall_all_pillars" in obj:
            short = _stat(obj, "shortfall_all_pillars", {"period": period, "scope": scope, "netting": "pillar"}, stat)
            ax.bar(x, short[0], width=0.7, color=colors["shortfall"], edgecolor="#333333", lw=0.8,
                   gid="bar:shortfall:all")
            ax.errorbar(x, short[0], yerr=[[short[0] - short[1]], [short[2] - short[0]]], color="#333333", lw=0.9,
                        capsize=2.5)
            ref = published_value(published, "shortfall", "all", period, scope, "pillar")
            _label(ax, x, short[2], short[0], ref, lang)
            ticks.append(x)
            labels.append(f"{text('shortfall', lang)}\n{term('all', lang)}")
        ax.set_xticks(ticks, labels, fontsize=7.5)
        ax.set_xlim(-0.6, ticks[-1] + 0.6)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.06)
        ax.yaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_ylabel(label_from_attrs({"long_name": text("need", lang), "long_name_en": text("need", lang),
                                        "units": obj["need"].attrs.get("units", "million EUR")}, lang)
                      .replace(text("need", lang), "Bedrag" if lang == "nl" else "Amount"))
        years = dict(zip(obj["period"].values, period_years(obj), strict=True))
        word = text("mean" if stat == "mean" else "median_word", lang)
        ax.set_title(f"{years[period]}, {term(scope, lang)} ({word})")
        handles = [Patch(color=colors[k], label=text(k, lang)) for k in colors]
        handles.append(Line2D([], [], marker="|", ls="", ms=9, mew=1, color="#333333", label=text("whisker", lang)))
        style.legend_below(ax, ncol=4, handles=handles, offset=0.55)
        style.finish_axes(ax, grid_axis="y")
        ax.tick_params(axis="x", length=0)
    return ax
