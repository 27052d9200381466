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

The statistics themselves live in :mod:`nplv_sim.core.streamstats`; the loop over
blocks is :func:`nplv_sim.core.engine.execute`, with :class:`StatsSink` as its sink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr

from . import validation
from .core.engine import Block, blocks, execute
from .core.quantiles import bracket_probs, mcse_from_bracket
from .core.streamstats import PAD, CellStats, Edges, histogram_quantiles, parts_stats
from .finite import check_finite
from .schema import Assumptions
from .simulation import RunPlan, describe_coords, label_coords, plan_run
from .summary import DEFAULT_QUANTILES

__all__ = [
    "DEFAULT_BINS",
    "StatsSink",
    "auto_bins",
    "block_values",
    "simulate_summary",
    "to_summary",
]

# Histogram bins per output cell, at least. With the pilot span widened by PAD on each
# side the quantile error bound is about 1.2 * span / (2 * bins): 3.7e-5 of the span
# here. auto_bins() raises it with the draws so that the bound stays ~10x below the
# Monte Carlo error of the quantiles (which falls as 1 / sqrt(draws)).
DEFAULT_BINS = 16_384
MAX_AUTO_BINS = 131_072


def block_values(plan: RunPlan, block: Block) -> list[np.ndarray]:
    """Values of one block: per output variable of the plan an (n, cells) array, a
    transposed view of draws-last rows (the layout the statistics read fastest)."""
    x, engine = plan.evaluate(block)
    values = plan.derive(x, engine)
    # A histogram cannot bin inf or NaN; the engine's arrays hold the first of either.
    check_finite(engine, plan.assumptions.path, plan.cm.inputs, x)
    return [np.ascontiguousarray(values[v.name]).reshape(v.cells(plan.layout), block.n).T for v in plan.variables]


def positive_mask(plan: RunPlan) -> np.ndarray:
    """(cells,) True for the cells whose P(value > 0) is reported (registry)."""
    return np.concatenate([np.full(v.cells(plan.layout), v.prob_positive) for v in plan.variables])


class StatsSink:
    """Merge each block's statistics (moments, P(> 0), extremes, histograms).

    The first block (the pilot) fixes the histogram range: :meth:`start` takes it before
    the other blocks are handed to :func:`~nplv_sim.core.engine.execute`.
    """

    def __init__(self, plan: RunPlan, bins: int) -> None:
        self.plan, self.bins = plan, bins
        self.positive = positive_mask(plan)
        self.edges: Edges | None = None
        self.stats: CellStats | None = None

    def start(self, pilot: Block) -> None:
        """Evaluate the pilot block, fix the histogram edges and merge it."""
        values = block_values(self.plan, pilot)
        self.edges = Edges.from_parts(values, self.bins)
        self.merge(pilot, parts_stats(values, self.edges, self.positive))

    def process(self, block: Block) -> CellStats:
        """Statistics of one block (in a worker thread)."""
        assert self.edges is not None, "start() the sink with the pilot block first"
        return parts_stats(block_values(self.plan, block), self.edges, self.positive)

    def merge(self, block: Block, result: CellStats) -> bool:
        """Add one block's statistics, in block order."""
        if self.stats is None:
            self.stats = result
        else:
            self.stats.merge(result)
        return False

    def run(self, draws: int, workers: int, progress: Callable[[int, int], None] | None = None) -> None:
        """Pilot, then every other block of ``draws`` draws."""
        todo = blocks(draws)
        self.start(next(todo))
        if progress:
            progress(self.stats.count, draws)
        first = self.stats.count
        execute(todo, self, workers, progress=None if progress is None else lambda d: progress(first + d, draws))


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


