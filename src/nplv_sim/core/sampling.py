"""Normal scores for one block of draws: pseudo-random, Latin hypercube or Sobol.

Everything is generated in normal-score space ``z`` (standard normal margins); laws map
``z`` to values with :meth:`Law.from_normal`. The Gaussian copula is a matrix product on
``z``. No Python loop over draws: loops run over inputs (tens) at most.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special
from scipy.stats import qmc

from .seeding import SOBOL_STREAM, RootSeed, block_rng

__all__ = ["METHODS", "normal_scores"]

METHODS = ("random", "lhs", "sobol")
_U_EPS = 1e-16


def _uniform_to_z(u: np.ndarray) -> np.ndarray:
    return special.ndtri(np.clip(u, _U_EPS, 1.0 - _U_EPS))


def normal_scores(
    method: str,
    root: RootSeed,
    streams: Sequence[int],
    block: int,
    n: int,
    chol: np.ndarray | None = None,
) -> np.ndarray:
    """Standard-normal scores for ``n`` draws of block ``block``.

    Parameters
    ----------
    method : {"random", "lhs", "sobol"}
        Pseudo-random normals; Latin hypercube (each input stratified in ``n`` equal
        probability strata); or a scrambled Sobol sequence over all inputs jointly.
    root : tuple
        Root seed from :func:`~nplv_sim.core.seeding.resolve_seed`.
    streams : sequence of int
        One stream key per random input (column).
    block : int
        Block index.
    n : int
        Draws in this block.
    chol : ndarray, optional
        Lower Cholesky factor of the normal-score correlation matrix (k, k).

    Returns
    -------
    ndarray
        Shape (n, k).
    """
    k = len(streams)
    z = np.empty((n, k))
    if k == 0:
        return z
    if method == "random":
        for j, s in enumerate(streams):
            z[:, j] = block_rng(root, s, block).standard_normal(n)
    elif method == "lhs":
        for j, s in enumerate(streams):
            g = block_rng(root, s, block)
            strata = g.permutation(n)
            z[:, j] = _uniform_to_z((strata + g.random(n)) / n)
    elif method == "sobol":
        sampler = qmc.Sobol(d=k, scramble=True, rng=block_rng(root, SOBOL_STREAM, block))
        m = int(np.ceil(np.log2(max(n, 2))))
        z[:] = _uniform_to_z(sampler.random_base2(m)[:n])
    else:
        raise ValueError(f"unknown sampling method {method!r}; choose from {', '.join(METHODS)}")
    if chol is not None:
        z = z @ chol.T
    return z
