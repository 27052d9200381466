"""Interval chart: P5-P95 and P15-P85 per pillar, period and scope beside the report's figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..glossary import BASES, period_years, short_term, term
from . import style
from ._data import amount_label, check_lang, published_value, quantiles, select, text

__all__ = ["plot_intervals"]


def plot_intervals(
    obj: xr.Dataset,
    scope: str | Sequence[str] = ("total", "rijk"),
    pillars: Sequence[str] = ("physical", "social", "all"),
    variable: str = "shortfall",
    netting: str = "pillar",
    published: Any = None,
    ax: Axes | None = None,
    lang: str = "nl",
) -> Axes:
    """Horizontal interval chart, one row per pillar x period x scope.

    Each row shows the 90 % interval (P5-P95, thin), the 70 % interval (P15-P85,
    thick), the median (white tick) and, beside it, the report's single figure (black
    diamond).

    Parameters
    ----------
    obj : Dataset
        A summary (:func:`nplv_sim.summarize`, with quantiles 0.05, 0.15, 0.5, 0.85,
        0.95) or the draws of :func:`nplv_sim.simulate`.
    scope : str or sequence of str
        Scopes shown.
    pillars : sequence of str
        Pillars, ``"all"`` for both together (the report's Table 1).
    variable : str
        ``"shortfall"`` or ``"shortfall_incl_addons"``.
    netting : str
        Netting method.
    published : float, mapping, Assumptions or sequence of Published, optional
        The report's figures.
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.

    Returns
    -------
    Axes
        Bands carry ``gid="band:<p5_p95|p15_p85>:<pillar>:<period>:<scope>"``, medians
        ``gid="median:..."`` and report figures ``gid="report:..."``.
    """
    check_lang(lang)
    scopes = [scope] if isinstance(scope, str) else list(scope)
    periods = [str(p) for p in obj["period"].values]
    years = dict(zip(periods, period_years(obj), strict=True))
    rows = [(q, p, s) for q in pillars for p in periods for s in scopes]
    height = max(2.6, 0.28 * len(rows) + 1.3)
    ax = style.new_axes(ax, figsize=(style.FIGSIZE[0], height))
    with style.context():
        labels = []
        for i, (q, p, s) in enumerate(rows):
            y = len(rows) - 1 - i
            v = quantiles(select(obj, variable, q, netting, period=p, scope=s)).values
            color = style.COLORS.get(s)
            gid = f"{q}:{p}:{s}"
            ax.hlines(y, v[0], v[4], color=color, lw=1.4, alpha=0.9, gid=f"band:p5_p95:{gid}")
            ax.hlines(y, v[1], v[3], color=color, lw=6.5, gid=f"band:p15_p85:{gid}")
            ax.plot([v[2]], [y], "|", ms=7, mew=2, color="white", gid=f"median:{gid}")
            ref = published_value(published, variable, q, p, s, netting)
            if ref is not None:
                ax.plot(
                    [ref],
                    [y],
                    "D",
                    ms=5,
                    color=style.COLORS["report"],
                    mec="white",
                    mew=0.6,
                    zorder=5,
                    gid=f"report:{gid}",
                )
            labels.append(f"{short_term(q, lang)} \u00b7 {years[p]} \u00b7 {term(s, lang)}")
        ax.set_yticks(np.arange(len(rows))[::-1], labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        block = len(periods) * len(scopes)
        for k in range(1, len(pillars)):
            ax.axhline(len(rows) - k * block - 0.5, color=style.COLORS["guide"], lw=0.6)
        units = select(obj, variable, pillars[0], netting).attrs.get("units", "million EUR")
        ax.set_xlabel(amount_label("shortfall_word", units, lang))
        ax.xaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
        basis = term(BASES[variable], lang) if variable in BASES else ""
        ax.set_title(", ".join(filter(None, [term(netting, lang).capitalize(), basis])))
        handles = [
            Line2D([], [], color=style.COLORS["guide"], lw=1.4, label=text("p5_p95", lang)),
            Patch(color=style.COLORS["guide"], label=text("p15_p85", lang)),
            # the median as drawn: a white tick on the bar
            (Patch(color=style.COLORS["guide"]), Line2D([], [], marker="|", ls="", ms=7, mew=2, color="white")),
        ]
        handles += [Patch(color=style.COLORS[s], label=term(s, lang).capitalize()) for s in scopes]
        if published is not None:
            handles.append(
                Line2D([], [], marker="D", ls="", ms=5, color=style.COLORS["report"], label=text("report", lang))
            )
        names = [text("p5_p95", lang), text("p15_p85", lang), text("median", lang)] + [
            h.get_label() for h in handles[3:]
        ]
        style.legend_below(ax, ncol=3, handles=handles, labels=names, handler_map={tuple: HandlerTuple(ndivide=1)})
        style.finish_axes(ax, grid_axis="x")
        ax.tick_params(axis="y", length=0)
    return ax
