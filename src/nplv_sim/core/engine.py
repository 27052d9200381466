"""Run the model over all draws in fixed blocks (never a Python loop over draws).

Draws are cut into blocks of :data:`BLOCK_SIZE`. Each block's normal scores come from
its own spawn-keyed streams and the block is evaluated on its own, so the result does
not depend on ``chunk_size`` (how many blocks one task handles) or on ``workers``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .distributions import Law
from .model import ModelArrays, evaluate_t
from .sampling import apply_copula, normal_scores_t
from .seeding import RootSeed

__all__ = [
    "BLOCK_SIZE",
    "SUB_BLOCK",
    "Block",
    "KeepSink",
    "SamplingPlan",
    "Sink",
    "blocks",
    "empty_outputs",
    "evaluate_block",
    "execute",
]

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


@dataclass(frozen=True)
class Block:
    """Block ``index`` of a run: draws ``start`` to ``start + n``."""

    index: int
    start: int
    n: int


def blocks(draws: int, first: int = 0) -> Iterator[Block]:
    """The blocks of ``draws`` draws from block ``first`` on, generated lazily (a run of
    10^14 draws builds no list of its blocks)."""
    for b in range(first, -(-draws // BLOCK_SIZE)):
        start = b * BLOCK_SIZE
        yield Block(b, start, min(BLOCK_SIZE, draws - start))


class Sink(Protocol):
    """What a run does with its blocks: keep every draw, merge statistics, stop early, ...

    :func:`execute` calls ``process`` in a worker thread for each block and ``merge`` in
    the calling thread with that result, in block order, so a sink's result does not
    depend on the number of workers.
    """

    def process(self, block: Block) -> Any:
        """Evaluate ``block`` (in a worker thread) and return what ``merge`` needs."""

    def merge(self, block: Block, result: Any) -> bool:
        """Take one block's result (in block order); return True to stop the run."""


def execute(
    todo: Iterable[Block],
    sink: Sink,
    workers: int = 1,
    blocks_per_task: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Hand every block of ``todo`` to ``sink``: the one loop over blocks of every run mode.

    Parameters
    ----------
    todo : iterable of Block
        The blocks, in draw order (consumed lazily).
    sink : Sink
        Processes and merges each block.
    workers : int
        Threads (numpy releases the GIL); never changes the numbers.
    blocks_per_task : int
        Consecutive blocks one thread evaluates in a row (scheduling only).
    progress : callable, optional
        ``progress(draws_done)`` after each merged task.

    Returns
    -------
    int
        Draws merged (fewer than in ``todo`` when the sink stopped the run).
    """
    tasks = _tasks(todo, blocks_per_task)
    done = 0

    def work(task: list[Block]) -> list[Any]:
        return [sink.process(b) for b in task]

    def merge(task: list[Block], results: list[Any]) -> bool:
        nonlocal done
        stop = False
        for b, r in zip(task, results, strict=True):
            stop = sink.merge(b, r) or stop
            done += b.n
            if stop:
                break
        if progress:
            progress(done)
        return stop

    if workers <= 1:
        for task in tasks:
            if merge(task, work(task)):
                break
        return done
    pool = ThreadPoolExecutor(max_workers=workers)
    pending: deque[tuple[list[Block], Future]] = deque()
    try:
        for task in tasks:
            pending.append((task, pool.submit(work, task)))
            # At most two tasks per worker in flight: memory stays bounded.
            if len(pending) >= 2 * workers:
                t, fut = pending.popleft()
                if merge(t, fut.result()):
                    break
        else:
            while pending:
                t, fut = pending.popleft()
                if merge(t, fut.result()):
                    break
    finally:
        # On a stop, an error or Ctrl-C: drop the tasks not yet started, wait for the few
        # running ones (a block takes a fraction of a second).
        for _, fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def _tasks(todo: Iterable[Block], per_task: int) -> Iterator[list[Block]]:
    task: list[Block] = []
    for b in todo:
        task.append(b)
        if len(task) >= per_task:
            yield task
            task = []
    if task:
        yield task


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


def empty_outputs(
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
) -> None:
    """Evaluate block ``block`` (n draws) into ``inputs`` (K, n) and each
    ``outputs[name]`` (..., n), draws last (views are fine).

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
        xt = inputs[:, s:e]
        _values_into(plan, zs, xt)
        out = evaluate_t(model, xt, detail)
        for k, dest in outputs.items():
            dest[..., s:e] = out[k]


def evaluate_block(
    model: ModelArrays,
    plan: SamplingPlan,
    method: str,
    root: RootSeed,
    block: Block,
    detail: bool,
    into: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Inputs (K, n) and outputs (..., n) of one block, draws last.

    With ``into`` (inputs and output arrays, each with ``block.n`` draws on the last
    axis, e.g. views into a run's arrays) the block is written there; otherwise new
    arrays hold every output of the model.
    """
    if into is None:
        into = empty_outputs(model, plan, block.n, None, detail)
    inputs, outputs = into
    _block_into(model, plan, method, root, block.index, block.n, detail, inputs, outputs)
    return inputs, outputs


class KeepSink:
    """Keep every draw: each block is evaluated straight into arrays for all draws.

    Attributes
    ----------
    inputs : ndarray
        (K, draws) input values, or of the first ``input_draws`` draws only.
    outputs : dict
        Engine output name -> (..., draws) array.
    """

    def __init__(
        self, model: ModelArrays, plan: SamplingPlan, method: str, root: RootSeed, draws: int,
        keep: Sequence[str] | None, detail: bool, offset: int = 0, input_draws: int | None = None,
        into: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
    ) -> None:
        self.model, self.plan, self.method, self.root, self.detail = model, plan, method, root, detail
        self.offset = offset  # the first draw the arrays hold
        if into is not None:  # arrays made beforehand (e.g. for a file written while the run draws)
            self.inputs, self.outputs = into
            return
        self.inputs, self.outputs = empty_outputs(model, plan, draws, keep, detail)
        if input_draws is not None and input_draws < draws:
            # Only the first input_draws draws' inputs are kept (e.g. for the achieved
            # correlations); the other blocks' inputs live in a scratch array while evaluated.
            self.inputs = np.empty((self.inputs.shape[0], input_draws))

    def slot(self, block: Block) -> slice:
        """Where ``block``'s draws go in the kept arrays."""
        return slice(block.start - self.offset, block.start - self.offset + block.n)

    def process(self, block: Block) -> None:
        """Evaluate ``block`` into its slice of the kept arrays."""
        s = self.slot(block)
        inputs = self.inputs[:, s] if s.stop <= self.inputs.shape[1] else np.empty((self.inputs.shape[0], block.n))
        _block_into(
            self.model, self.plan, self.method, self.root, block.index, block.n, self.detail,
            inputs, {k: v[..., s] for k, v in self.outputs.items()},
        )
        if s.start < self.inputs.shape[1] < s.stop:  # the kept inputs end inside this block
            self.inputs[:, s.start :] = inputs[:, : self.inputs.shape[1] - s.start]

    def merge(self, block: Block, result: None) -> bool:
        """Nothing to merge: the block is already in place."""
        return False
