"""Run :func:`nplv_sim.simulate` on a dask cluster, with identical results.

The engine already works in fixed blocks whose random numbers come from spawn-keyed
seeds (block *b* of input stream *k* uses ``SeedSequence(entropy, spawn_key=(*root, k,
b))``), so a block is the same wherever it is computed. :func:`simulate_dask` sends
groups of blocks to the workers, gathers the arrays and builds the Dataset with the same
code as :func:`nplv_sim.simulate`: the result equals ``simulate`` for the same seed,
draw for draw (only the ``history`` and ``created`` attributes differ).

dask is an optional dependency (``pip install "nplv-sim[dask]"``). The workers need
nplv-sim installed, at the same version as the client. The draws come back to the
client, so its memory bounds the run as for ``simulate``; for more draws than fit, use
:func:`nplv_sim.streaming.simulate_summary`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from . import outputs, validation
from .core.engine import BLOCK_SIZE, Block, KeepSink, SamplingPlan, blocks, evaluate_block, execute
from .core.model import ModelArrays
from .core.seeding import RootSeed
from .errors import NplvError, one_line
from .schema import Assumptions
from .simulation import estimate_bytes, plan_run, to_dataset

__all__ = ["DaskSink", "evaluate_remote", "simulate_dask"]

# Seconds to wait for a --scheduler to answer before giving up with one line.
SCHEDULER_TIMEOUT = 10


def evaluate_remote(
    model: ModelArrays, plan: SamplingPlan, method: str, root: RootSeed, block: Block, detail: bool,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """On a dask worker: inputs (K, n) and the kept engine outputs of one block, draws last."""
    x, out = evaluate_block(model, plan, method, root, block, detail)
    return x, {k: out[k] for k in outputs.engine_outputs(detail)}


class DaskSink(KeepSink):
    """Keep every draw, with the blocks evaluated on a dask cluster (map) and copied into
    the kept arrays in block order (reduce). :func:`~nplv_sim.core.engine.execute` calls
    :meth:`process` from a few local threads, each waiting on one remote block."""

    def __init__(self, client: Any, model_future: Any, plan_future: Any, *args: Any) -> None:
        super().__init__(*args)
        self.client, self.model_future, self.plan_future = client, model_future, plan_future

    def process(self, block: Block) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Evaluate ``block`` remotely and wait for its arrays."""
        fut = self.client.submit(
            evaluate_remote, self.model_future, self.plan_future, self.method, self.root, block, self.detail, pure=False
        )
        try:
            return fut.result()
        finally:
            fut.release()

    def merge(self, block: Block, result: tuple[np.ndarray, dict[str, np.ndarray]]) -> bool:
        """Copy one block's arrays into place."""
        s = self.slot(block)
        x, out = result
        self.inputs[:, s] = x
        for k, v in out.items():
            self.outputs[k][..., s] = v
        return False


def _client(client: Any) -> tuple[Any, list[Any]]:
    """A Client for ``client`` and the objects to close afterwards.

    None: a new LocalCluster (closed afterwards); str: a scheduler address (the client
    is closed afterwards, the cluster is left running); a Client: used as is.
    """
    from distributed import Client, LocalCluster

    if client is None:
        workers = max(1, min(os.cpu_count() or 1, 4))
        # Workers in this process (threads; the engine's numpy work releases the GIL): no
        # child processes to start, and none left half started to print a traceback of
        # their own when the run is interrupted (a spawned worker whose parent has gone
        # fails with FileNotFoundError). A cluster of other machines is `--scheduler`'s job.
        # Task errors still reach the caller as exceptions; the workers' own log lines
        # (about a scheduler that has just closed, on Ctrl-C) are noise here.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
        # Not dask's default client: every call here names it, and a default would outlive
        # the run (later dask or xarray calls in the same process would look for it).
        new = Client(cluster, set_as_default=False)
        return new, [new, cluster]
    if isinstance(client, str):
        from distributed.comm import resolve_address

        try:
            # An address that does not parse or resolve is refused before a Client exists:
            # a half-made Client's clean-up prints a traceback when the process exits.
            resolve_address(client)
            new = Client(client, timeout=SCHEDULER_TIMEOUT, set_as_default=False)
        except (OSError, ValueError, TypeError, TimeoutError) as exc:  # a bad address or nobody listening
            reason = one_line(str(exc)).split(": ")[-1][:120] or type(exc).__name__
            raise NplvError(f"--scheduler {client!r}: cannot connect to a dask scheduler ({reason})") from None
        return new, [new]
    return client, []


def simulate_dask(
    assumptions: Assumptions,
    draws: int,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    client: Any = None,
    deterministic: bool = False,
    detail: bool = False,
    blocks_per_task: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """:func:`nplv_sim.simulate` with the blocks computed on a dask cluster.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    draws : int
        Number of Monte Carlo draws (ignored when ``deterministic``: one draw).
    rng : int, SeedSequence or None
        Root seed (SPEC 7). None draws fresh entropy, recorded in ``attrs['seed_entropy']``:
        pass that to repeat the run.
    method : {"random", "lhs", "sobol"}
        Sampling method.
    client : distributed.Client, str or None
        A connected client, the address of a running scheduler
        (``"tcp://10.0.0.5:8786"``), or None for a temporary ``LocalCluster`` (one
        single-threaded worker per core, at most 4, as threads in this process) closed afterwards.
    deterministic, detail : bool
        As for :func:`nplv_sim.simulate`.
    blocks_per_task : int
        Blocks of 65,536 draws one local thread hands over in a row.
    progress : callable, optional
        ``progress(done, total)`` as blocks arrive.

    Returns
    -------
    xarray.Dataset
        Equal to ``simulate(assumptions, draws, rng, method, deterministic, detail=detail)``
        (``xarray.testing.assert_identical`` passes once ``history`` and ``created`` are
        set aside).
    """
    per_task = validation.check_positive_int("blocks_per_task", blocks_per_task)
    draws = 1 if deterministic else validation.check_draws(draws)
    plan = plan_run(assumptions, rng, method, deterministic, detail)
    validation.check_memory(estimate_bytes(plan, draws), draws)
    dask_client, owned = _client(client)
    try:
        model_f, plan_f = dask_client.scatter([plan.cm.arrays, plan.cm.plan], broadcast=True)
        sink = DaskSink(
            dask_client, model_f, plan_f, plan.cm.arrays, plan.cm.plan, plan.method, plan.root, draws,
            outputs.engine_outputs(detail), detail,
        )
        # Local threads only wait on remote blocks: two per worker keep the cluster busy.
        in_flight = 2 * max(1, len(dask_client.scheduler_info().get("workers", {})) or 1)
        execute(blocks(draws), sink, in_flight, per_task, None if progress is None else lambda d: progress(d, draws))
    finally:
        for obj in owned:
            obj.close()
    ds = to_dataset(plan, sink.inputs, sink.outputs, call="simulate_dask")
    n_blocks = -(-draws // BLOCK_SIZE)
    ds.attrs["history"] += f" on dask ({n_blocks} blocks of up to {BLOCK_SIZE:,} draws)"
    return ds
