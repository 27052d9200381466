"""Streaming summaries: quantiles, moments and P(shortfall > 0) of very large runs.

:func:`nplv_sim.simulate` keeps every draw (about 1.5 kB per draw), so 10^8 draws do
not fit in memory. :func:`simulate_summary` evaluates the same blocks with the same
spawn-keyed seeds (draw *i* is the same number in both), but keeps only mergeable
statistics per output cell:

* the count, mean and variance, merged block by block with Chan's update (exact up to
  rounding: equal to numpy's over all draws to ~1e-12 relative);
* the number of draws with a value > 0 (so ``P(shortfall > 0)`` is exact);
* the exact minimum and maximum;
* a fixed-edge histogram with ``bins`` equal bins over a range set from the first block
  (the pilot) widened by :data:`PAD` of its span on each side, plus two open-ended
  overflow bins below and above. By default the number of bins grows with the draws
  (:func:`auto_bins`: 16,384 up to 4 million draws, 131,072 at most).

Quantiles use numpy's default definition (linear interpolation between the order
statistics at ``(n - 1) q``). The histogram tells in which bin each of those two order
statistics lies, hence an interval that must contain the sample quantile; the estimate
is its midpoint and ``*_quantile_error_bound`` its half-width (half a bin when both order
statistics share a bin, about ``span / (2 bins)``). The bound is a guarantee about the
distance to the exact sample quantile of the same draws, not a Monte Carlo error: that
is ``*_mcse``, computed as in :func:`nplv_sim.summarize` from the streamed quantiles at
``q -/+ sqrt(q (1 - q) / n)`` (so it is itself known only to about the bound).

Memory does not grow with ``draws`` (beyond the number of bins, which
:func:`auto_bins` caps): about ``2 workers + 1`` blocks of draws (~80 MB each for the
default model's 152 output cells) plus three histograms of cells x (bins + 2) x 8 bytes
(19 MB each at 16,384 bins, 160 MB at 131,072). Measured: 315 MB peak for 10^7 draws
with one worker (``docs/performance.md``).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import __version__
from .compile import CompiledModel, compile_assumptions
from .core.engine import BLOCK_SIZE, block_bounds, run_block
from .core.seeding import RootSeed
from .errors import NplvError
from .results import check_method, root_seed
from .schema import Assumptions
from .summary import DEFAULT_QUANTILES

__all__ = [
    "DEFAULT_BINS",
    "PAD",
    "CellStats",
    "Edges",
    "StreamPlan",
    "auto_bins",
    "block_stats",
    "dataset_from_blocks",
    "histogram_quantiles",
    "make_plan",
    "parts_stats",
    "simulate_summary",
    "write_draws",
]

# Engine outputs simulate() keeps to build its Dataset (plus need and funding per
# component with detail=True); results.simulate lists the same names.
SIMULATE_KEEP = ("shortfall", "shortfall_incl_addons", "need_pillar", "funding_pillar", "need_pillar_incl_addons")

# Histogram bins per output cell, at least. With the pilot span widened by PAD on each
# side the quantile error bound is about 1.2 * span / (2 * bins): 3.7e-5 of the span
# here. auto_bins() raises it with the draws so that the bound stays ~10x below the
# Monte Carlo error of the quantiles (which falls as 1 / sqrt(draws)).
DEFAULT_BINS = 16_384
MAX_AUTO_BINS = 131_072
# Share of the pilot block's span added below and above it to set the histogram range.
PAD = 0.1
_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------
# Per-cell mergeable statistics
# --------------------------------------------------------------------------------------


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


def _derive(
    a: Assumptions,
    cm: CompiledModel,
    out: dict[str, np.ndarray],
    x: np.ndarray,
    years: np.ndarray,
    names: Sequence[str] = (),
) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
    """Every draw variable of one block as (array, dims): :func:`results.derive_variables`,
    with the year profile as a plain array."""
    from .results import derive_variables

    v = derive_variables(a, cm, out, x, years, tuple(names))
    if "shortfall_by_year" in v:
        prof = v["shortfall_by_year"]
        other = tuple(d for d in prof.dims if d != "draw")
        v["shortfall_by_year"] = (prof.transpose("draw", *other).values, other)
    return v


@dataclass(frozen=True)
class StreamPlan:
    """Everything needed to evaluate and summarise blocks: model, seed and layout.

    ``template`` is a one-draw :func:`nplv_sim.simulate` Dataset: it supplies the names,
    dimensions, coordinates and attributes of the summary, so the summary has exactly the
    layout of :func:`nplv_sim.summarize`.
    """

    assumptions: Assumptions
    cm: CompiledModel
    root: RootSeed
    method: str
    detail: bool
    template: xr.Dataset
    names: tuple[str, ...]  # variables summarised, in template order
    sizes: tuple[int, ...]  # cells per variable
    years: np.ndarray
    generic: bool  # derive through results._to_dataset (a variable _derive does not know)

    @property
    def n_cells(self) -> int:
        """Total output cells summarised."""
        return int(sum(self.sizes))

    def positive_mask(self) -> np.ndarray:
        """(cells,) True for cells of shortfall variables (P(v > 0) wanted)."""
        return np.concatenate(
            [np.full(s, n.startswith("shortfall")) for n, s in zip(self.names, self.sizes, strict=True)]
        )

    def block_values(self, block: int, n: int) -> list[np.ndarray]:
        """Values of block ``block`` (n draws): one (n, cells) array per variable, its
        cells in the order of the template's dimensions."""
        x, out = run_block(self.cm.arrays, self.cm.plan, self.method, self.root, block, n, self.detail)
        parts = []
        if self.generic:
            # Rank correlations of the inputs are not a draw variable: skip them.
            cm = replace(self.cm, declared=None)
            ds = dataset_from_blocks(self.assumptions, cm, [(x, out)], self.root, self.method, False, self.detail)
            for name in self.names:
                other = [d for d in self.template[name].dims if d != "draw"]
                parts.append(ds[name].transpose("draw", *other).values)
        else:
            derived = _derive(self.assumptions, self.cm, out, x, self.years, self.names)
            for name in self.names:
                arr, dims = derived[name]
                other = [d for d in self.template[name].dims if d != "draw"]
                parts.append(np.transpose(arr, [0, *(1 + dims.index(d) for d in other)]))
        # (n, cells) views of draws-last (cells, n) arrays: the layout block_stats reads fastest.
        return [
            np.ascontiguousarray(np.moveaxis(p, 0, -1)).reshape(size, n).T
            for p, size in zip(parts, self.sizes, strict=True)
        ]


