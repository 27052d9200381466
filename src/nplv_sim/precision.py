"""Run until the quantiles are precise enough: a stopping rule on the Monte Carlo error.

:func:`simulate_to_precision` evaluates blocks of draws (the same blocks, in the same
order, as :func:`nplv_sim.simulate` with the same seed) and stops as soon as the Monte
Carlo standard error of every requested quantile of every requested output cell meets
the target, or when ``max_draws`` is reached. Memory stays bounded: the draws are
summarised as they come (:mod:`nplv_sim.streaming`).

How the standard error is estimated depends on the sampling method:

* ``random``: from order statistics, as :func:`nplv_sim.summarize` does
  (:mod:`nplv_sim.core.quantiles`), read from the streamed histograms with their error
  bound added (never below the exact value for the same draws).
* ``lhs`` and ``sobol``: from replicates. Every block is its own Latin hypercube, or a
  Sobol sequence with its own independent scramble, drawn from seeds spawned from the
  root, so the blocks are independent replicates of the design. The standard error of
  the pooled quantile is the standard deviation of the per-block quantiles divided by
  sqrt(number of blocks); at least ``min_blocks`` (default 8) replicates are drawn before
  the rule is applied. Order statistics would ignore the variance reduction of the
  design and overstate the error. Using the blocks themselves as the replicates (rather
  than separate roots) keeps the pooled draws identical to ``simulate`` with the same
  seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from . import validation
from .core.engine import Block, blocks, execute
from .core.methods import REPLICATE_METHODS
from .core.quantiles import bracket_probs, mcse_from_bracket, sample_quantiles
from .core.streamstats import CellStats, Edges, histogram_quantiles, parts_stats
from .schema import Assumptions
from .simulation import RunPlan, plan_run
from .streaming import StatsSink, auto_bins, block_values, to_summary

__all__ = ["PrecisionWarning", "simulate_to_precision"]



class PrecisionWarning(UserWarning):
    """``max_draws`` was reached before the target precision."""


def _selected_cells(plan: RunPlan, select: Mapping[str, Any] | None) -> np.ndarray:
    """Positions (in the plan's cell order) of the cells the target applies to."""
    positions = []
    start = 0
    for var in plan.variables:
        size = var.cells(plan.layout)
        coords = plan.coords(var)
        index = xr.DataArray(
            np.arange(start, start + size).reshape([len(coords[d]) for d in var.dims]), dims=var.dims, coords=coords
        )
        if select:
            sel = {d: v for d, v in select.items() if d in index.dims}
            for d, v in sel.items():
                labels = [str(x) for x in index[d].values]
                wanted = [v] if isinstance(v, (str, int, float)) else list(v)
                unknown = [w for w in wanted if str(w) not in labels]
                if unknown:
                    raise validation.InvalidArgument(
                        f"select: {unknown[0]!r} is not a {d} of {var.name!r}; known: {', '.join(labels)}"
                    )
            index = index.sel(sel)
        positions.append(np.asarray(index.values).ravel())
        start += size
    cells = np.concatenate(positions) if positions else np.array([], dtype=int)
    if cells.size == 0:
        raise validation.InvalidArgument("the target applies to no output cell: check variables and select")
    return cells


def _order_stat_se(stats: CellStats, edges: Edges, q: np.ndarray) -> np.ndarray:
    """(k, cells) order-statistic standard errors, as :func:`nplv_sim.summarize`.

    The two quantiles come from the histograms; their error bound is added, so the value
    is never below the exact order-statistic error of the same draws (conservative by at
    most a bin).
    """
    lo_p, hi_p = bracket_probs(q, stats.count)
    lo, lo_bound = histogram_quantiles(stats, edges, lo_p)
    hi, hi_bound = histogram_quantiles(stats, edges, hi_p)
    return mcse_from_bracket(lo, hi, stats.count) + (lo_bound + hi_bound) / 2.0


class PrecisionSink(StatsSink):
    """Streamed statistics plus a stopping rule: stop once every targeted quantile's
    standard error is within its allowance."""

    def __init__(
        self, plan: RunPlan, bins: int, q: np.ndarray, cells: np.ndarray, target_abs: float | None,
        target_rel: float | None, min_blocks: int, progress: Callable[[int, float], None] | None,
    ) -> None:
        super().__init__(plan, bins)
        self.q, self.cells, self.min_blocks, self.progress = q, cells, min_blocks, progress
        self.target_abs, self.target_rel = target_abs, target_rel
        self.replicates: list[np.ndarray] = []  # per-block quantiles (k, cells)
        self.se = np.full((q.size, self.positive.size), np.inf)
        self.ratio = math.inf

    @property
    def by_replicates(self) -> bool:
        """Whether the error comes from block replicates (LHS, Sobol)."""
        return self.plan.method in REPLICATE_METHODS

    def start(self, pilot: Block) -> None:
        """As :meth:`StatsSink.start`, keeping the pilot's replicate quantiles."""
        values = block_values(self.plan, pilot)
        self.edges = Edges.from_parts(values, self.bins)
        self.merge(pilot, self._stats(values))

    def _stats(self, values: list[np.ndarray]) -> tuple[CellStats, np.ndarray | None]:
        reps = None
        if self.by_replicates:
            reps = np.concatenate([sample_quantiles(np.ascontiguousarray(v.T), self.q) for v in values], axis=1)
        return parts_stats(values, self.edges, self.positive), reps

    def process(self, block: Block) -> tuple[CellStats, np.ndarray | None]:
        """Statistics and (LHS, Sobol) quantiles of one block, in a worker thread."""
        return self._stats(block_values(self.plan, block))

    def merge(self, block: Block, result: tuple[CellStats, np.ndarray | None]) -> bool:
        """Merge one block, re-estimate the errors and say whether the target is met."""
        stats, reps = result
        super().merge(block, stats)
        if reps is not None:
            self.replicates.append(reps)
        if block.index + 1 < self.min_blocks:
            return False
        if self.by_replicates:
            r = np.stack(self.replicates)
            self.se = r.std(axis=0, ddof=1) / math.sqrt(r.shape[0])
        else:
            self.se = _order_stat_se(self.stats, self.edges, self.q)
        est, _ = histogram_quantiles(self.stats, self.edges, self.q)
        allowance = np.zeros_like(est)
        if self.target_abs is not None:
            allowance = np.maximum(allowance, self.target_abs)
        if self.target_rel is not None:
            allowance = np.maximum(allowance, self.target_rel * np.abs(est))
        c = self.cells
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(allowance[:, c] > 0, self.se[:, c] / allowance[:, c], np.where(self.se[:, c] > 0, np.inf, 0.0))
        self.ratio = float(np.max(r))
        if self.progress:
            self.progress(self.stats.count, self.ratio)
        return self.ratio <= 1.0


def simulate_to_precision(
    assumptions: Assumptions,
    quantiles: Sequence[float] = (0.5, 0.85),
    target_abs: float | None = None,
    target_rel: float | None = None,
    max_draws: int = 10_000_000,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    variables: Sequence[str] = ("shortfall_all_periods",),
    select: Mapping[str, Any] | None = None,
    min_blocks: int | None = None,
    workers: int = 1,
    bins: int | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> xr.Dataset:
    """Draw blocks until the quantiles' Monte Carlo standard error meets a target.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    quantiles : sequence of float
        Probabilities whose estimates must be precise (default median and P85).
    target_abs : float, optional
        Largest acceptable standard error, in the units of the variables [million EUR].
    target_rel : float, optional
        Largest acceptable standard error relative to the quantile's absolute value.
        With both targets, a cell passes when it meets either (like ``numpy.isclose``).
    max_draws : int
        Stop here even if the target is not met (a :class:`PrecisionWarning` says so).
    rng : int, SeedSequence or None
        Root seed (SPEC 7).
    method : {"random", "lhs", "sobol"}
        Sampling method; decides how the error is estimated (module docstring).
    variables : sequence of str
        Output variables the target applies to (and that are summarised).
    select : mapping, optional
        Labels restricting the target to some cells, e.g. ``{"scope": "total",
        "netting": "pillar"}`` (all cells by default).
    min_blocks : int, optional
        Blocks of 65,536 draws before the rule is first applied (default 1 for random;
        8 for LHS and Sobol, whose error comes from block replicates).
    workers : int
        Threads evaluating blocks (up to ``2 * workers`` blocks may be computed past the
        stopping point and discarded); never changes the numbers.
    bins : int, optional
        Histogram bins per cell (default :func:`~nplv_sim.streaming.auto_bins` of
        ``max_draws``; see :mod:`nplv_sim.streaming`).
    progress : callable, optional
        ``progress(done_draws, achieved)`` after each block, ``achieved`` being the
        largest standard error relative to its allowance (<= 1 means met).

    Returns
    -------
    xarray.Dataset
        Summary of the draws used, in the layout of :func:`nplv_sim.summarize` for
        ``variables``; ``v_mcse`` holds the standard errors the rule used. ``attrs``
        record ``precision_target_abs``, ``precision_target_rel``, ``precision_met``
        (1/0), ``precision_achieved_se`` (largest standard error of the targeted cells)
        ``precision_achieved_ratio`` (largest error / allowance) and
        ``precision_error_method``.
    """
    q = np.asarray(validation.check_probabilities("quantiles", quantiles, open_interval=True))
    target_abs = validation.check_target("target_abs", target_abs)
    target_rel = validation.check_target("target_rel", target_rel)
    if target_abs is None and target_rel is None:
        raise validation.InvalidArgument("give target_abs and/or target_rel")
    max_draws = validation.check_draws(max_draws)
    workers = validation.check_positive_int("workers", workers)
    min_blocks = validation.check_replicate_draws(method, max_draws, min_blocks)
    bins = auto_bins(max_draws) if bins is None else validation.check_positive_int("bins", bins, 2)
    plan = plan_run(assumptions, rng, method, variables=list(variables))
    cells = _selected_cells(plan, select)
    sink = PrecisionSink(plan, bins, q, cells, target_abs, target_rel, min_blocks, progress)
    todo = blocks(max_draws)
    sink.start(next(todo))
    if sink.ratio > 1.0:
        execute(todo, sink, workers)
    met = sink.ratio <= 1.0
    if not met:
        warnings.warn(
            f"target precision not reached within max_draws = {max_draws:,}: the largest standard error is "
            f"{sink.ratio:.2f} times its allowance after {sink.stats.count:,} draws",
            PrecisionWarning,
            stacklevel=2,
        )
    how = (
        f"replicates: sd of per-block quantiles / sqrt({len(sink.replicates)}) (independent {method} blocks)"
        if sink.by_replicates
        else "order statistics (as summarize)"
    )
    out = to_summary(plan, sink.stats, sink.edges, q, mcse=sink.se, call="simulate_to_precision")
    out.attrs.update(
        precision_target_abs=float(target_abs) if target_abs is not None else "none",
        precision_target_rel=float(target_rel) if target_rel is not None else "none",
        precision_met=int(met),
        precision_achieved_se=float(np.max(sink.se[:, cells])),
        precision_achieved_ratio=sink.ratio,
        precision_error_method=how,
        precision_max_draws=int(max_draws),
    )
    return out
