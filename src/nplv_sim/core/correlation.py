"""Correlation matrices: checks, repair to the nearest valid matrix, rank <-> Pearson."""

from __future__ import annotations

import numpy as np

__all__ = ["is_valid_correlation", "nearest_correlation", "spearman_to_pearson", "spearman"]


def spearman_to_pearson(rho_s: np.ndarray) -> np.ndarray:
    """Pearson correlation of a bivariate normal with Spearman correlation ``rho_s``.

    The Gaussian copula is parametrised by normal-score correlation r; its rank
    correlation is ``6/pi * arcsin(r/2)``, so ``r = 2 sin(pi rho_s / 6)``.
    """
    return 2.0 * np.sin(np.pi * np.asarray(rho_s, dtype=float) / 6.0)


def is_valid_correlation(c: np.ndarray, tol: float = 1e-10) -> bool:
    """Symmetric, unit diagonal, entries in [-1, 1], positive semi-definite."""
    c = np.asarray(c, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        return False
    if not np.allclose(c, c.T, atol=tol) or not np.allclose(np.diag(c), 1.0, atol=tol):
        return False
    return bool(np.linalg.eigvalsh((c + c.T) / 2.0).min() >= -tol)


def nearest_correlation(c: np.ndarray, max_iter: int = 500, tol: float = 1e-12) -> np.ndarray:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002, with Dykstra).

    Parameters
    ----------
    c : ndarray
        Symmetric matrix with unit diagonal that may not be positive semi-definite.
    max_iter, tol : int, float
        Iteration limit and convergence tolerance.

    Returns
    -------
    ndarray
        A valid correlation matrix (eigenvalues >= 0, unit diagonal).
    """
    y = np.asarray(c, dtype=float).copy()
    ds = np.zeros_like(y)
    x = y
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh((r + r.T) / 2.0)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y) <= tol * max(1.0, np.linalg.norm(y)):
            y = y_new
            break
        y = y_new
    # Nudge tiny negative eigenvalues so that a Cholesky factor exists.
    w, v = np.linalg.eigh((y + y.T) / 2.0)
    w = np.maximum(w, 1e-12)
    y = (v * w) @ v.T
    d = np.sqrt(np.diag(y))
    y = y / np.outer(d, d)
    np.fill_diagonal(y, 1.0)
    return y


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks (1..n) of a 1-d array, ties given their average rank (as ``scipy.stats.rankdata``)."""
    n = values.shape[0]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]]) if n else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    ends = np.concatenate([starts[1:], [n]])
    ranks = np.empty(n)
    ranks[order] = ((starts + ends + 1) / 2.0)[np.cumsum(first) - 1]
    return ranks


def spearman(x: np.ndarray) -> np.ndarray:
    """Spearman rank correlation matrix of the columns of ``x`` (n, k); ties averaged."""
    x = np.asarray(x)
    ranks = np.stack([average_ranks(col) for col in x.T]) if x.shape[1] else np.empty((0, x.shape[0]))
    ranks -= ranks.mean(axis=1, keepdims=True)
    norm = np.sqrt((ranks * ranks).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ranks /= norm[:, None]
    # einsum, not BLAS: a (k, n) x (n, k) product this small is faster without threads.
    return np.atleast_2d(np.einsum("in,jn->ij", ranks, ranks))
