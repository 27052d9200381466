"""results.nc written while the run draws: the same file as one written afterwards, and
no file at all when a write fails or the run is interrupted."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import nplv_sim
from nplv_sim.cli import main

CHUNK = 131_072  # two engine blocks per chunk: 200,000 draws make one chunk mid-run and a rest
DRAWS = 200_000
TIME_ATTRS = ("history", "created")  # the moment of each run


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("nplv_sim.output.NETCDF_CHUNK_DRAWS", CHUNK)
    monkeypatch.setattr("nplv_sim.results_writer.NETCDF_CHUNK_DRAWS", CHUNK)


def _without_time(ds: xr.Dataset) -> xr.Dataset:
    return ds.assign_attrs({k: None for k in TIME_ATTRS if k in ds.attrs})


def _raw_attrs(path: Path) -> dict[str, dict[str, object]]:
    """Every attribute in the file as HDF5 holds it (before any decoding), per object,
    without HDF5's own dimension bookkeeping and the moment of the run."""
    import h5py

    skip = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates",
            "_NCProperties", *TIME_ATTRS}
    out: dict[str, dict[str, object]] = {}
    with h5py.File(path, "r") as f:
        for name, obj in [("/", f), *f.items()]:
            out[name] = {k: repr(np.asarray(v).tolist()) for k, v in obj.attrs.items() if k not in skip}  # NaN == NaN
    return out


@pytest.mark.parametrize("extra", [[], ["--keep", "inputs,derived"], ["--detail"]], ids=["default", "keep", "detail"])
def test_file_written_while_drawing_equals_the_file_written_after(
    small_chunks: None, default_assumptions, tmp_path: Path, extra: list[str]
) -> None:
    from nplv_sim.output import write_netcdf
    from nplv_sim.provenance import public_attrs
    from nplv_sim.simulation import stored

    assert main(["run", "--draws", str(DRAWS), "--seed", "4", "--quiet", "--out", str(tmp_path / "r"), *extra]) == 0
    keep = extra[1].split(",") if "--keep" in extra else ()
    ds = nplv_sim.simulate(default_assumptions, DRAWS, rng=4, method="lhs", detail="--detail" in extra)  # same draws
    write_netcdf(public_attrs(stored(ds, keep)), tmp_path / "after.nc")
    during_path, after_path = tmp_path / "r" / "results.nc", tmp_path / "after.nc"
    with xr.open_dataset(during_path) as during, xr.open_dataset(after_path) as after:
        assert during.encoding["unlimited_dims"] == {"draw"}
        assert list(during.variables) == list(after.variables)  # the same order
        for name, da in after.data_vars.items():  # the same layout on disk
            assert during[name].dims == da.dims, name
            assert during[name].encoding.get("chunksizes") == da.encoding.get("chunksizes"), name
        xr.testing.assert_identical(_without_time(during.load()), _without_time(after.load()))
    assert _raw_attrs(during_path) == _raw_attrs(after_path)  # e.g. no stray global `coordinates`


def test_chunks_are_written_while_the_engine_still_draws(
    small_chunks: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nplv_sim import simulation
    from nplv_sim.results_writer import DrawsWriter

    events: list[tuple[str, int]] = []
    real_drawn, real_run = DrawsWriter.drawn, simulation.run_kept

    def drawn(self: DrawsWriter, done: int, total: int | None = None) -> None:
        real_drawn(self, done, total)
        events.append(("queued up to", self._queued))

    def run_kept(*args, **kwargs):
        out = real_run(*args, **kwargs)
        events.append(("engine done", 0))
        return out

    monkeypatch.setattr(DrawsWriter, "drawn", drawn)
    monkeypatch.setattr(simulation, "run_kept", run_kept)
    assert main(["run", "--draws", str(DRAWS), "--seed", "4", "--quiet", "--out", str(tmp_path / "r")]) == 0
    assert events.index(("queued up to", CHUNK)) < events.index(("engine done", 0))


def test_a_failed_write_mid_run_leaves_no_file_and_says_why_in_one_line(
    small_chunks: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nplv_sim.results_writer import DrawsWriter

    def full(self: DrawsWriter, start: int, stop: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(DrawsWriter, "_write", full)
    out = tmp_path / "r"
    assert main(["run", "--draws", str(DRAWS), "--seed", "4", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert f"{out / 'results.nc'}: writing failed" in err  # where the user looks, not the staging folder
    assert not out.exists() or not any(out.iterdir())


def test_an_interruption_while_drawing_leaves_no_file(
    small_chunks: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nplv_sim.results_writer import DrawsWriter

    real = DrawsWriter.drawn

    def interrupted(self: DrawsWriter, done: int, total: int | None = None) -> None:
        real(self, done, total)
        if done >= CHUNK:  # a chunk is queued or being written, the engine still draws
            raise KeyboardInterrupt

    monkeypatch.setattr(DrawsWriter, "drawn", interrupted)
    out = tmp_path / "r"
    assert main(["run", "--draws", str(DRAWS), "--seed", "4", "--quiet", "--out", str(out)]) == 130
    assert not out.exists() or not any(out.iterdir())
    assert not [t for t in threading.enumerate() if t.name.startswith("results-nc")]  # the writer stopped


def test_a_writer_left_unfinished_refuses_to_complete_the_file(tmp_path: Path) -> None:
    from nplv_sim.results_writer import writing_while_drawing

    values = np.arange(6.0).reshape(2, 3)
    skeleton = xr.Dataset({"v": (("cell", "draw"), values[:, :0])}, coords={"draw": np.arange(0)})
    with pytest.raises(RuntimeError, match="finish was not called"):
        with writing_while_drawing(tmp_path / "f.nc", skeleton, {"v": values}, 3) as w:
            w.drawn(3)
    assert list(tmp_path.iterdir()) == []
