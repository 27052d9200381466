"""Every draw of a run too large for memory, written to NetCDF one group of blocks at a time."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import outputs, validation
from .core.engine import BLOCK_SIZE, KeepSink, blocks, execute
from .schema import Assumptions
from .simulation import plan_run, to_dataset

__all__ = ["write_draws"]


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
    draws, rng, method)``; only ``correlation_achieved`` is per file). As every NetCDF file
    nplv-sim writes, they hold ``draw`` as the last dim (:func:`nplv_sim.output.write_netcdf`).
    Read them back with ``xr.open_mfdataset(paths, combine="nested", concat_dim="draw")``
    (needs dask) or one at a time, and ``.transpose("draw", ...)`` for ``simulate``'s order.

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

    draws = validation.check_draws(draws)
    per_file = validation.check_positive_int("blocks_per_file", blocks_per_file)
    plan = plan_run(assumptions, rng, method, detail=detail)
    n_files = -(-draws // (per_file * BLOCK_SIZE))
    names = [f"draws-{i:05d}.nc" for i in range(n_files)]
    # One set: the files appear together when the last is written, or not at all.
    files = OutputSet(directory, names, force, own_folder=False)
    with files:
        _write_files(plan, draws, per_file, [files.path(n) for n in names], progress)
    return files.targets


def _write_files(plan, draws: int, per_file: int, paths: list[Path], progress) -> None:
    """The files of :func:`write_draws`, one group of blocks at a time."""
    from .output import write_netcdf

    detail = plan.detail
    n_files = len(paths)
    for i, path in enumerate(paths):
        start = i * per_file * BLOCK_SIZE
        n = min(per_file * BLOCK_SIZE, draws - start)
        sink = KeepSink(
            plan.cm.arrays, plan.cm.plan, plan.method, plan.root, n, outputs.engine_outputs(detail), detail, start
        )
        execute(itertools.islice(blocks(draws, first=i * per_file), per_file), sink)
        ds = to_dataset(plan, sink.inputs, sink.outputs, call="write_draws")
        del sink
        ds = ds.assign_coords(draw=np.arange(start, start + n))
        ds.attrs.update(draw_start=start, n_draws_total=draws, file_index=i, n_files=n_files)
        write_netcdf(ds, path)
        del ds
        if progress:
            progress(start + n, draws)