def to_summary(
    plan: RunPlan,
    stats: CellStats,
    edges: Edges,
    quantiles: Sequence[float],
    mcse: np.ndarray | None = None,
    call: str = "simulate_summary",
) -> xr.Dataset:
    """Lay the statistics out like :func:`nplv_sim.summarize`.

    Parameters
    ----------
    plan : RunPlan
        The run (its output variables give names, dimensions and labels).
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
        ``v_quantile_error_bound`` and, where the registry says so, ``v_prob_positive``.
    """
    q = np.asarray(quantiles, dtype=float)
    n = stats.count
    est, bound = histogram_quantiles(stats, edges, q)
    if mcse is None:
        lo, hi = bracket_probs(q, n)
        mcse = mcse_from_bracket(histogram_quantiles(stats, edges, lo)[0], histogram_quantiles(stats, edges, hi)[0], n)
    sd = stats.sd()
    prob = stats.positive / max(n, 1)
    out = xr.Dataset(coords={"quantile": q})
    start = 0
    for var in plan.variables:
        size = var.cells(plan.layout)
        cells = slice(start, start + size)
        start += size
        coords = plan.coords(var)
        shape = tuple(len(coords[d]) for d in var.dims)
        attrs = var.attrs(plan.layout)

        def cell(a: np.ndarray, cells: slice = cells, shape: tuple = shape, var=var, coords=coords) -> xr.DataArray:
            return xr.DataArray(a[cells].reshape(shape), dims=var.dims, coords=coords)

        def quant(a: np.ndarray, cells: slice = cells, shape: tuple = shape, var=var, coords=coords) -> xr.DataArray:
            return xr.DataArray(
                a[:, cells].reshape((q.size, *shape)), dims=("quantile", *var.dims), coords={**coords, "quantile": q}
            )

        out[var.name] = quant(est).assign_attrs(attrs)
        out[f"{var.name}_mean"] = cell(stats.mean).assign_attrs({**attrs, "cell_methods": "draw: mean"})
        out[f"{var.name}_sd"] = cell(sd).assign_attrs({**attrs, "cell_methods": "draw: standard_deviation"})
        out[f"{var.name}_mcse"] = quant(mcse).assign_attrs(
            {**attrs, "description": f"Monte Carlo standard error of the quantiles of {var.name}"}
        )
        if var.prob_positive:
            out[f"{var.name}_prob_positive"] = cell(prob).assign_attrs(
                {
                    "units": "1",
                    "long_name": f"Kans op tekort ({attrs['long_name']})",
                    "long_name_en": f"P({var.name} > 0)",
                }
            )
        out[f"{var.name}_quantile_error_bound"] = quant(bound).assign_attrs(
            {
                "units": attrs["units"],
                "long_name": f"Foutgrens kwantielen ({attrs['long_name']})",
                "long_name_en": f"Error bound of the streamed quantiles of {var.name}",
                "description": "The exact sample quantile of the same draws lies within +/- this bound of the "
                "streamed value (half the interval of histogram bins that holds the order statistics).",
            }
        )
    out = out.assign_coords(label_coords(plan, out.dims))
    describe_coords(out)
    out["quantile"].attrs.update(long_name="Kwantiel", long_name_en="Quantile", units="1")
    out.attrs = plan.attrs(n, call)
    out.attrs.update(
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
        ``v``, ``v_mean``, ``v_sd``, ``v_mcse``, ``v_prob_positive`` where the registry
        reports it) plus ``v_quantile_error_bound`` [units of v]. ``attrs['n_draws']``
        is ``draws``.

    Examples
    --------
    >>> import nplv_sim
    >>> from nplv_sim.streaming import simulate_summary
    >>> s = simulate_summary(nplv_sim.load_assumptions(), draws=200_000, rng=1)  # doctest: +SKIP
    >>> s["shortfall_all_periods"].sel(scope="total", netting="pillar").values  # doctest: +SKIP
    """
    draws = validation.check_draws(draws)
    workers = validation.check_positive_int("workers", workers)
    bins = auto_bins(draws) if bins is None else validation.check_positive_int("bins", bins, 2)
    q = validation.check_probabilities("quantiles", quantiles)
    plan = plan_run(assumptions, rng, method, detail=detail, variables=variables)
    sink = StatsSink(plan, bins)
    sink.run(draws, workers, progress)
    return to_summary(plan, sink.stats, sink.edges, q)