def dataset_from_blocks(
    a: Assumptions,
    cm: CompiledModel,
    blocks: Sequence[tuple[np.ndarray, dict[str, np.ndarray]]],
    root: RootSeed,
    method: str,
    deterministic: bool = False,
    detail: bool = False,
) -> xr.Dataset:
    """The Dataset ``simulate`` builds, from consecutive blocks of :func:`run_block` output.

    The blocks (inputs (n, K) and outputs with draws leading) are stacked along the draws
    and passed to the same ``results._to_dataset`` as :func:`nplv_sim.simulate` uses
    (in its draws-first form).
    """
    from .results import _to_dataset

    keep = list(SIMULATE_KEEP) + (["need", "funding"] if detail else [])
    x = np.concatenate([b[0] for b in blocks])
    out = {k: np.concatenate([b[1][k] for b in blocks]) for k in keep}
    return _to_dataset(a, cm, x, out, root, method, deterministic, detail)


def make_plan(
    assumptions: Assumptions,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    detail: bool = False,
    variables: Sequence[str] | None = None,
) -> StreamPlan:
    """Compile the model, resolve the seed and fix the output layout.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    rng : int, SeedSequence or None
        Root seed (SPEC 7); None draws fresh entropy (recorded in the attrs).
    method : {"random", "lhs", "sobol"}
        Sampling method.
    detail : bool
        Also summarise the per-component variables.
    variables : sequence of str, optional
        Summarise only these draw variables (default: all of them).

    Returns
    -------
    StreamPlan
    """
    from .results import simulate

    check_method(method)
    root = root_seed(rng)
    entropy, spawn_key = root
    template = simulate(
        assumptions, draws=1, rng=np.random.SeedSequence(entropy, spawn_key=spawn_key), method=method, detail=detail
    )
    known = set(_derive_names(detail))
    names, sizes = [], []
    for name, da in template.data_vars.items():
        if "draw" not in da.dims or (variables is not None and name not in variables):
            continue
        names.append(name)
        sizes.append(int(np.prod([da.sizes[d] for d in da.dims if d != "draw"], dtype=np.int64)))
    if variables is not None:
        if not variables:
            raise NplvError("variables is empty: name at least one output variable")
        missing = sorted(set(variables) - set(names))
        if missing:
            raise NplvError(f"unknown output variable(s) {', '.join(map(repr, missing))}; known: {', '.join(names)}")
    # A variable simulate() has gained since _derive was written is still streamed,
    # through results' own code (slower).
    generic = not set(names) <= known
    years = np.array([p.years for p in assumptions.facts.periods], dtype=float)
    cm = compile_assumptions(assumptions)
    return StreamPlan(assumptions, cm, root, method, detail, template, tuple(names), tuple(sizes), years, generic)


