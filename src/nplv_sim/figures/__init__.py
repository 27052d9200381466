"""Figures for the appendix of a letter to Parliament: functions of a results Dataset.

Every ``plot_*`` function takes the Dataset (draws from :func:`nplv_sim.simulate`, a
summary from :func:`nplv_sim.summarize`, or a sensitivity Dataset), ``ax=None`` and
``lang="nl"`` (or ``"en"``), draws on ``ax`` (a new figure when None) and returns the
Axes. Labels come from the variables' attributes; style lives in :mod:`.style` only;
:func:`save_figure` writes PNG, PDF and SVG. See ``docs/figures.md``.
"""

from __future__ import annotations

from .bridge import plot_bridge
from .convergence import plot_convergence
from .fan import plot_fan
from .intervals import plot_intervals
from .save import save_figure
from .scenarios import plot_scenarios
from .scurve import plot_scurve
from .tornado import plot_tornado
from .variance import plot_variance_contribution
from .waterfall import plot_waterfall

__all__ = [
    "plot_bridge",
    "plot_convergence",
    "plot_fan",
    "plot_intervals",
    "plot_scenarios",
    "plot_scurve",
    "plot_tornado",
    "plot_variance_contribution",
    "plot_waterfall",
    "save_figure",
]
