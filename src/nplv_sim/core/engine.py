"""Run the model over all draws in fixed blocks (never a Python loop over draws).

Draws are cut into blocks of :data:`BLOCK_SIZE`. Each block's normal scores come from
its own spawn-keyed streams and the block is evaluated on its own, so the result does
not depend on ``chunk_size`` (how many blocks one task handles) or on ``workers``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .distributions import Law
from .model import ModelArrays, evaluate_t
from .sampling import apply_copula, normal_scores_t
from .seeding import RootSeed

__all__ = ["BLOCK_SIZE", "SUB_BLOCK", "SamplingPlan", "block_bounds", "run", "run_block"]

BLOCK_SIZE = 65_536
# Draws evaluated together inside a block: small enough for the model's work arrays to
# stay in a 1 MiB L2 cache, large enough for numpy's per-call cost not to matter.
SUB_BLOCK = 8_192


@dataclass(frozen=True)
class SamplingPlan:
    """What to draw: laws of the K inputs, which are random, baselines and correlation."""

    laws: tuple[Law, ...]
    baseline: np.ndarray  # (K,)
    random: np.ndarray  # (K,) bool: drawn (else held at baseline)
    streams: tuple[tuple[int, ...], ...]  # one 128-bit key (4 words) per random input
    chol: np.ndarray | None  # (R, R) over the random inputs, or None


def block_bounds(draws: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int]]:
    """Start and stop of every block for ``draws`` draws."""
    return [(s, min(s + block_size, draws)) for s in range(0, draws, block_size)]


def _values_into(plan: SamplingPlan, z: np.ndarray, xt: np.ndarray) -> None:
    """Input values (K, m) into ``xt`` from correlated normal scores ``z`` (R, m) of the
    random inputs; the others at their baseline."""
    random = 0
    for k, law in enumerate(plan.laws):
        if plan.random[k]:
            law.from_normal(z[random], out=xt[k])
            random += 1
        else:
            xt[k] = plan.baseline[k]


def _empty_outputs(
    model: ModelArrays, plan: SamplingPlan, n: int, names: Sequence[str] | None, detail: bool
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Uninitialised inputs (K, n) and outputs (..., n) for ``n`` draws, shaped after a
    one-draw evaluation at baseline; ``names`` selects outputs (default: all)."""
    probe = evaluate_t(model, plan.baseline[:, None], detail)
    names = list(probe) if names is None else names
    return np.empty((plan.baseline.shape[0], n)), {k: np.empty((*probe[k].shape[:-1], n)) for k in names}


def _block_into(
    model: ModelArrays,
    plan: SamplingPlan,
    method: str,
    root: RootSeed,
    block: int,
    n: int,
    detail: bool,
    inputs: np.ndarray,
    outputs: dict[str, np.ndarray],
    offset: int = 0,
) -> None:
    """Evaluate block ``block`` (n draws) into ``inputs[:, offset:offset + n]`` and each
    ``outputs[name][..., offset:offset + n]`` (draws last).

    The block's normal scores are drawn whole (they define the random numbers); the
    copula, the laws and the model then run on :data:`SUB_BLOCK` draws at a time, so that
    their work arrays stay in the processor's cache. Every step is elementwise along the
    draws, so the numbers do not depend on ``SUB_BLOCK``.
    """
    z = normal_scores_t(method, root, plan.streams, block, n)
    for s in range(0, n, SUB_BLOCK):
        e = min(s + SUB_BLOCK, n)
        zs = z[:, s:e]
        if plan.chol is not None:
            apply_copula(plan.chol, zs)
        xt = inputs[:, offset + s : offset + e]
        _values_into(plan, zs, xt)
        out = evaluate_t(model, xt, detail)
        for k, dest in outputs.items():
            dest[..., offset + s : offset + e] = out[k]


def run_block(model: ModelArrays, plan: SamplingPlan, method: str, root: RootSeed, block: int, n: int, detail: bool = True):
    """Inputs (n, K) and outputs (draws first) of one block; arrays may be views."""
    inputs, outputs = _empty_outputs(model, plan, n, None, detail)
    _block_into(model, plan, method, root, block, n, detail, inputs, outputs)
    return inputs.T, {k: np.moveaxis(v, -1, 0) for k, v in outputs.items()}


def run(
    model: ModelArrays,
    plan: SamplingPlan,
    draws: int,
    root: RootSeed,
    method: str = "random",
    chunk_size: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    keep: Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Draw inputs and evaluate the model for ``draws`` draws.

    Parameters
    ----------
    model, plan : ModelArrays, SamplingPlan
        What to compute and what to draw.
    draws : int
        Number of draws (> 0).
    root : tuple
        Root seed.
    method : str
        Sampling method, see :func:`~nplv_sim.core.sampling.normal_scores`.
    chunk_size : int, optional
        Draws handed to one task, rounded up to whole blocks. Affects memory and
        scheduling only, never the numbers.
    workers : int
        Threads evaluating tasks in parallel (numpy releases the GIL).
    progress : callable, optional
        Called as ``progress(done_draws, draws)`` after each task.
    keep : sequence of str, optional
        Output names to keep (default: all).

    Returns
    -------
    tuple
        Inputs (K, draws) and a dict of output arrays, all with the draw axis LAST
        (contiguous copies of each block; see :func:`~nplv_sim.core.model.evaluate_t`).
    """
    bounds = block_bounds(draws)
    per_task = max(1, -(-(chunk_size or BLOCK_SIZE) // BLOCK_SIZE))
    tasks = [list(range(i, min(i + per_task, len(bounds)))) for i in range(0, len(bounds), per_task)]
    detail = keep is None or "need" in keep or "funding" in keep
    inputs, outputs = _empty_outputs(model, plan, draws, keep, detail)
    done = [0]

    def work(task: list[int]) -> int:
        count = 0
        for b in task:
            start, stop = bounds[b]
            _block_into(model, plan, method, root, b, stop - start, detail, inputs, outputs, start)
            count += stop - start
        return count

    if workers > 1 and len(tasks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for count in pool.map(work, tasks):
                done[0] += count
                if progress:
                    progress(done[0], draws)
    else:
        for task in tasks:
            done[0] += work(task)
            if progress:
                progress(done[0], draws)
    return inputs, outputs
