"""The engine as a function of its inputs: one-at-a-time evaluation (the tornado) and Sobol indices."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from .compiled import compile_assumptions
from .core.model import evaluate
from .schema import Assumptions

__all__ = ["engine_sobol_indices", "make_evaluator"]

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
    by: str = "input",
    incl_addons: bool = False,
):
    """First-order and total Sobol indices of one shortfall cell, on the engine, by scipy.

    A pick-freeze design over the random inputs drawn *independently* from their own
    laws (the declared correlations are ignored: pick-freeze needs independent inputs, as
    the ``correlation`` attribute says); inputs that are not drawn stay at their held
    values. ``A`` and ``B`` are the two halves of one scrambled Sobol sequence; the
    estimators are those of :func:`scipy.stats.sobol_indices` (Saltelli 2010 for S1, Jansen
    1999 for ST) with its bootstrap intervals. With ``by="group"`` every input of a source
    of uncertainty (U1-U10) is switched at once: grouped indices, one per source, which
    need far fewer evaluations per index and give S1 <= ST within their intervals.

    Parameters
    ----------
    n : int
        Base sample size, rounded up to a power of 2 (scipy's requirement); the model
        runs ``n (d + 2)`` times for ``d`` inputs or groups.
    by : {"input", "group"}
        Indices per input, or per source of uncertainty (``input_group``).
    incl_addons : bool
        The shortfall including add-ons (funderingsherstel) instead of without.

    Returns
    -------
    xarray.Dataset
        ``first_order``, ``total_order`` and their ``*_ci`` (95 %) along ``input`` or
        ``group``; attrs ``n``, ``evaluations``, ``estimator``, ``correlation``.
    """
    from scipy import stats
    from scipy.stats import qmc

    from .core.model import evaluate_t

    if by not in ("input", "group"):
        raise ValueError(f"by must be 'input' or 'group', got {by!r}")
    cm = compile_assumptions(a)
    idx = np.flatnonzero(cm.plan.random)
    k = idx.size
    p, s, k_net = cm.periods.index(period), _SCOPES.index(scope), _NETTINGS.index(netting)
    key = "shortfall_incl_addons" if incl_addons else "shortfall"
    group_of = {i.name: i.group for i in a.inputs}
    names = [cm.inputs[j] for j in idx]
    if by == "input":
        labels, columns = names, [[c] for c in range(k)]
    else:
        labels = list(dict.fromkeys(group_of[nm] for nm in names))
        columns = [[c for c, nm in enumerate(names) if group_of[nm] == g] for g in labels]
    n = 1 << max(0, int(np.ceil(np.log2(max(int(n), 2)))))
    gen = np.random.default_rng(rng)
    u = qmc.Sobol(2 * k, scramble=True, rng=gen).random(n)
    u_a, u_b = u[:, :k], u[:, k:]
    u_ab = np.repeat(u_a[None], len(labels), axis=0)
    for g, cols in enumerate(columns):
        u_ab[g][:, cols] = u_b[:, cols]
    uu = np.concatenate([u_a, u_b, u_ab.reshape(-1, k)])
    x = np.column_stack([cm.plan.laws[j].ppf(uu[:, c]) for c, j in enumerate(idx)])
    xt = np.repeat(cm.plan.baseline[:, None], x.shape[0], axis=1)
    xt[idx] = x.T
    out = evaluate_t(cm.arrays, xt, detail=False)[key][:, p, s, k_net]  # (pillar, m)
    f = (out.sum(axis=0) if pillar is None else out[cm.pillars.index(pillar)]).reshape(len(labels) + 2, n)
    def indices(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sub = f[:, rows]
        r = stats.sobol_indices(func={"f_A": sub[0][None], "f_B": sub[1][None], "f_AB": sub[2:][:, None, :]}, n=n)
        return np.ravel(r.first_order), np.ravel(r.total_order)

    s1, st = indices(np.arange(n))
    # Percentile bootstrap over the n rows. (SobolResult.bootstrap holds an n x n array per
    # resample: gigabytes at the n needed here.) One scipy call per resample, none per draw.
    boot = [indices(gen.integers(0, n, size=n)) for _ in range(n_bootstrap)]
    b1, bt = np.array([b[0] for b in boot]), np.array([b[1] for b in boot])
    dim = "input" if by == "input" else "group"
    bounds = {"units": "1", "method": "bootstrap percentile over the base sample's rows"}

    def interval(b: np.ndarray) -> np.ndarray:
        return np.quantile(b, [0.025, 0.975], axis=0).T

    ds = xr.Dataset(
        {"first_order": (dim, s1, {"long_name": "Eerste-orde Sobol-index",
                                                        "long_name_en": "First-order Sobol index", "units": "1"}),
         "total_order": (dim, st, {"long_name": "Totale Sobol-index",
                                                        "long_name_en": "Total Sobol index", "units": "1"}),
         "first_order_ci": ((dim, "ci_bound"), interval(b1), bounds),
         "total_order_ci": ((dim, "ci_bound"), interval(bt), bounds)},
        coords={dim: labels, "ci_bound": ["lower", "upper"]},
        attrs={"n": n, "evaluations": n * (len(labels) + 2), "n_bootstrap": n_bootstrap, "ci_prob": 0.95,
               "estimator": "scipy.stats.sobol_indices: Saltelli 2010 (S1), Jansen 1999 (ST); scrambled Sobol "
                            "design; bootstrap intervals",
               "correlation": "ignored: inputs drawn independently", "period": period, "scope": scope,
               "netting": netting, "pillar": pillar or "all", "by": by,
               "basis": "incl_addons" if incl_addons else "excl_addons"})
    return ds
