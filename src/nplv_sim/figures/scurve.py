"""S-curve: the cumulative probability of the shortfall, with the report's figure on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..errors import NplvError
from ..formatting import format_number
from ..glossary import period_years, term
from . import style
from ._data import amount_label, cell_title, check_lang, published_value, quantiles, select, text

__all__ = ["plot_scurve"]

_GRID = np.linspace(0.0, 1.0, 801)  # probabilities at which the curve is drawn


def plot_scurve(
    ds: xr.Dataset,
    period: str | Sequence[str] | None = None,
    scope: str | Sequence[str] = ("total", "rijk"),
    pillar: str = "all",
    variable: str = "shortfall",
    netting: str = "pillar",
    published: Any = None,
    summary: xr.Dataset | None = None,
    marks: Sequence[float] = (0.15, 0.5, 0.85),
    ax: Axes | None = None,
    lang: str = "nl",
) -> Axes:
    """Cumulative probability (S-curve) of the shortfall per period and scope.

    Parameters
    ----------
    ds : Dataset
        Draws from :func:`nplv_sim.simulate` (needs the ``draw`` dimension).
    period : str or sequence of str, optional
        Periods to draw (default: all).
    scope : str or sequence of str
        ``"total"`` and/or ``"rijk"``.
    pillar : str
        ``"physical"``, ``"social"`` or ``"all"`` (both pillars, as the report's Table 1).
    variable : str
        ``"shortfall"`` or ``"shortfall_incl_addons"``.
    netting : str
        Netting method.
    published : float, mapping, Assumptions or sequence of Published, optional
        The report's point estimate(s); marked with a diamond and their cumulative
        probability. Assumptions give the published figures of the facts file.
    summary : Dataset, optional
        Output of :func:`nplv_sim.summarize`; when given, the P15/P50/P85 marks are its
        values (else computed from ``ds`` the same way).
    marks : sequence of float
        Probabilities marked on each curve (guide lines at these levels).
    ax : Axes, optional
        Axes to draw on (default: a new figure).
    lang : {"nl", "en"}
        Language of labels and numbers.

    Returns
    -------
    Axes
        Curves carry ``gid="scurve:<period>:<scope>"``, marks ``gid="mark:<q>:<period>:<scope>"``
        and report points ``gid="report:<period>:<scope>"``.
    """
    check_lang(lang)
    if "draw" not in ds.dims:
        raise NplvError("plot_scurve needs the draws (a simulate() Dataset), not a summary")
    periods = list(ds["period"].values) if period is None else [period] if isinstance(period, str) else list(period)
    scopes = [scope] if isinstance(scope, str) else list(scope)
    years = dict(zip(ds["period"].values, period_years(ds), strict=True))
    ax = style.new_axes(ax)
    curves: list[np.ndarray] = []
    points: list[tuple[float, float, str, str, int]] = []
    with style.context():
        for q in marks:
            ax.axhline(q, color=style.COLORS["guide"], lw=0.6, ls=(0, (4, 3)), zorder=1)
            ax.annotate(f"P{round(q * 100)}", (1.0, q), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=7, color=style.COLORS["guide"])
        for i, p in enumerate(periods):
            for s in scopes:
                da = select(ds, variable, pillar, netting, period=p, scope=s)
                label = f"{term(s, lang).capitalize()} {years[p]}"
                color, ls = style.COLORS.get(s, None), style.LINESTYLES[i % len(style.LINESTYLES)]
                x = da.quantile(_GRID, dim="draw").values
                ax.plot(x, _GRID, color=color, ls=ls, label=label, gid=f"scurve:{p}:{s}", zorder=3)
                curves.append(x)
                src = select(summary, variable, pillar, netting, period=p, scope=s) if summary is not None else da
                qv = quantiles(src, marks).values
                for q, v in zip(marks, qv, strict=True):
                    ax.plot([v], [q], "o", ms=4, color=color, mec="white", mew=0.6, zorder=4, gid=f"mark:{q}:{p}:{s}")
                ref = published_value(published, variable, pillar, p, s, netting)
                if ref is not None:
                    prob = float((da <= ref).mean())
                    ax.plot([ref], [prob], "D", ms=6, color=style.COLORS["report"], mec="white", mew=0.8,
                            zorder=5, gid=f"report:{p}:{s}")
                    points.append((ref, prob, f"{format_number(ref, 0, lang)} = P{round(100 * prob)}", f"{p}:{s}",
                                   len(curves) - 1))
        _label_points(ax, points, curves)
        if published is not None:
            ax.plot([], [], "D", ms=6, color=style.COLORS["report"], mec="white",
                    label=text("report_p", lang))
        ax.set_ylim(0, 1)
        ax.set_xlabel(amount_label("shortfall_both" if pillar == "all" else "shortfall_word",
                                   da.attrs.get("units", "million EUR"), lang))
        ax.set_ylabel(text("cum_prob", lang))
        ax.yaxis.set_major_formatter(style.percent_formatter(lang))
        ax.xaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_title(cell_title(pillar, None, netting, lang, variable))
        style.legend_below(ax, ncol=2)
        style.finish_axes(ax)
    return ax


def _label_points(ax: Axes, points: list[tuple[float, float, str, str, int]], curves: list[np.ndarray]) -> None:
    """Label each report diamond on the side where no other curve passes within the text's width.

    Labels sit just below the diamond, without a halo: right of it (under its own rising
    curve) when the next curve to the right leaves room, else left of it.
    """
    lo, hi = min(float(c[0]) for c in curves), max(float(c[-1]) for c in curves)
    for ref, prob, label, gid, own in points:
        width = (hi - lo) * (0.012 * len(label) + 0.02)  # about 7 pt per character on a 16 cm axis
        at = [float(np.interp(prob - 0.03, _GRID, c)) for i, c in enumerate(curves) if i != own]
        right = min([x - ref for x in at if x > ref + 1e-9], default=np.inf)
        left = min([ref - x for x in at if x < ref - 1e-9], default=np.inf)
        go_right = right >= width or right >= left
        ax.annotate(label, (ref, prob), xytext=(5 if go_right else -5, -4), textcoords="offset points",
                    ha="left" if go_right else "right", va="top", fontsize=7, zorder=6, gid=f"label:{gid}")
