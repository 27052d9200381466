"""One-at-a-time evaluation of the model: the engine behind the tornado chart."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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


def engine_sobol_indices(
    a: Assumptions,
    n: int = 4096,
    period: str = "P1",
    scope: str = "rijk",
    netting: str = "pillar",
    pillar: str | None = None,
    rng: int | None = 0,
    n_bootstrap: int = 200,
):
    """First-order and total Sobol indices of one shortfall cell, on the engine.

    A pick-freeze design (:func:`nplv_sim.sensitivity.sobol_indices`) over the random
    inputs drawn *independently* from their own laws: the declared correlations are
    ignored (pick-freeze needs independent inputs), as the ``correlation`` attribute says.
    Inputs that are not drawn stay at their held values. Costs ``n (k + 2)`` evaluations.

    Returns
    -------
    xarray.Dataset
        ``first_order``, ``total_order`` and their ``*_ci`` along ``input``.
    """
    from .core.model import evaluate_t
    from .sensitivity import sobol_indices

    cm = compile_assumptions(a)
    idx = np.flatnonzero(cm.plan.random)
    ppfs = {cm.inputs[k]: cm.plan.laws[k].ppf for k in idx}
    p, s, k_net = cm.periods.index(period), _SCOPES.index(scope), _NETTINGS.index(netting)

    def model_fn(x: np.ndarray) -> np.ndarray:
        xt = np.repeat(cm.plan.baseline[:, None], x.shape[0], axis=1)
        xt[idx] = x.T
        out = evaluate_t(cm.arrays, xt, detail=False)["shortfall"][:, p, s, k_net]  # (Q, m)
        return out.sum(axis=0) if pillar is None else out[cm.pillars.index(pillar)]

    ds = sobol_indices(model_fn, ppfs, n, rng=rng, n_bootstrap=n_bootstrap)
    ds.attrs.update(correlation="ignored: inputs drawn independently", period=period, scope=scope, netting=netting, pillar=pillar or "all")
    return ds