def _derive_names(detail: bool) -> tuple[str, ...]:
    base = (
        "shortfall",
        "shortfall_incl_addons",
        "shortfall_all_pillars",
        "shortfall_all_pillars_incl_addons",
        "shortfall_per_year",
        "shortfall_2026_2035",
        "need",
        "funding",
        "need_incl_addons",
        "input_value",
        "shortfall_by_year",
    )
    return base + (("component_need", "component_funding", "component_shortfall") if detail else ())


# --------------------------------------------------------------------------------------
# Block loop
# --------------------------------------------------------------------------------------


def iter_block_values(
    plan: StreamPlan,
    blocks: Iterable[tuple[int, int]],
    workers: int = 1,
    then: Callable[[list[np.ndarray]], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(block, values)`` in block order, at most ``2 * workers`` blocks in flight.

    Parameters
    ----------
    plan : StreamPlan
        What to evaluate.
    blocks : iterable of (block, n)
        Block indices and their sizes.
    workers : int
        Threads (numpy releases the GIL); never changes the numbers.
    then : callable, optional
        Applied to each block's values in the worker thread (e.g. the block's
        statistics); its result is yielded instead of the values.
    """

    def task(b: int, n: int) -> Any:
        values = plan.block_values(b, n)
        return values if then is None else then(values)

    if workers <= 1:
        for b, n in blocks:
            yield b, task(b, n)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[tuple[int, Future]] = deque()
        for b, n in blocks:
            pending.append((b, pool.submit(task, b, n)))
            if len(pending) >= 2 * workers:
                b0, fut = pending.popleft()
                yield b0, fut.result()
        while pending:
            b0, fut = pending.popleft()
            yield b0, fut.result()


def _check_common(draws: int, workers: int, bins: int) -> None:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise NplvError(f"draws must be a whole number >= 1, got {draws!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise NplvError(f"workers must be a positive whole number, got {workers!r}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise NplvError(f"bins must be a whole number >= 2, got {bins!r}")


def auto_bins(draws: int) -> int:
    """Bins per cell for ``draws`` draws: a power of two >= 8 sqrt(draws), within
    [:data:`DEFAULT_BINS`, :data:`MAX_AUTO_BINS`].

    A quantile's Monte Carlo error is about ``c * span / sqrt(draws)`` with c ~ 0.5-1.5
    for the model's outputs, and the bound ``0.6 * span / bins``; 8 sqrt(draws) bins keep
    the bound near a tenth of the error (16,384 bins up to 4e6 draws, 32,768 at 1e7,
    131,072 from 1.7e8; memory: cells x bins x 16 bytes, 320 MB at the cap).
    """
    want = 2 ** math.ceil(math.log2(max(8.0 * math.sqrt(max(draws, 1)), 1.0)))
    return int(min(MAX_AUTO_BINS, max(DEFAULT_BINS, want)))


def _check_quantiles(quantiles: Sequence[float]) -> list[float]:
    q = [float(v) for v in quantiles]
    if not q or any(not 0.0 <= v <= 1.0 for v in q):
        raise NplvError(f"quantiles must lie in [0, 1], got {list(quantiles)}")
    return q


def accumulate(
    plan: StreamPlan,
    draws: int,
    bins: int = DEFAULT_BINS,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[CellStats, Edges]:
    """Evaluate ``draws`` draws block by block and return the merged statistics.

    The first block is the pilot that fixes the histogram range; blocks are merged in
    order, so the result does not depend on ``workers``.
    """
    bounds = block_bounds(draws)
    positive = plan.positive_mask()
    pilot = plan.block_values(0, bounds[0][1] - bounds[0][0])
    edges = Edges.from_parts(pilot, bins)
    stats = parts_stats(pilot, edges, positive)
    del pilot
    done = stats.count
    if progress:
        progress(done, draws)
    rest = ((b, stop - start) for b, (start, stop) in enumerate(bounds) if b > 0)
    # Each block's statistics are computed in its worker thread; merging stays in block
    # order, so the result does not depend on the number of workers.
    for _, part in iter_block_values(plan, rest, workers, lambda parts: parts_stats(parts, edges, positive)):
        stats.merge(part)
        done += part.count
        if progress:
            progress(done, draws)
    return stats, edges


def to_summary(
    plan: StreamPlan,
    stats: CellStats,
    edges: Edges,
    quantiles: Sequence[float],
    mcse: np.ndarray | None = None,
    call: str = "simulate_summary",
) -> xr.Dataset:
    """Lay the statistics out like :func:`nplv_sim.summarize`.

    Parameters
    ----------
    plan : StreamPlan
        Layout (template Dataset).
    stats, edges : CellStats, Edges
        Merged statistics and their histogram range.
    quantiles : sequence of float
        Probabilities.
    mcse : ndarray, optional
        (k, cells) standard errors to report instead of the order-statistic estimate.
    call : str
        Name recorded in ``history``.

    Returns
    -------
    Dataset
        Per variable ``v``: ``v`` (quantile, ...), ``v_mean``, ``v_sd``, ``v_mcse``,
        ``v_quantile_error_bound`` and, for shortfall variables, ``v_prob_positive``.
    """
    q = np.asarray(quantiles, dtype=float)
    n = stats.count
    est, bound = histogram_quantiles(stats, edges, q)
    if mcse is None:
        half = np.sqrt(q * (1.0 - q) / max(n, 1))
        lo_est, _ = histogram_quantiles(stats, edges, np.clip(q - half, 0.0, 1.0))
        hi_est, _ = histogram_quantiles(stats, edges, np.clip(q + half, 0.0, 1.0))
        mcse = (hi_est - lo_est) / 2.0 if n > 1 else np.full_like(est, np.nan)
    sd = stats.sd()
    prob = stats.positive / max(n, 1)
    tmpl = plan.template
    out = xr.Dataset(attrs=dict(tmpl.attrs))
    start = 0
    for name, size in zip(plan.names, plan.sizes, strict=True):
        cells = slice(start, start + size)
        start += size
        proto = tmpl[name].isel(draw=0, drop=True)
        attrs = dict(tmpl[name].attrs)
        shape = proto.shape

        def cell_array(
            a: np.ndarray, cells: slice = cells, proto: xr.DataArray = proto, shape: tuple = shape
        ) -> xr.DataArray:
            return proto.copy(data=a[cells].reshape(shape))

        def quant_array(
            a: np.ndarray, cells: slice = cells, proto: xr.DataArray = proto, shape: tuple = shape
        ) -> xr.DataArray:
            return xr.DataArray(
                a[:, cells].reshape((q.size, *shape)),
                dims=("quantile", *proto.dims),
                coords={**proto.coords, "quantile": q},
            )

        out[name] = quant_array(est).assign_attrs(attrs)
        out[f"{name}_mean"] = cell_array(stats.mean).assign_attrs({**attrs, "cell_methods": "draw: mean"})
        out[f"{name}_sd"] = cell_array(sd).assign_attrs({**attrs, "cell_methods": "draw: standard_deviation"})
        out[f"{name}_mcse"] = quant_array(mcse).assign_attrs(
            {**attrs, "description": f"Monte Carlo standard error of the quantiles of {name}"}
        )
        if name.startswith("shortfall"):
            out[f"{name}_prob_positive"] = cell_array(prob).assign_attrs(
                {
                    "units": "1",
                    "long_name": f"Kans op tekort ({attrs.get('long_name', name)})",
                    "long_name_en": f"P({name} > 0)",
                }
            )
        out[f"{name}_quantile_error_bound"] = quant_array(bound).assign_attrs(
            {
                "units": attrs.get("units", ""),
                "long_name": f"Foutgrens kwantielen ({attrs.get('long_name', name)})",
                "long_name_en": f"Error bound of the streamed quantiles of {name}",
                "description": "The exact sample quantile of the same draws lies within +/- this bound of the "
                "streamed value (half the interval of histogram bins that holds the order statistics).",
            }
        )
    out["quantile"].attrs.update(long_name="Kwantiel", long_name_en="Quantile", units="1")
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    out.attrs.update(
        n_draws=n,
        history=f"{now}: nplv-sim {__version__} {call}(draws={n}, method={plan.method!r})",
        created=now,
        quantile_method=(
            f"streamed: fixed-edge histogram, {edges.bins} bins per cell over the first block's range "
            f"widened by {PAD:g} of its span each side, plus open overflow bins; exact min/max"
        ),
        histogram_bins=edges.bins,
    )
    return out


def simulate_summary(
    assumptions: Assumptions,
    draws: int,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    detail: bool = False,
    bins: int | None = None,
    variables: Sequence[str] | None = None,
) -> xr.Dataset:
    """Summarise a run of any size without keeping its draws.

    The draws are exactly those of ``simulate(assumptions, draws, rng, method)``; only
    per-block statistics are kept (see the module docstring for the error bound).

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    draws : int
        Number of Monte Carlo draws (>= 1), e.g. 10**8.
    rng : int, SeedSequence or None
        Root seed (SPEC 7); None draws fresh entropy, recorded in ``attrs['seed_entropy']``.
    method : {"random", "lhs", "sobol"}
        Sampling method.
    quantiles : sequence of float
        Probabilities (default 0.05, 0.15, 0.5, 0.85, 0.95).
    workers : int
        Threads evaluating blocks; never changes the numbers.
    progress : callable, optional
        ``progress(done, total)`` after each block.
    detail : bool
        Also summarise need, funding and shortfall per component.
    bins : int, optional
        Histogram bins per output cell (the error bound shrinks as 1 / bins); default
        :func:`auto_bins` of ``draws``.
    variables : sequence of str, optional
        Summarise only these variables (faster); default all draw variables.

    Returns
    -------
    xarray.Dataset
        The layout of :func:`nplv_sim.summarize` (``quantile`` coordinate; per variable
        ``v``, ``v_mean``, ``v_sd``, ``v_mcse``, ``v_prob_positive`` for shortfall
        variables) plus ``v_quantile_error_bound`` [units of v]. ``attrs['n_draws']``
        is ``draws``.

    Examples
    --------
    >>> import nplv_sim
    >>> from nplv_sim.streaming import simulate_summary
    >>> s = simulate_summary(nplv_sim.load_assumptions(), draws=200_000, rng=1)  # doctest: +SKIP
    >>> s["shortfall_2026_2035"].sel(scope="total", netting="pillar").values  # doctest: +SKIP
    """
    if bins is None:
        bins = auto_bins(int(draws)) if isinstance(draws, (int, np.integer)) and not isinstance(draws, bool) else 2
    _check_common(draws, workers, bins)
    q = _check_quantiles(quantiles)
    plan = make_plan(assumptions, rng, method, detail, variables)
    stats, edges = accumulate(plan, int(draws), int(bins), workers, progress)
    return to_summary(plan, stats, edges, q)


def write_draws(
    assumptions: Assumptions,
    draws: int,
    directory: str | Path,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    blocks_per_file: int = 16,
    detail: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write every draw to NetCDF, one file per group of blocks, in bounded memory.

    File ``i`` holds draws ``i * blocks_per_file * 65,536`` onwards, built with the same
    code as :func:`nplv_sim.simulate` (so the files together equal ``simulate(assumptions,
    draws, rng, method)``; only ``correlation_achieved`` is per file). Read them back with
    ``xr.open_mfdataset(paths, combine="nested", concat_dim="draw")`` (needs dask) or one
    at a time.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    draws : int
        Number of draws.
    directory : str or Path
        Folder for ``draws-00000.nc``, ``draws-00001.nc``, ... (created if missing).
    rng : int, SeedSequence or None
        Root seed (SPEC 7).
    method : {"random", "lhs", "sobol"}
        Sampling method.
    blocks_per_file : int
        Blocks of 65,536 draws per file (memory ~ 2.5 kB x draws per file).
    detail : bool
        Also write per-component need and funding.
    force : bool
        Replace existing files.
    progress : callable, optional
        ``progress(done, total)`` after each file.

    Returns
    -------
    list of Path
        The files written, in draw order. Each has ``attrs`` ``draw_start``,
        ``n_draws`` (in the file), ``n_draws_total``, ``file_index`` and ``n_files``.
    """
    from .output import OutputSet

    _check_common(draws, 1, 2)
    if isinstance(blocks_per_file, bool) or not isinstance(blocks_per_file, int) or blocks_per_file < 1:
        raise NplvError(f"blocks_per_file must be a positive whole number, got {blocks_per_file!r}")
    check_method(method)
    root = root_seed(rng)
    bounds = block_bounds(int(draws))
    groups = [list(range(i, min(i + blocks_per_file, len(bounds)))) for i in range(0, len(bounds), blocks_per_file)]
    names = [f"draws-{i:05d}.nc" for i in range(len(groups))]
    # One set: the files appear together when the last is written, or not at all.
    outputs = OutputSet(directory, names, force, own_folder=False)
    with outputs:
        _write_draw_files(assumptions, draws, method, root, detail, bounds, groups,
                          [outputs.path(n) for n in names], progress)
    return outputs.targets


def _write_draw_files(assumptions, draws, method, root, detail, bounds, groups, paths, progress) -> None:
    """The files of :func:`write_draws`, one group of blocks at a time."""
    from .output import write_netcdf

    cm = compile_assumptions(assumptions)
    for i, (group, path) in enumerate(zip(groups, paths, strict=True)):
        blocks = [run_block(cm.arrays, cm.plan, method, root, b, bounds[b][1] - bounds[b][0], detail) for b in group]
        start = bounds[group[0]][0]
        ds = dataset_from_blocks(assumptions, cm, blocks, root, method, False, detail)
        del blocks
        ds = ds.assign_coords(draw=np.arange(start, start + ds.sizes["draw"]))
        ds.attrs.update(draw_start=start, n_draws_total=int(draws), file_index=i, n_files=len(groups))
        write_netcdf(ds, path)
        del ds
        if progress:
            progress(bounds[group[-1]][1], int(draws))


def blocks_for(draws: int) -> int:
    """Number of blocks of :data:`~nplv_sim.core.engine.BLOCK_SIZE` for ``draws`` draws."""
    return math.ceil(draws / BLOCK_SIZE)
