"""Convergence: a quantile estimated from the first n draws, with its Monte Carlo band."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from scipy import stats

from ..core.quantiles import bracket_probs
from ..errors import NplvError
from ..formatting import format_number
from ..glossary import period_years, term
from . import style
from ._data import amount_label, check_lang, select, text

__all__ = ["plot_convergence", "running_quantile"]


def running_quantile(values: np.ndarray, q: float, n_points: int = 40, ci_prob: float = 0.95,
                     n_min: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quantile ``q`` of the first ``n`` draws at log-spaced ``n``, with a distribution-free interval.

    The interval is given by the order statistics at ``q -/+ z sqrt(q (1 - q) / n)``
    (binomial; :func:`nplv_sim.core.quantiles.bracket_probs`, the construction behind every
    Monte Carlo error of a quantile, which reports half its width at z = 1). Returns ``(n, estimate, lower, upper)``.
    """
    values = np.asarray(values, dtype=float)
    total = values.size
    if total < 2:
        raise NplvError("convergence needs at least 2 draws")
    ns = np.unique(np.geomspace(min(n_min, total), total, n_points).astype(int))
    z = stats.norm.ppf(0.5 + ci_prob / 2)
    est, lo, hi = (np.empty(ns.size) for _ in range(3))
    for k, n in enumerate(ns):  # a loop over grid points, not over draws
        low, high = bracket_probs(np.array([q]), int(n), z)
        est[k], lo[k], hi[k] = np.quantile(values[:n], [q, low[0], high[0]])
    return ns, est, lo, hi


def plot_convergence(
    ds: xr.Dataset,
    q: float = 0.85,
    period: str = "P1",
    scope: str = "rijk",
    pillar: str = "all",
    variable: str = "shortfall",
    netting: str = "pillar",
    ci_prob: float = 0.95,
    ax: Axes | None = None,
    lang: str = "nl",
) -> Axes:
    """Running estimate of one quantile against the number of draws, with its Monte Carlo band.

    Parameters
    ----------
    ds : Dataset
        Draws of :func:`nplv_sim.simulate`, in the order drawn.
    q : float
        The probability (0.85 for P85).
    period, scope, pillar, variable, netting : str
        The output cell.
    ci_prob : float
        Probability of the band.
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.

    Returns
    -------
    Axes
        The estimate line has ``gid="convergence:estimate"``, the band ``"convergence:band"``.

    Notes
    -----
    For Latin hypercube or Sobol draws a prefix of the sample is not itself stratified,
    so early points wobble more than the final estimate's error suggests.
    """
    check_lang(lang)
    if "draw" not in ds.dims:
        raise NplvError("plot_convergence needs the draws (a simulate() Dataset)")
    da = select(ds, variable, pillar, netting, period=period, scope=scope)
    ns, est, lo, hi = running_quantile(da.values, q, ci_prob=ci_prob)
    ax = style.new_axes(ax)
    color = style.COLORS.get(scope, style.COLORS["total"])
    with style.context():
        ax.fill_between(ns, lo, hi, color=color, alpha=style.BAND_ALPHA["outer"], lw=0, gid="convergence:band")
        ax.plot(ns, est, color=color, lw=1.6, gid="convergence:estimate")
        ax.axhline(est[-1], color=style.COLORS["guide"], lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: format_number(x, 0, lang)))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda _x, _p: ""))
        ax.yaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_xlim(ns[0], ns[-1])
        ax.set_xlabel(text("draws", lang))
        label = amount_label("shortfall_both" if pillar == "all" else "shortfall_word", da.attrs.get("units", ""), lang)
        ax.set_ylabel(f"P{round(q * 100)} {label[:1].lower()}{label[1:]}".replace(" [", "\n[", 1))
        years = dict(zip(ds["period"].values, period_years(ds), strict=True))
        ax.set_title(f"{term(pillar, lang).capitalize()}, {years[period]}, {term(scope, lang)}")
        width = format_number((hi[-1] - lo[-1]) / 2, 0, lang)
        handles = [Line2D([], [], color=color, lw=1.6, label=f"P{round(q * 100)}"),
                   Patch(color=color, alpha=style.BAND_ALPHA["outer"],
                         label=text("mc_band", lang).replace("95", format_number(100 * ci_prob, 0, lang))),
                   Line2D([], [], color=style.COLORS["guide"], ls="--", lw=0.8,
                          label=f"{text('final', lang)} {format_number(est[-1], 0, lang)} \u00b1 {width}")]
        style.legend_below(ax, ncol=3, handles=handles)
        style.finish_axes(ax)
    return ax
