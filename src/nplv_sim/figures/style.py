"""The house style of nplv-sim figures: the only place style lives.

Colours are the Okabe-Ito palette (safe for the common forms of colour blindness and
readable in greyscale through lightness and line style), with fixed roles so that a
colour means the same thing in every figure: blue is the whole need (*totaal*),
vermilion the national government's share (*Rijk*), black the report's published
figure. Sizes suit a 16 cm wide text column of a Kamerbrief appendix (A4). Tick labels
use Dutch number formatting by default (``2.500``, ``85 %``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from ..formatting import format_number, format_percent

__all__ = [
    "BAND_ALPHA",
    "COLORS",
    "FIGSIZE",
    "OKABE_ITO",
    "RC",
    "amount_formatter",
    "context",
    "finish_axes",
    "legend_below",
    "note_below",
    "new_axes",
    "percent_formatter",
]

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermilion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# role -> colour; used by every figure module
COLORS = {
    "total": OKABE_ITO["blue"],
    "rijk": OKABE_ITO["vermilion"],
    "report": OKABE_ITO["black"],
    "need": OKABE_ITO["sky_blue"],
    "funding": OKABE_ITO["bluish_green"],
    "budget": OKABE_ITO["bluish_green"],  # money available: the same role as funding
    "shortfall": OKABE_ITO["orange"],
    "low": OKABE_ITO["yellow"],
    "high": OKABE_ITO["reddish_purple"],
    "guide": "#8c8c8c",
    "grid": "#dddddd",
}
BAND_ALPHA = {"outer": 0.25, "inner": 0.55}  # P5-P95 and P15-P85 bands
LINESTYLES = ("-", "--", ":", "-.")  # by period
FIGSIZE = (6.3, 3.9)  # inches: 16 cm text width

RC: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=[COLORS["total"], COLORS["rijk"], OKABE_ITO["bluish_green"],
                                     OKABE_ITO["orange"], OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"]]),
    "lines.linewidth": 1.6,
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "pdf.fonttype": 42,  # TrueType in PDF: text stays editable and searchable
    "svg.fonttype": "path",  # SVG looks the same without the font installed
    "svg.hashsalt": "nplv-sim",  # stable element ids: same figure, same file
    "axes.unicode_minus": False,  # tick labels come from formatting.py anyway
    # Labels come from files: "$" is a currency sign there, never mathtext ($\undefined$
    # would stop the figure with an error). The one switch for every text of every figure.
    "text.parse_math": False,
}


@contextlib.contextmanager
def context() -> Iterator[None]:
    """Apply :data:`RC` inside a ``with`` block (the caller's rcParams are restored)."""
    with mpl.rc_context(RC):
        yield


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """Return ``ax`` or a new Axes on a new figure of the house size."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with context():
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def finish_axes(ax: Axes, grid_axis: str = "both") -> Axes:
    """Set the styled properties explicitly on ``ax`` (holds outside :func:`context` too)."""
    ax.tick_params(labelsize=RC["xtick.labelsize"], color=COLORS["guide"], length=3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(COLORS["guide"])
    ax.set_axisbelow(True)
    ax.grid(False)
    if grid_axis != "none":
        ax.grid(True, axis=grid_axis, color=COLORS["grid"], linewidth=0.6)
    return ax


def legend_below(ax: Axes, ncol: int = 3, offset: float = 0.5, **kwargs: Any) -> None:
    """Legend under the axes (``offset`` inches below, clear of the x label): never on the data."""
    shift = ScaledTranslation(0, -offset, ax.figure.dpi_scale_trans)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=ax.transAxes + shift,
              ncol=ncol, borderaxespad=0.0, **kwargs)


def note_below(ax: Axes, note: str, offset: float = 0.42) -> None:
    """A small grey note under the axes, right-aligned, ``offset`` inches below (under the x label)."""
    shift = ScaledTranslation(0, -offset, ax.figure.dpi_scale_trans)
    ax.text(1.0, 0.0, note, transform=ax.transAxes + shift, ha="right", va="top", fontsize=7, color="#555555")


def amount_formatter(lang: str = "nl", decimals: int = 0) -> FuncFormatter:
    """Tick formatter for amounts: ``2.500`` (nl) or ``2,500`` (en)."""
    return FuncFormatter(lambda x, _pos: format_number(x, decimals, lang))


def percent_formatter(lang: str = "nl", decimals: int = 0) -> FuncFormatter:
    """Tick formatter for fractions shown as percentages: ``85 %`` (nl) or ``85%`` (en)."""
    return FuncFormatter(lambda x, _pos: format_percent(x, decimals, lang))
