"""The bridge as a figure: from Rebel's figure to the simulated P50 and P85, step by step.

One horizontal waterfall per quantile (columns) and basis (rows: without and with the
add-ons such as funderingsherstel) for one headline cell of :func:`nplv_sim.bridge.bridge`,
all on one amount scale.
The first row is Rebel's figure, then one floating bar per group (its Shapley value, with
whiskers of ±2 Monte Carlo standard errors), and the last row the simulated quantile; the
steps add up exactly to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import NplvError
from ..formatting import format_number
from ..glossary import term
from . import style
from ._data import check_lang, wrap

__all__ = ["plot_bridge"]

_TEXT = {
    "rebel": ("Cijfer Rebel", "Rebel's figure"),
    "simulated": ("Gesimuleerd kwantiel", "Simulated quantile"),
    "up": ("verhoogt", "raises"),
    "down": ("verlaagt", "lowers"),
    "whisker": ("foutbalk: ±2 × Monte Carlo-standaardfout", "error bar: ±2 Monte Carlo standard errors"),
    "amount": ("Restopgave [€ mln.]", "Remaining need [€ million]"),
    "none": ("geen", "none"),
}


def _t(key: str, lang: str) -> str:
    return _TEXT[key][0 if lang == "nl" else 1]


def plot_bridge(br: xr.Dataset, pillar: str = "all", period: str = "horizon", scope: str = "rijk",
                quantiles: tuple[float, ...] = (0.5, 0.85), title: str | None = None, lang: str = "nl") -> Figure:
    """Waterfalls from Rebel's figure to the simulated quantiles of one cell.

    Parameters
    ----------
    br : Dataset
        Output of :func:`nplv_sim.bridge.bridge`.
    pillar, period, scope : str
        The cell (``"all"``: both pillars; ``"horizon"``: the whole horizon).
    quantiles : tuple of float
        One column per quantile (each must be in ``br``).
    title : str, optional
        Figure title (e.g. the cell in words).
    lang : {"nl", "en"}
        Language.

    Returns
    -------
    Figure
        Step bars carry ``gid="bridge:<basis>:<quantile>:<group>"``. Rows are the groups
        that are drawn (players) and ``R``; the others contribute exactly 0.
    """
    check_lang(lang)
    have = [float(q) for q in br["quantile"].values]
    missing = [q for q in quantiles if not np.isclose(have, q).any()]
    if missing:
        raise NplvError(f"the bridge lacks quantiles {missing}")
    groups = [str(g) for g, p in zip(br["group"].values, br["player"].values, strict=True) if p or g == "R"]
    groups = [groups[-1], *groups[:-1]] if groups and groups[-1] == "R" else groups  # reconciliation first
    labels = dict(zip(map(str, br["group"].values), br[f"group_label_{lang}"].values, strict=True))
    bases = [str(b) for b in br["basis"].values]
    addons = br.attrs["addons_in_incl_basis_nl" if lang == "nl" else "addons_in_incl_basis"] or _t("none", lang)
    basis_title = {"headline": term("excl_addons", lang).capitalize(),
                   "incl_addons": (f"Met {addons.lower()}" if lang == "nl" else f"With {addons.lower()}")}
    n_rows = len(groups) + 2
    with style.context():
        import matplotlib.pyplot as plt

        # one scale for every panel, so that bars of the same size look the same size
        fig, axes = plt.subplots(len(bases), len(quantiles), sharex=True, sharey=True, squeeze=False,
                                 figsize=(style.FIGSIZE[0], 0.3 * n_rows * len(bases) + 1.4), layout="constrained")
        lo, hi = np.inf, -np.inf
        ticks = [_t("rebel", lang), *[wrap(f"{g if g.startswith('U') else ''} {labels[g]}".strip(), 34)
                                      for g in groups], ""]
        for i, basis in enumerate(bases):
            for j, q in enumerate(quantiles):
                ax = axes[i, j]
                cell: dict[str, Any] = {"basis": basis, "pillar": pillar, "period": period, "scope": scope}
                c = br["contribution"].sel({**cell, "quantile": q}, method=None)
                se = br["contribution_se"].sel({**cell, "quantile": q})
                ref = float(br["reference"].sel(pillar=pillar, period=period, scope=scope))
                sim = float(br["simulated"].sel({**cell, "quantile": q}))
                qname = f"P{round(q * 100):d}"
                y = n_rows - 1
                ax.plot([ref], [y], marker="D", ms=5, color=style.COLORS["report"], gid=f"bridge:{basis}:{q}:rebel")
                _value(ax, ref, y, format_number(ref, 0, lang))
                running = ref
                lo, hi = min(lo, ref), max(hi, ref)
                for k, g in enumerate(groups):
                    v, s = float(c.sel(group=g)), float(se.sel(group=g))
                    yk = n_rows - 2 - k
                    color = style.COLORS["shortfall"] if v >= 0 else style.COLORS["funding"]
                    ax.barh(yk, v, left=running, height=0.62, color=color, edgecolor="#555555", lw=0.4,
                            gid=f"bridge:{basis}:{q}:{g}")
                    end = running + v
                    if s > 0:
                        ax.errorbar(end, yk, xerr=2 * s, color="#333333", lw=0.8, capsize=2)
                    ax.plot([end, end], [yk - 0.31, yk - 0.69], color=style.COLORS["guide"], lw=0.6)
                    sign = "+" if v > 0 else ""
                    _value(ax, max(running, end) + 2 * s, yk, f"{sign}{format_number(v, 0, lang)}")
                    lo, hi = min(lo, running, end - 2 * s), max(hi, running, end + 2 * s)
                    running = end
                ax.plot([sim], [0], marker="D", ms=5, color=style.COLORS[scope] if scope in style.COLORS else "#333333",
                        gid=f"bridge:{basis}:{q}:simulated")
                _value(ax, sim, 0, format_number(sim, 0, lang))
                lo, hi = min(lo, sim), max(hi, sim)
                ax.set_ylim(-0.6, n_rows - 0.4)
                ax.set_yticks(range(n_rows)[::-1], [*ticks[:-1], _t("simulated", lang)], fontsize=7)
                ax.xaxis.set_major_formatter(style.amount_formatter(lang))
                ax.locator_params(axis="x", nbins=5)
                ax.set_title(f"{basis_title[basis]}, {qname}", fontsize=8.5)
                style.finish_axes(ax, grid_axis="x")
                ax.tick_params(axis="y", length=0)
                if i == len(bases) - 1:
                    ax.set_xlabel(_t("amount", lang))
        span = max(hi - lo, 1.0)
        axes[0, 0].set_xlim(lo - 0.06 * span, hi + 0.22 * span)  # room for the value labels
        if title:
            fig.suptitle(title, x=0.0, ha="left", fontsize=10, fontweight="bold")
        handles = [Patch(facecolor=style.COLORS["shortfall"], edgecolor="#555555", lw=0.4, label=_t("up", lang)),
                   Patch(facecolor=style.COLORS["funding"], edgecolor="#555555", lw=0.4, label=_t("down", lang)),
                   Line2D([], [], marker="|", ls="", ms=8, mew=1, color="#333333", label=_t("whisker", lang))]
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False, fontsize=7.5)
    return fig


def _value(ax, x: float, y: float, label: str) -> None:
    ax.annotate(label, (x, y), xytext=(5, 0), textcoords="offset points", ha="left", va="center", fontsize=6.5)
