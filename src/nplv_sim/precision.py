"""Run until the quantiles are precise enough: a stopping rule on the Monte Carlo error.

:func:`simulate_to_precision` evaluates blocks of draws (the same blocks, in the same
order, as :func:`nplv_sim.simulate` with the same seed) and stops as soon as the Monte
Carlo standard error of every requested quantile of every requested output cell meets
the target, or when ``max_draws`` is reached. Memory stays bounded: the draws are
summarised as they come (:mod:`nplv_sim.streaming`).

How the standard error is estimated depends on the sampling method:

* ``random`` and ``lhs``: from order statistics, as :func:`nplv_sim.summarize` does:
  half the distance between the quantiles at ``q -/+ sqrt(q (1 - q) / n)``, read from the
  streamed histograms with their error bound added (never below the exact value for the
  same draws). Right in the limit for independent draws; conservative for Latin
  hypercube.
* ``sobol``: from randomised replicates. Every block is a Sobol sequence with its own
  independent scramble, seeded by ``SeedSequence(entropy, spawn_key=(*root, *SOBOL_STREAM,
  block))`` (a seed spawned from the root), so the blocks are independent randomised-QMC
  replicates. The standard error of the pooled quantile is the standard deviation of the
  per-block quantiles divided by sqrt(number of blocks); at least ``min_blocks`` (default
  8) replicates are drawn before the rule is applied. Using the blocks themselves as the
  replicates (rather than separate roots) keeps the pooled draws identical to
  ``simulate(..., method="sobol")`` with the same seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from .core.engine import BLOCK_SIZE, block_bounds
from .errors import NplvError
from .schema import Assumptions
from .streaming import (
    CellStats,
    Edges,
    StreamPlan,
    auto_bins,
    histogram_quantiles,
    iter_block_values,
    make_plan,
    parts_stats,
    to_summary,
)

__all__ = ["PrecisionWarning", "simulate_to_precision"]

# Replicates (blocks) drawn before the Sobol replicate error is trusted.
SOBOL_MIN_BLOCKS = 8


class PrecisionWarning(UserWarning):
    """``max_draws`` was reached before the target precision."""


def _selected_cells(plan: StreamPlan, select: Mapping[str, Any] | None) -> np.ndarray:
    """Positions (in the plan's cell order) of the cells the target applies to."""
    positions = []
    start = 0
    for name, size in zip(plan.names, plan.sizes, strict=True):
        proto = plan.template[name].isel(draw=0, drop=True)
        index = proto.copy(data=np.arange(start, start + size).reshape(proto.shape))
        if select:
            sel = {d: v for d, v in select.items() if d in index.dims}
            for d, v in sel.items():
                labels = [str(x) for x in index[d].values]
                wanted = [v] if isinstance(v, (str, int, float)) else list(v)
                unknown = [w for w in wanted if str(w) not in labels]
                if unknown:
                    raise NplvError(f"select: {unknown[0]!r} is not a {d} of {name!r}; known: {', '.join(labels)}")
            index = index.sel(sel)
        positions.append(np.asarray(index.values).ravel())
        start += size
    cells = np.concatenate(positions) if positions else np.array([], dtype=int)
    if cells.size == 0:
        raise NplvError("the target applies to no output cell: check variables and select")
    return cells


def _order_stat_se(stats: CellStats, edges: Edges, q: np.ndarray) -> np.ndarray:
    """(k, cells) order-statistic standard errors, as :func:`nplv_sim.summarize`.

    The two quantiles come from the histograms; their error bound is added, so the value
    is never below the exact order-statistic error of the same draws (conservative by at
    most a bin).
    """
    half = np.sqrt(q * (1.0 - q) / max(stats.count, 1))
    lo, lo_bound = histogram_quantiles(stats, edges, np.clip(q - half, 0.0, 1.0))
    hi, hi_bound = histogram_quantiles(stats, edges, np.clip(q + half, 0.0, 1.0))
    return (hi - lo) / 2.0 + (lo_bound + hi_bound) / 2.0


def simulate_to_precision(
    assumptions: Assumptions,
    quantiles: Sequence[float] = (0.5, 0.85),
    target_abs: float | None = None,
    target_rel: float | None = None,
    max_draws: int = 10_000_000,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    variables: Sequence[str] = ("shortfall_2026_2035",),
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
        Blocks of 65,536 draws before the rule is first applied (default 1; 8 for Sobol).
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
    q = np.asarray([float(v) for v in quantiles], dtype=float)
    if q.size == 0 or np.any((q <= 0.0) | (q >= 1.0)):
        raise NplvError(f"quantiles must lie strictly between 0 and 1, got {list(quantiles)}")
    if target_abs is None and target_rel is None:
        raise NplvError("give target_abs and/or target_rel")
    for name, val in (("target_abs", target_abs), ("target_rel", target_rel)):
        if val is not None and (not isinstance(val, (int, float)) or isinstance(val, bool) or not val > 0):
            raise NplvError(f"{name} must be a positive number, got {val!r}")
    if isinstance(max_draws, bool) or not isinstance(max_draws, (int, np.integer)) or max_draws < 1:
        raise NplvError(f"max_draws must be a whole number >= 1, got {max_draws!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise NplvError(f"workers must be a positive whole number, got {workers!r}")
    if isinstance(variables, str):
        variables = (variables,)
    if min_blocks is None:
        min_blocks = SOBOL_MIN_BLOCKS if method == "sobol" else 1
    if method == "sobol" and min_blocks < 2:
        raise NplvError("min_blocks must be at least 2 for Sobol (replicates are needed to estimate the error)")

    if bins is None:
        bins = auto_bins(int(max_draws))
    plan = make_plan(assumptions, rng, method, False, list(variables))
    cells = _selected_cells(plan, select)
    bounds = block_bounds(int(max_draws))
    if method == "sobol" and len(bounds) < min_blocks:
        raise NplvError(
            f"max_draws = {max_draws:,} allows {len(bounds)} block(s); "
            f"Sobol needs at least {min_blocks} (of {BLOCK_SIZE:,} draws)"
        )

    positive = plan.positive_mask()
    stats: CellStats | None = None
    edges: Edges | None = None
    replicate_q: list[np.ndarray] = []  # per-block quantiles (k, cells), Sobol only
    se = np.full((q.size, plan.n_cells), np.inf)
    ratio = math.inf
    blocks = ((b, stop - start) for b, (start, stop) in enumerate(bounds))
    gen = iter_block_values(plan, blocks, workers)
    try:
        for b, parts in gen:
            if edges is None:
                edges = Edges.from_parts(parts, bins)
            part = parts_stats(parts, edges, positive)
            if stats is None:
                stats = part
            else:
                stats.merge(part)
            if method == "sobol":
                replicate_q.append(np.concatenate([np.quantile(v, q, axis=0) for v in parts], axis=1))
            if b + 1 < min_blocks:
                continue
            if method == "sobol":
                reps = np.stack(replicate_q)
                se = reps.std(axis=0, ddof=1) / math.sqrt(reps.shape[0])
            else:
                se = _order_stat_se(stats, edges, q)
            est, _ = histogram_quantiles(stats, edges, q)
            allowance = np.zeros_like(est)
            if target_abs is not None:
                allowance = np.maximum(allowance, target_abs)
            if target_rel is not None:
                allowance = np.maximum(allowance, target_rel * np.abs(est))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(
                    allowance[:, cells] > 0, se[:, cells] / allowance[:, cells], np.where(se[:, cells] > 0, np.inf, 0.0)
                )
            ratio = float(np.max(r))
            if progress:
                progress(stats.count, ratio)
            if ratio <= 1.0:
                break
    finally:
        gen.close()
    assert stats is not None and edges is not None
    met = ratio <= 1.0
    if not met:
        warnings.warn(
            f"target precision not reached within max_draws = {max_draws:,}: the largest standard error is "
            f"{ratio:.2f} times its allowance after {stats.count:,} draws",
            PrecisionWarning,
            stacklevel=2,
        )
    how = (
        f"randomised QMC replicates: sd of per-block quantiles / sqrt({len(replicate_q)}) "
        "(independently scrambled blocks)"
        if method == "sobol"
        else "order statistics (as summarize); conservative for lhs"
    )
    out = to_summary(plan, stats, edges, q, mcse=se, call="simulate_to_precision")
    out.attrs.update(
        precision_target_abs=float(target_abs) if target_abs is not None else "none",
        precision_target_rel=float(target_rel) if target_rel is not None else "none",
        precision_met=int(met),
        precision_achieved_se=float(np.max(se[:, cells])),
        precision_achieved_ratio=ratio,
        precision_error_method=how,
        precision_max_draws=int(max_draws),
    )
    return out
