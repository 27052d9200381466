"""One-at-a-time evaluation of the model: the engine behind the tornado chart."""

from __future__ import annotations

from collections.abc import Callable

from .compile import compile_assumptions
from .core.model import evaluate
from .schema import Assumptions

__all__ = ["make_evaluator"]

_SCOPES = ("total", "rijk")
_NETTINGS = ("pillar", "component")


def make_evaluator(
    a: Assumptions,
    period: str = "P1",
    scope: str = "rijk",
    netting: str = "pillar",
    pillar: str | None = None,
    incl_addons: bool = False,
) -> Callable[[dict[str, float]], float]:
    """A function ``values -> shortfall`` with every input not in ``values`` at baseline.

    Parameters
    ----------
    a : Assumptions
        The model.
    period, scope, netting : str
        Which shortfall to return.
    pillar : str, optional
        One pillar; None sums both pillars.
    incl_addons : bool
        Use the shortfall including add-ons.

    Returns
    -------
    callable
        ``f(values: dict[input name, float]) -> float`` [EUR million].
    """
    cm = compile_assumptions(a, deterministic=True)
    names = list(cm.inputs)
    base = cm.plan.baseline.copy()
    p, s, k = cm.periods.index(period), _SCOPES.index(scope), _NETTINGS.index(netting)
    key = "shortfall_incl_addons" if incl_addons else "shortfall"

    def f(values: dict[str, float]) -> float:
        x = base.copy()
        for name, v in values.items():
            x[names.index(name)] = v
        out = evaluate(cm.arrays, x[None, :], detail=False)[key][0, :, p, s, k]
        return float(out.sum() if pillar is None else out[cm.pillars.index(pillar)])

    return f
