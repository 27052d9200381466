"""Bar chart of variance shares per input or per uncertainty source."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ..errors import NplvError
from ..formatting import format_eur, format_percent
from ..glossary import label_from_attrs
from . import style
from ._data import check_lang, text, wrap

__all__ = ["plot_variance_contribution"]


def plot_variance_contribution(
    sens: xr.Dataset,
    cell: str = "all_P1_rijk",
    by: str = "input",
    max_bars: int = 12,
    ax: Axes | None = None,
    lang: str = "nl",
    exclude: tuple[str, ...] | list[str] = (),
) -> Axes:
    """Share of the output's variance explained by each input (or source), largest first.

    Parameters
    ----------
    sens : Dataset
        Output of :func:`nplv_sim.sensitivity.analyze_sensitivity`.
    cell : str
        Output cell, ``"<pillar>_<period>_<scope>"`` (pillar ``all`` = both pillars).
    by : {"input", "group"}
        ``"input"``: first-order shares S1 with bootstrap intervals; ``"group"``: linear
        variance share R² of each uncertainty source (U1-U10).
    max_bars : int
        Show at most this many bars; the number left out is noted.
    ax : Axes, optional
        Axes to draw on.
    lang : {"nl", "en"}
        Language.
    exclude : sequence of str
        Inputs or sources known to have no effect on this output (e.g. funderingsherstel on
        a basis without it); left out and named under the figure.

    Returns
    -------
    Axes
        Bars carry ``gid="share:<input or group>"``. With ``by="group"`` the axis always
        runs from 0 to 100 %, so figures for different cells compare at a glance.
    """
    check_lang(lang)
    if by not in ("input", "group"):
        raise NplvError(f"by must be 'input' or 'group', got {by!r}")
    if cell not in sens["cell"].values:
        raise NplvError(f"unknown cell {cell!r}; choose from {', '.join(map(str, sens['cell'].values))}")
    var = "first_order" if by == "input" else "group_r2"
    da = sens[var].sel(cell=cell)
    keys = [str(k) for k in sens[by].values]
    order = [i for i in np.argsort(-np.nan_to_num(da.values, nan=-np.inf), kind="stable") if keys[i] not in exclude]
    shown = np.array(order[:max_bars], dtype=int)
    values = da.values[shown]
    label_coord = f"{by}_label_{lang}"
    labels = sens[label_coord].values if label_coord in sens.coords else sens[by].values
    names = [wrap(labels[i]) for i in shown]
    ax = style.new_axes(ax, figsize=(style.FIGSIZE[0], max(2.4, 0.36 * len(shown) + 1.4)))
    with style.context():
        y = np.arange(len(shown))[::-1]
        color = style.COLORS.get(str(sens["cell_scope"].sel(cell=cell).values), style.COLORS["total"])
        ends = np.clip(values, 0, None)
        if by == "input" and np.isfinite(sens["first_order_ci"].values).any():
            ci = sens["first_order_ci"].sel(cell=cell).values[shown]
            ax.errorbar(ends, y, xerr=[np.clip(values - ci[:, 0], 0, None), np.clip(ci[:, 1] - values, 0, None)],
                        fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
            ends = np.fmax(ends, ci[:, 1])
        for yi, v, end, i in zip(y, values, ends, shown, strict=True):
            ax.barh(yi, max(v, 0.0), height=0.62, color=color, gid=f"share:{sens[by].values[i]}")
            ax.annotate(format_percent(v, 0, lang), (end, yi), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7)
        ax.set_yticks(y, names, fontsize=7.5)
        ax.set_ylim(-0.6, len(shown) - 0.4)
        ax.set_xlim(0, 1.08 if by == "group" else max(0.05, float(np.nanmax(ends)) * 1.15))
        ax.xaxis.set_major_formatter(style.percent_formatter(lang))
        ax.set_xlabel(label_from_attrs(sens[var], lang, with_units=False))
        cell_label = f"cell_label_{lang}"
        title = str(sens[cell_label].sel(cell=cell).values) if cell_label in sens.coords else cell
        sd = float(sens["output_sd"].sel(cell=cell))
        sd_word = "standaardafwijking" if lang == "nl" else "standard deviation"
        ax.set_title(f"{title[:1].upper()}{title[1:]}")
        notes = [f"{sd_word}: {format_eur(sd, lang=lang)}"]
        if by == "input" and "ci_prob" in sens.attrs:
            notes.append(f"{text('ci', lang)} {format_percent(float(sens.attrs['ci_prob']), 0, lang)}")
        notes.append(text("shared", lang))
        left_out = [str(labels[keys.index(k)]) for k in exclude if k in keys]
        if left_out:
            notes.append(wrap(f"{text('no_effect', lang)}: {', '.join(left_out)}", 90))
        if len(order) > len(shown):
            hidden = "niet getoond" if lang == "nl" else "not shown"
            notes.append(f"{len(order) - len(shown)} {text('others', lang)} {hidden}")
        style.note_below(ax, "\n".join(notes))
        style.finish_axes(ax, grid_axis="x")
        ax.tick_params(axis="y", length=0)
    return ax
