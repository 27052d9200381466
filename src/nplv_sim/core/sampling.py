"""Normal scores for one block of draws: pseudo-random, Latin hypercube or Sobol.

Everything is generated in normal-score space ``z`` (standard normal margins); laws map
``z`` to values with :meth:`Law.from_normal`. The Gaussian copula is a matrix product on
``z``. No Python loop over draws: loops run over inputs (tens) at most.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from .methods import METHODS
from .seeding import SOBOL_STREAM, RootSeed, block_rng

__all__ = ["METHODS", "apply_copula", "normal_scores", "normal_scores_t"]

_U_EPS = 1e-16


def _uniform_to_z(u: np.ndarray) -> np.ndarray:
    return special.ndtri(np.clip(u, _U_EPS, 1.0 - _U_EPS))


def normal_scores_t(
    method: str,
    root: RootSeed,
    streams: Sequence[tuple[int, ...]],
    block: int,
    n: int,
    chol: np.ndarray | None = None,
) -> np.ndarray:
    """Standard-normal scores for ``n`` draws of block ``block``, laid out (k, n).

    Parameters
    ----------
    method : {"random", "lhs", "sobol"}
        Pseudo-random normals; Latin hypercube (each input stratified in ``n`` equal
        probability strata); or a scrambled Sobol sequence over all inputs jointly.
    root : tuple
        Root seed from :func:`~nplv_sim.core.seeding.resolve_seed`.
    streams : sequence of tuple of int
        One stream key (:func:`~nplv_sim.core.seeding.stream_key`) per random input (row).
    block : int
        Block index.
    n : int
        Draws in this block.
    chol : ndarray, optional
        Lower Cholesky factor of the normal-score correlation matrix (k, k).

    Returns
    -------
    ndarray
        Shape (k, n), C-contiguous.
    """
    k = len(streams)
    z = np.empty((k, n))
    if k == 0:
        return z
    if method == "random":
        for j, s in enumerate(streams):
            block_rng(root, s, block).standard_normal(n, out=z[j])
    elif method == "lhs":
        for j, s in enumerate(streams):
            g = block_rng(root, s, block)
            strata = g.permutation(n)
            z[j] = _uniform_to_z((strata + g.random(n)) / n)
    elif method == "sobol":
        from scipy.stats import qmc  # imported on demand: scipy.stats is slow to import

        sampler = qmc.Sobol(d=k, scramble=True, rng=block_rng(root, SOBOL_STREAM, block))
        m = int(np.ceil(np.log2(max(n, 2))))
        z[:] = _uniform_to_z(sampler.random_base2(m)[:n]).T
    else:
        raise ValueError(f"unknown sampling method {method!r}; choose from {', '.join(METHODS)}")
    if chol is not None:
        apply_copula(chol, z)
    return z


def apply_copula(chol: np.ndarray, z: np.ndarray) -> None:
    """``z <- chol @ z`` in place for lower-triangular ``chol``, row by row.

    Going from the last row up, row ``i`` still sees the original rows ``j < i``. Only
    non-zero entries cost work (most inputs are independent), and the fixed order of
    operations keeps results identical on every machine and thread count (no BLAS).
    """
    for i in range(chol.shape[0] - 1, -1, -1):
        cols = np.flatnonzero(chol[i, :i])
        if cols.size == 0 and chol[i, i] == 1.0:
            continue
        row = z[i] * chol[i, i]
        for j in cols:
            row += chol[i, j] * z[j]
        z[i] = row


def normal_scores(
    method: str,
    root: RootSeed,
    streams: Sequence[tuple[int, ...]],
    block: int,
    n: int,
    chol: np.ndarray | None = None,
) -> np.ndarray:
    """As :func:`normal_scores_t`, laid out (n, k) (a transposed view)."""
    return normal_scores_t(method, root, streams, block, n, chol).T
