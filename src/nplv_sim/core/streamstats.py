"""Mergeable statistics of blocks of draws: moments, P(value > 0), exact extremes and
fixed-edge histograms from which quantiles are read with a guaranteed error bound.

Used by the streamed summaries and the precision stopping rule: both keep these
statistics instead of the draws, so memory does not grow with the number of draws.
Statistics are merged in block order (Chan et al. 1979), so they do not depend on how
many threads computed the blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PAD", "CellStats", "Edges", "block_stats", "histogram_quantiles", "parts_stats"]

# Share of the pilot block's span added below and above it to set the histogram range.
PAD = 0.1
_EPS = np.finfo(float).eps


@dataclass
class CellStats:
    """Mergeable statistics of ``m`` output cells over the draws seen so far.

    Attributes
    ----------
    count : int
        Draws seen.
    mean, m2 : ndarray
        (m,) mean and sum of squared deviations from it.
    positive : ndarray
        (m,) int64, draws with a value > 0.
    vmin, vmax : ndarray
        (m,) smallest and largest value seen.
    hist : ndarray
        (m, bins + 2) int64 counts; column 0 holds values below ``lo``, column
        ``bins + 1`` values at or above ``hi``.
    """

    count: int
    mean: np.ndarray
    m2: np.ndarray
    positive: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    hist: np.ndarray

    def merge(self, other: CellStats) -> None:
        """Add ``other`` (same cells and edges) into ``self`` (Chan et al. 1979)."""
        if other.count == 0:
            return
        if self.count == 0:
            self.count, self.mean, self.m2 = other.count, other.mean.copy(), other.m2.copy()
            self.positive, self.hist = other.positive.copy(), other.hist.copy()
            self.vmin, self.vmax = other.vmin.copy(), other.vmax.copy()
            return
        n_a, n_b = self.count, other.count
        n = n_a + n_b
        delta = other.mean - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + other.m2 + delta * delta * (n_a * n_b / n)
        self.count = n
        self.positive += other.positive
        self.hist += other.hist
        np.minimum(self.vmin, other.vmin, out=self.vmin)
        np.maximum(self.vmax, other.vmax, out=self.vmax)

    def sd(self) -> np.ndarray:
        """Sample standard deviation (ddof = 1; 0 for a single draw)."""
        if self.count < 2:
            return np.zeros_like(self.mean)
        return np.sqrt(np.maximum(self.m2, 0.0) / (self.count - 1))


@dataclass(frozen=True)
class Edges:
    """Histogram range per cell: ``bins`` equal bins on [lo, hi)."""

    lo: np.ndarray  # (m,)
    hi: np.ndarray  # (m,)
    bins: int

    @property
    def width(self) -> np.ndarray:
        """Bin width per cell."""
        return (self.hi - self.lo) / self.bins

    def cells(self, a: int, b: int) -> Edges:
        """The edges of cells a..b-1."""
        return Edges(self.lo[a:b], self.hi[a:b], self.bins)

    @classmethod
    def from_parts(cls, parts: Sequence[np.ndarray], bins: int, pad: float = PAD) -> Edges:
        """:meth:`from_pilot` over variables given side by side as (n, m_i) arrays."""
        each = [cls.from_pilot(p, bins, pad) for p in parts]
        return cls(np.concatenate([e.lo for e in each]), np.concatenate([e.hi for e in each]), int(bins))

    @classmethod
    def from_pilot(cls, values: np.ndarray, bins: int, pad: float = PAD) -> Edges:
        """Range from a pilot sample (n, m), widened by ``pad`` of its span each side."""
        vmin, vmax = values.T.min(axis=1), values.T.max(axis=1)
        span = vmax - vmin
        # A cell constant in the pilot gets a tiny range around its value: values equal
        # to it land in one bin; anything else lands in an overflow bin, which the exact
        # minimum and maximum bound.
        tiny = np.maximum(np.abs(vmin), 1.0) * 1e-9
        widen = np.where(span > 0, span * pad, tiny)
        return cls(lo=vmin - widen, hi=vmax + widen, bins=int(bins))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start and stop of each run of True in a 1-d boolean mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def block_stats(values: np.ndarray, edges: Edges, positive: np.ndarray | None = None) -> CellStats:
    """Statistics of one block of values (n, m) against fixed ``edges``.

    Parameters
    ----------
    values : ndarray
        (n, m) draws of m cells.
    edges : Edges
        Histogram range of each cell.
    positive : ndarray, optional
        (m,) bool: cells whose count of values > 0 is wanted (others get 0).

    Returns
    -------
    CellStats
    """
    n, m = values.shape
    # Work per cell over its draws, (m, n): a transposed view of the engine's draws-last
    # blocks is contiguous, so every reduction below runs along contiguous memory.
    v = values.T
    mean = v.mean(axis=1)
    dev = v - mean[:, None]
    dev *= dev
    m2 = dev.sum(axis=1)
    pos = np.zeros(m, dtype=np.int64)
    for a, b in _runs(np.ones(m, dtype=bool) if positive is None else positive):
        pos[a:b] = np.count_nonzero(v[a:b] > 0, axis=1)
    # Bin index: floor((v - lo) / width), -1 below the range, bins at or above it.
    scaled = np.subtract(v, edges.lo[:, None], out=dev)
    scaled *= (edges.bins / (edges.hi - edges.lo))[:, None]
    np.clip(scaled, -1.0, float(edges.bins), out=scaled)
    idx = np.empty((m, n), dtype=np.int64)
    np.floor(scaled, out=idx, casting="unsafe")
    idx += (1 + np.arange(m, dtype=np.int64) * (edges.bins + 2))[:, None]
    hist = np.bincount(idx.ravel(), minlength=m * (edges.bins + 2)).reshape(m, edges.bins + 2)
    return CellStats(n, mean, m2, pos, v.min(axis=1), v.max(axis=1), hist.astype(np.int64, copy=False))


def parts_stats(parts: Sequence[np.ndarray], edges: Edges, positive: np.ndarray | None = None) -> CellStats:
    """:func:`block_stats` of variables given side by side as (n, m_i) arrays.

    Equal to ``block_stats(np.hstack(parts), ...)`` without building the stacked copy.
    """
    stats, start = [], 0
    for part in parts:
        m = part.shape[1]
        pos = None if positive is None else positive[start : start + m]
        stats.append(block_stats(part, edges.cells(start, start + m), pos))
        start += m
    return CellStats(
        stats[0].count,
        *(np.concatenate([getattr(st, f) for st in stats]) for f in ("mean", "m2", "positive", "vmin", "vmax", "hist")),
    )


def _bin_interval(stats: CellStats, edges: Edges, cell: int, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value a draw in bin ``b`` of ``cell`` can have."""
    lo, hi, w = edges.lo[cell], edges.hi[cell], (edges.hi[cell] - edges.lo[cell]) / edges.bins
    left = np.where(b == 0, -np.inf, np.where(b > edges.bins, hi, lo + (b - 1) * w))
    right = np.where(b == 0, lo, np.where(b > edges.bins, np.inf, lo + b * w))
    left = np.clip(left, stats.vmin[cell], stats.vmax[cell])
    right = np.clip(right, stats.vmin[cell], stats.vmax[cell])
    return left, right


