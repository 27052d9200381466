"""Bad input answered with one line and exit 2, never exit 1 ("internal error")."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from adv_helpers import ENV, one_error_line

import nplv_sim
from nplv_sim.cli import main

pytest.importorskip("scipy")


def _report(tmp_path: Path, *args: str) -> int:
    return main(["report", *args, "--out", str(tmp_path / "rep")])


@pytest.fixture
def stub_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report without its slow figures and Sobol table (not what these tests are about)."""
    monkeypatch.setattr("nplv_sim.report._figures", lambda *a, **k: ([], None))
    monkeypatch.setattr("nplv_sim.report._sobol", lambda *a, **k: None)


def test_report_on_a_foreign_netcdf_is_one_line(tmp_path: Path, capsys) -> None:
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(foreign, engine="scipy")
    assert _report(tmp_path, "--results", str(foreign)) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "foreign.nc" in err and "not an nplv-sim results file" in err


@pytest.mark.parametrize("damage", ["other model", "missing variable", "renamed pillar"])
def test_report_on_mismatched_results_is_one_line(damage: str, files, tmp_path: Path, capsys) -> None:
    u, _ = files
    a = nplv_sim.load_assumptions(u)
    ds = nplv_sim.simulate(a, 200, rng=1)
    if damage == "other model":
        ds = ds.isel(input=slice(0, 5))
    elif damage == "missing variable":
        ds = ds.drop_vars("need")  # a stored variable: what is derived comes back, this cannot
    else:
        ds = ds.assign_coords(pillar=["physical", "sociaal"])
    path = tmp_path / "results.nc"
    ds.to_netcdf(path, engine="scipy")
    assert _report(tmp_path, str(u), "--results", str(path)) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "results.nc" in err
    assert not (tmp_path / "rep").exists()


def test_report_on_matching_results_still_works(files, tmp_path: Path, stub_report) -> None:
    u, _ = files
    path = tmp_path / "results.nc"
    nplv_sim.simulate(nplv_sim.load_assumptions(u), 200, rng=1).to_netcdf(path, engine="scipy")
    assert _report(tmp_path, str(u), "--results", str(path)) == 0
    assert (tmp_path / "rep" / "report.html").is_file()


def test_facts_file_alone_gives_a_report(files, tmp_path: Path, stub_report) -> None:
    _, f = files
    assert _report(tmp_path, str(f), "--draws", "200", "--seed", "1") == 0
    assert (tmp_path / "rep" / "report.html").is_file()


def test_facts_file_alone_gives_readable_results(files, tmp_path: Path) -> None:
    from nplv_sim.simulation import regenerate

    _, f = files
    assert main(["run", str(f), "--draws", "200", "--seed", "1", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    with xr.open_dataset(tmp_path / "o" / "results.nc") as ds:
        full = regenerate(ds.load(), nplv_sim.load_assumptions(f))  # results.nc names its file, not its folder
    assert full.sizes["input"] == 0 and full.sizes["draw"] == 200


@pytest.mark.parametrize("address", ["garbage!!", "tcp://127.0.0.1:1"], ids=["not an address", "nobody there"])
def test_bad_scheduler_address_is_one_line(address: str, tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("nplv_sim.distributed.SCHEDULER_TIMEOUT", 1)  # 10 s in use
    assert main(["run", "--engine", "dask", "--scheduler", address, "--draws", "100",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and address in err and "cannot connect" in err
    assert not (tmp_path / "o").exists()


PDF_UNDER_A_FILE_SIZE_LIMIT = """
import resource, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from nplv_sim.errors import OutputError
from nplv_sim.figures.save import save_figure
fig, ax = plt.subplots()
ax.plot(range(2000), [i * i for i in range(2000)])
resource.setrlimit(resource.RLIMIT_FSIZE, (4000, resource.RLIM_INFINITY))  # a disk that fills
try:
    save_figure(fig, sys.argv[1], formats=("pdf",))
except OutputError as exc:
    print("OutputError", exc)
"""


def test_a_disk_that_fills_during_a_pdf_is_an_output_error(tmp_path: Path) -> None:
    import subprocess

    out = subprocess.run([sys.executable, "-c", PDF_UNDER_A_FILE_SIZE_LIMIT, str(tmp_path / "fig")], env=ENV,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OutputError") and "nothing was written" in out.stdout
    assert list(tmp_path.iterdir()) == []


def test_an_internal_error_with_line_breaks_is_still_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    """matplotlib's mathtext errors span four lines; the message must not."""
    def broken(*args, **kwargs):
        raise ValueError("first line\n    ^\nthird line")

    monkeypatch.delenv("NPLV_SIM_DEBUG", raising=False)
    monkeypatch.setattr("nplv_sim.simulation.run_kept", broken)
    assert main(["run", "--draws", "100", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert one_error_line(err) and "first line\\n" in err
    assert not (tmp_path / "o").exists()
