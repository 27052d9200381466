"""Tornado chart of one-at-a-time swings (from :func:`nplv_sim.sensitivity.tornado`)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..formatting import format_number
from ..glossary import label_from_attrs
from . import style
from ._data import check_lang, text, wrap

__all__ = ["plot_tornado"]


def plot_tornado(sens: xr.Dataset, max_inputs: int = 12, ax: Axes | None = None, lang: str = "nl") -> Axes:
    """Horizontal bars from the baseline output to the output with one input at P10 / P90.

    Parameters
    ----------
    sens : Dataset
        Output of :func:`nplv_sim.sensitivity.tornado` (sorted by swing).
    max_inputs : int
        Show the inputs with the largest swings (largest at the top).
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.

    Returns
    -------
    Axes
        Bars carry ``gid="tornado:<low|high>:<input>"``; the baseline line ``"tornado:baseline"``.
    """
    check_lang(lang)
    top = sens.isel(input=slice(0, max_inputs))
    n = top.sizes["input"]
    base = float(sens["output_baseline"])
    label_coord = f"input_label_{lang}"
    names = [wrap(v) for v in (top[label_coord].values if label_coord in top.coords else top["input"].values)]
    ax = style.new_axes(ax, figsize=(style.FIGSIZE[0], max(2.6, 0.36 * n + 1.5)))
    with style.context():
        y = np.arange(n)[::-1]
        lows, highs = top["output_low"].values, top["output_high"].values
        for yi, lo, hi, nm in zip(y, lows, highs, top["input"].values, strict=True):
            # both ends may lie on one side of the baseline: draw the longer bar first
            pair = sorted((("low", lo), ("high", hi)), key=lambda kv: -abs(kv[1] - base))
            for kind, v in pair:
                ax.barh(yi, v - base, left=base, height=0.62, color=style.COLORS[kind], edgecolor="#555555", lw=0.4,
                        gid=f"tornado:{kind}:{nm}")
        ax.axvline(base, color=style.COLORS["report"], lw=1.0, gid="tornado:baseline")
        ax.set_yticks(y, names, fontsize=7.5)
        ax.set_ylim(-0.6, n - 0.4)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(style.amount_formatter(lang))
        ax.set_xlabel(label_from_attrs(sens["output_low"], lang))
        cell = str(sens.attrs.get(f"output_cell_{lang}", ""))
        ax.set_title(cell[:1].upper() + cell[1:])
        style.note_below(ax, text("oat", lang), offset=0.75)
        handles = [Patch(facecolor=style.COLORS["low"], edgecolor="#555555", lw=0.4, label=text("at_low", lang)),
                   Patch(facecolor=style.COLORS["high"], edgecolor="#555555", lw=0.4, label=text("at_high", lang)),
                   Line2D([], [], color=style.COLORS["report"], lw=1.0,
                          label=f"{text('baseline', lang)}: {format_number(base, 0, lang)}")]
        style.legend_below(ax, ncol=3, handles=handles, offset=0.45)
        style.finish_axes(ax, grid_axis="x")
        ax.tick_params(axis="y", length=0)
    return ax