def _exact_ends(
    j: np.ndarray, n: int, left: np.ndarray, right: np.ndarray, vmin: float, vmax: float
) -> tuple[np.ndarray, np.ndarray]:
    """Order statistic ``j`` lies in [left, right]; the first and last are known exactly."""
    left = np.where(j == 0, vmin, np.where(j == n - 1, vmax, left))
    right = np.where(j == 0, vmin, np.where(j == n - 1, vmax, right))
    return left, right


def histogram_quantiles(stats: CellStats, edges: Edges, probs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Quantile estimates and guaranteed error bounds from the histograms.

    Parameters
    ----------
    stats : CellStats
        Accumulated statistics (count >= 1).
    edges : Edges
        The histogram range they were binned with.
    probs : sequence of float
        Probabilities in [0, 1].

    Returns
    -------
    estimate, bound : ndarray
        (k, m) each. The exact sample quantile (numpy's 'linear' method) of the draws
        lies in ``estimate +/- bound``.
    """
    p = np.asarray(probs, dtype=float)
    n = stats.count
    m = stats.mean.shape[0]
    h = (n - 1) * p
    j = np.floor(h).astype(np.int64)
    frac = h - j
    j1 = np.minimum(j + 1, n - 1)
    est = np.empty((p.size, m))
    bound = np.empty((p.size, m))
    cum = np.cumsum(stats.hist, axis=1)
    for c in range(m):
        b0 = np.searchsorted(cum[c], j, side="right")
        b1 = np.searchsorted(cum[c], j1, side="right")
        l0, r0 = _bin_interval(stats, edges, c, b0)
        l1, r1 = _bin_interval(stats, edges, c, b1)
        # The smallest and largest order statistics are known exactly.
        l0, r0 = _exact_ends(j, n, l0, r0, stats.vmin[c], stats.vmax[c])
        l1, r1 = _exact_ends(j1, n, l1, r1, stats.vmin[c], stats.vmax[c])
        low = (1.0 - frac) * l0 + frac * l1
        high = (1.0 - frac) * r0 + frac * r1
        est[:, c] = 0.5 * (low + high)
        # Rounding in the bin arithmetic: a few ulps of the range, and 1e-9 of a bin.
        slack = 1e-9 * (edges.hi[c] - edges.lo[c]) / edges.bins + 16 * _EPS * max(abs(edges.lo[c]), abs(edges.hi[c]))
        bound[:, c] = 0.5 * (high - low) + slack
    return est, bound
