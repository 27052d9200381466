"""``results.nc`` written while the run draws.

xarray first writes the file with every coordinate and attribute and every draw
variable at zero draws, along an unlimited ``draw`` dim, so the file follows the same
conventions as :func:`nplv_sim.output.write_netcdf` (``draw`` last, one cell and
:data:`~nplv_sim.output.NETCDF_CHUNK_DRAWS` draws per chunk, no fill value). Each time the
engine has merged another chunk's worth of draws, a thread writes them into the file
while the engine goes on: the engine leaves a core partly idle (its Python steps take
turns on the GIL), and the write fills it. What only the finished run knows (the derived
variables and inputs asked for with ``--keep``, the achieved correlations, the final
attributes) is added last.

Measured on the 2-core machine at 10^6 draws: drawing took about as long with the writes
as without, and 0.36-0.41 s of writing was left after it, against 0.56-1.13 s for the
whole file written afterwards (``docs/performance.md``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import xarray as xr

from .output import NETCDF_CHUNK_DRAWS, atomic_write, netcdf_encoding

__all__ = ["DrawsWriter", "writing_while_drawing"]


class DrawsWriter:
    """Fills a results file's draw variables from a run's kept arrays as they become final.

    Parameters
    ----------
    path : Path
        The file to make (a temporary name; :func:`writing_while_drawing` renames it).
    skeleton : Dataset
        What the file holds before any draw: every draw variable at zero draws, with its
        coordinates and attributes, in the file's order.
    arrays : mapping
        Variable name -> the run's array for it, (..., draws), draws last: filled chunk by
        chunk while the run draws. The skeleton's other draw variables (those only the
        finished run has, e.g. derived sums) are filled by :meth:`finish`.
    draws : int
        Draws of the run.
    """

    def __init__(self, path: Path, skeleton: xr.Dataset, arrays: Mapping[str, np.ndarray], draws: int) -> None:
        self.path, self.arrays, self.draws = Path(path), dict(arrays), draws
        self._later = [n for n, da in skeleton.data_vars.items() if "draw" in da.dims and n not in self.arrays]
        self._in_file = set(skeleton.variables)
        self._file = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="results-nc")
        # The file is made in the thread too (0.25 s with the imports), while the engine starts.
        self._futures: list[Future] = [self._pool.submit(self._create, skeleton)]
        self._queued = 0  # draws handed to the thread so far
        self._finished = False

    def _create(self, skeleton: xr.Dataset) -> None:
        import h5netcdf  # with xarray's h5netcdf engine: installed with nplv-sim

        first = skeleton.transpose(..., "draw")
        # An unlimited dim's coordinate is chunked too: as the variables, not HDF5's 1,024.
        n = min(NETCDF_CHUNK_DRAWS, self.draws)
        encoding = netcdf_encoding(first, draws=self.draws) | {"draw": {"chunksizes": (n,)}}
        first.to_netcdf(self.path, engine="h5netcdf", encoding=encoding, unlimited_dims=["draw"])
        self._file = h5netcdf.File(self.path, "a")
        self._file.resize_dimension("draw", self.draws)

    def drawn(self, done: int, total: int | None = None) -> None:
        """The first ``done`` draws are final in the arrays: queue their whole chunks (and
        all of them once the run is complete). Signature of a progress callback."""
        stop = done if done >= self.draws else done - done % NETCDF_CHUNK_DRAWS
        if stop <= self._queued:
            return
        self.check()
        self._futures.append(self._pool.submit(self._write, self._queued, stop))
        self._queued = stop

    def check(self) -> None:
        """Raise the error of a write that has already failed (a full disk), if any."""
        for f in self._futures:
            if f.done():
                f.result()

    def _write(self, start: int, stop: int) -> None:
        for name, values in self.arrays.items():
            self._file.variables[name][..., start:stop] = values[..., start:stop]
        self._file.variables["draw"][start:stop] = np.arange(start, stop)

    def finish(self, final: xr.Dataset) -> None:
        """Queue the rest: the draws not written yet, the skeleton's other draw variables,
        then every variable, coordinate and attribute of ``final`` (what the file holds in
        the end) that the file does not hold yet."""
        self.drawn(self.draws)
        self._futures.append(self._pool.submit(self._add, final))
        self._finished = True

    def _add(self, final: xr.Dataset) -> None:
        for name in self._later:
            self._file.variables[name][...] = final[name].transpose(..., "draw").values
        self._file.close()
        rest = final.drop_vars([n for n, v in final.variables.items() if "draw" in v.dims])
        # Coordinates in the file already stay as they are, unless a new variable carries
        # them (a coordinate no variable carries would go to a global `coordinates` attribute).
        carried = {c for c in rest.coords for v in rest.data_vars.values() if set(rest[c].dims) <= set(v.dims)}
        rest = rest.drop_vars([c for c in rest.coords if c in self._in_file and c not in carried])
        rest.to_netcdf(self.path, mode="a", engine="h5netcdf")

    def wait(self) -> None:
        """Wait for every queued write; raise the first that failed."""
        if not self._finished:
            raise RuntimeError("DrawsWriter.finish was not called: the file is not complete")
        for f in self._futures:
            f.result()

    def close(self) -> None:
        """Drop the writes not started, wait for the one running, close the file."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._file is not None:
            self._file.close()  # a second close (after _add's) does nothing


@contextlib.contextmanager
def writing_while_drawing(
    target: Path, skeleton: xr.Dataset, arrays: Mapping[str, np.ndarray], draws: int, force: bool = False
) -> Iterator[DrawsWriter]:
    """A :class:`DrawsWriter` for ``target``, written under a temporary name and renamed
    onto it once every write has succeeded (:func:`nplv_sim.output.atomic_write`): an
    error or an interruption leaves no file. Call ``finish`` before the block ends.
    """
    with atomic_write(target, force) as tmp:
        writer = DrawsWriter(tmp, skeleton, arrays, draws)
        try:
            yield writer
            writer.wait()
        finally:
            writer.close()
