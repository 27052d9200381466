"""results.nc written while the run draws: the same file as one written afterwards, and
no file at all when a write fails or the run is interrupted."""

from __future__ import annotations

import errno
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


@pytest.mark.parametrize("keep", [[], ["--keep", "inputs,derived"]])
def test_file_written_while_drawing_equals_the_file_written_after(
    small_chunks: None, default_assumptions, tmp_path: Path, keep: list[str]
) -> None:
    from nplv_sim.output import write_netcdf
    from nplv_sim.provenance import public_attrs
    from nplv_sim.simulation import stored

    assert main(["run", "--draws", str(DRAWS), "--seed", "4", "--quiet", "--out", str(tmp_path / "r"), *keep]) == 0
    ds = nplv_sim.simulate(default_assumptions, DRAWS, rng=4, method="lhs")  # the same draws, kept whole
    write_netcdf(public_attrs(stored(ds, keep[1].split(",") if keep else ())), tmp_path / "after.nc")
    with xr.open_dataset(tmp_path / "r" / "results.nc") as during, xr.open_dataset(tmp_path / "after.nc") as after:
        assert during.encoding["unlimited_dims"] == {"draw"}
        for name, da in after.data_vars.items():  # the same layout on disk
            assert during[name].dims == da.dims, name
            assert during[name].encoding.get("chunksizes") == da.encoding.get("chunksizes"), name
        xr.testing.assert_identical(_without_time(during.load()), _without_time(after.load()))
    assert int(during.sizes["draw"]) == DRAWS


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
    assert err.count("\n") == 1 and "No space left on device" in err and "results.nc" in err
    assert not out.exists() or not any(out.iterdir())


def test_an_interruption_while_drawing_leaves_no_file(
    small_chunks: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nplv_sim import simulation

    real = simulation.to_dataset

    def interrupted(plan, x, engine, *args, **kwargs):
        if x.shape[-1] == 0:  # the file's skeleton
            return real(plan, x, engine, *args, **kwargs)
        raise KeyboardInterrupt  # after every draw has gone to the file

    monkeypatch.setattr(simulation, "to_dataset", interrupted)
    out = tmp_path / "r"
    assert main(["run", "--draws", str(DRAWS), "--seed", "4", "--quiet", "--out", str(out)]) == 130
    assert not out.exists() or not any(out.iterdir())


def test_a_writer_left_unfinished_refuses_to_complete_the_file(tmp_path: Path) -> None:
    from nplv_sim.results_writer import writing_while_drawing

    values = np.arange(6.0).reshape(2, 3)
    skeleton = xr.Dataset({"v": (("cell", "draw"), values[:, :0])}, coords={"draw": np.arange(0)})
    with pytest.raises(RuntimeError, match="finish was not called"):
        with writing_while_drawing(tmp_path / "f.nc", skeleton, {"v": values}, 3) as w:
            w.drawn(3)
    assert list(tmp_path.iterdir()) == []
