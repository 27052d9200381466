"""nplv-sim: Monte Carlo uncertainty of the NPLV funding gap (restopgave).

Public API: :func:`load_assumptions`, :func:`simulate`, :func:`summarize`. They are
imported lazily, so that ``import nplv_sim.core`` loads numpy and scipy only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_assumptions", "simulate", "summarize"]

_API = {
    "load_assumptions": "nplv_sim.assumptions",
    "simulate": "nplv_sim.simulation",
    "summarize": "nplv_sim.summary",
}

if TYPE_CHECKING:  # pragma: no cover
    from .assumptions import load_assumptions
    from .simulation import simulate
    from .summary import summarize


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'nplv_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
