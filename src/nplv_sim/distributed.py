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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from .compile import compile_assumptions
from .core.engine import BLOCK_SIZE, SamplingPlan, block_bounds, run_block
from .core.model import ModelArrays
from .core.seeding import RootSeed
from .errors import NplvError, one_line
from .schema import Assumptions
from .streaming import SIMULATE_KEEP, dataset_from_blocks

__all__ = ["KEEP", "run_blocks", "simulate_dask"]

# Outputs simulate() keeps (plus need and funding per component with detail=True).
KEEP = SIMULATE_KEEP
DETAIL_KEEP = ("need", "funding")
# Seconds to wait for a --scheduler to answer before giving up with one line.
SCHEDULER_TIMEOUT = 10


def run_blocks(
    model: ModelArrays,
    plan: SamplingPlan,
    method: str,
    root: RootSeed,
    blocks: Sequence[tuple[int, int]],
    detail: bool,
) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Evaluate consecutive blocks on a worker: :func:`run_block` output per block.

    Parameters
    ----------
    model, plan : ModelArrays, SamplingPlan
        From :func:`nplv_sim.compile.compile_assumptions`.
    method : str
        Sampling method.
    root : tuple
        Root seed.
    blocks : sequence of (block, n)
        Block indices and their sizes, in draw order.
    detail : bool
        Also return per-component need and funding.

    Returns
    -------
    list
        Per block: inputs (n, K) and the outputs ``simulate`` keeps, draws leading,
        as contiguous arrays.
    """
    keep = list(KEEP) + (list(DETAIL_KEEP) if detail else [])
    result = []
    for b, n in blocks:
        x, out = run_block(model, plan, method, root, b, n, detail)
        result.append((np.ascontiguousarray(x), {k: np.ascontiguousarray(out[k]) for k in keep}))
    return result


def _client(client: Any) -> tuple[Any, list[Any]]:
    """A Client for ``client`` and the objects to close afterwards.

    None: a new LocalCluster (closed afterwards); str: a scheduler address (the client
    is closed afterwards, the cluster is left running); a Client: used as is.
    """
    from distributed import Client, LocalCluster

    if client is None:
        workers = max(1, min(os.cpu_count() or 1, 4))
        # Task errors still reach the caller as exceptions; the workers' own log lines
        # (tracebacks about a scheduler that has just closed, on Ctrl-C) are noise here.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
        new = Client(cluster)
        return new, [new, cluster]
    if isinstance(client, str):
        try:
            new = Client(client, timeout=SCHEDULER_TIMEOUT)
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
        single-threaded worker process per core, at most 4) closed afterwards.
    deterministic, detail : bool
        As for :func:`nplv_sim.simulate`.
    blocks_per_task : int
        Blocks of 65,536 draws per dask task (more: fewer, larger tasks).
    progress : callable, optional
        ``progress(done, total)`` as tasks finish.

    Returns
    -------
    xarray.Dataset
        Equal to ``simulate(assumptions, draws, rng, method, deterministic, detail=detail)``
        (``xarray.testing.assert_identical`` passes once ``history`` and ``created`` are
        set aside).
    """
    from distributed import as_completed

    from .results import prepare_run

    if isinstance(blocks_per_task, bool) or not isinstance(blocks_per_task, int) or blocks_per_task < 1:
        raise NplvError(f"blocks_per_task must be a positive whole number, got {blocks_per_task!r}")
    draws, root = prepare_run(assumptions, draws, rng, method, deterministic, detail)
    cm = compile_assumptions(assumptions, deterministic=deterministic)
    bounds = block_bounds(draws)
    groups = [list(range(i, min(i + blocks_per_task, len(bounds)))) for i in range(0, len(bounds), blocks_per_task)]

    dask_client, owned = _client(client)
    try:
        model_f, plan_f = dask_client.scatter([cm.arrays, cm.plan], broadcast=True)
        futures = {}
        for i, g in enumerate(groups):
            blocks = [(b, bounds[b][1] - bounds[b][0]) for b in g]
            futures[dask_client.submit(run_blocks, model_f, plan_f, method, root, blocks, detail, pure=False)] = i
        results: list = [None] * len(groups)
        done = 0
        for fut in as_completed(list(futures)):
            i = futures[fut]
            results[i] = fut.result()
            done += sum(x.shape[0] for x, _ in results[i])
            fut.release()
            if progress:
                progress(done, draws)
    finally:
        for obj in owned:
            obj.close()
    blocks_out = [blk for group in results for blk in group]
    del results
    ds = dataset_from_blocks(assumptions, cm, blocks_out, root, method, deterministic, detail)
    ds.attrs["history"] += f" on dask ({len(groups)} tasks of up to {blocks_per_task * BLOCK_SIZE:,} draws)"
    return ds
