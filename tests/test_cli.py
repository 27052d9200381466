"""The command line, end to end, in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

import nplv_sim
from nplv_sim.cli import main

# Subprocesses run in other folders: point them at this source tree, not an installed copy.
ENV = {**os.environ, "PYTHONPATH": str(Path(nplv_sim.__file__).resolve().parent.parent)}


def test_run_writes_netcdf_and_summary(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--draws", "2000", "--seed", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "P85" in printed and "physical 2026\u20132029" in printed
    # every horizon, both bases
    assert "both pillars 2026\u20132035 (whole)" in printed and "With funderingsherstel" in printed
    with xr.open_dataset(out / "results.nc") as ds:
        assert ds.attrs["n_draws"] == 2000 and ds.attrs["seed_entropy"] == "5"
        assert ds["shortfall"].attrs["units"] == "million EUR"
        assert ds["shortfall"].sizes["draw"] == 2000
    text = (out / "summary.csv").read_text()
    assert text.startswith("variable,basis,pillar,period,scope,netting,first_year,last_year,p05,p15,p50,p85,p95")
    assert "shortfall_all_periods,excl_addons,all,whole,rijk,pillar,2026,2035," in text
    assert "shortfall_all_pillars_incl_addons,incl_addons,all,P1,rijk,pillar,2026,2029," in text
    assert not list(out.glob(".*part"))


def test_existing_results_are_not_overwritten_without_force(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--draws", "500", "--seed", "1", "--out", str(out), "--quiet"]) == 0
    before = (out / "results.nc").read_bytes()
    assert main(["run", "--draws", "500", "--seed", "2", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and err.count("\n") == 1
    assert (out / "results.nc").read_bytes() == before
    assert main(["run", "--draws", "500", "--seed", "2", "--out", str(out), "--quiet", "--force"]) == 0
    assert (out / "results.nc").read_bytes() != before


def test_bad_assumptions_file_gives_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml\n")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "invalid TOML" in err and err.count("\n") == 1
    assert not (tmp_path / "o" / "results.nc").exists()


def test_baseline_writes_reconciliation(tmp_path, capsys):
    assert main(["baseline", "--out", str(tmp_path)]) == 0
    assert "Restopgave fysiek tot 2030" in capsys.readouterr().out
    assert (tmp_path / "reconciliation.csv").read_text().startswith("figure,source,published,computed,difference,note")


def test_unwritable_output_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", "--draws", "100", "--out", str(blocker / "sub")]) == 2
    assert "cannot create folder" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["baseline", "--help"]])
def test_help_everywhere(argv):
    out = subprocess.run([sys.executable, "-m", "nplv_sim", *argv], capture_output=True, text=True, env=ENV)
    assert out.returncode == 0 and "usage:" in out.stdout


def test_default_output_folder_is_new_for_each_run(tmp_path):
    runs = [
        subprocess.run(
            [sys.executable, "-m", "nplv_sim", "run", "--draws", "200", "--quiet"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=ENV,
        )
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert len(list((tmp_path / "results").iterdir())) == 2


def test_stream_and_precision_write_summaries_only(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["run", "--stream", "--draws", "70000", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert (out / "summary.nc").is_file() and (out / "summary.csv").is_file() and not (out / "results.nc").exists()
    out2 = tmp_path / "p"
    argv = ["run", "--precision", "50", "--draws", "200000", "--method", "random", "--seed", "3", "--out", str(out2)]
    assert main([*argv, "--quiet"]) == 0
    assert "precision target 50: met" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--scheduler", "tcp://127.0.0.1:1", "--draws", "10"],
        ["run", "--precision", "-3", "--draws", "10"],
        ["run", "--stream", "--engine", "dask", "--draws", "10"],
    ],
)
def test_inconsistent_run_options_are_refused(argv, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_policy_commands_print_and_record_the_seed(tmp_path, capsys):
    """Without --seed, budget and cover still print the seed, and --out writes the table and provenance."""
    import csv as _csv

    assert main(["budget", "--draws", "400", "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    seed = out.split("repeat with --seed ")[1].split(")")[0]
    prov = dict(_csv.reader((tmp_path / "b" / "provenance.csv").read_text(encoding="utf-8").splitlines()))
    assert prov["seed"] == seed and prov["assumptions"] == "rebel_2026_uncertainty.toml"
    rows = list(_csv.DictReader((tmp_path / "b" / "budget.csv").read_text(encoding="utf-8").splitlines()))
    assert {r["horizon"] for r in rows} == {"P1", "P2", "whole"}
    assert "do not add up" in out
    assert main(["budget", "--draws", "400", "--seed", seed]) == 0  # the printed seed repeats the run
    again = capsys.readouterr().out
    assert again.split("Budget needed")[1].split("seed")[0] == out.split("Budget needed")[1].split("seed")[0]


def test_cover_answers_for_exactly_the_given_years_and_warns_on_double_counting(tmp_path, capsys):
    assert (
        main(
            [
                "cover",
                "--budget",
                "135/yr",
                "--years",
                "2029-2035",
                "--draws",
                "400",
                "--seed",
                "2",
                "--scenario",
                "coalition_135",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    cap = capsys.readouterr()
    assert "warning" in cap.err and "twice" in cap.err and cap.err.count("\n") == 1
    assert "exactly 2029-2035" in cap.out and "seed 2" in cap.out
    assert (tmp_path / "c" / "cover.csv").read_text(encoding="utf-8").count("same years") == 2


def test_draws_accept_integer_valued_scientific_notation():
    from nplv_sim.cli import _parser

    for text, want in (("1e6", 1_000_000), ("2.5e3", 2500), ("100_000", 100_000), ("1E4", 10_000)):
        assert _parser().parse_args(["run", "--draws", text]).draws == want
    for bad in ("1.5", "1e-3", "1e400", "nan", "abc", "0", "-1e3"):
        with pytest.raises(SystemExit):
            _parser().parse_args(["run", "--draws", bad])


def test_too_many_draws_for_memory_suggest_stream(capsys):
    assert main(["run", "--draws", "1e12", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--stream" in err


def test_a_correlation_repair_is_one_warning_line_naming_the_pair(tmp_path, capsys):
    import shutil
    import warnings

    import nplv_sim

    src = nplv_sim.load_assumptions()
    shutil.copy(src.facts.path, tmp_path)
    bad = "".join(
        f'\n[[correlation]]\ninputs = ["{x}", "{y}"]\nrho = {r}\nsource = "test"\n'
        for x, y, r in (
            ("wokt_cofinancing", "spuk_amount", 0.6),
            ("spuk_amount", "preventie_met_gezag_amount", 0.6),
            ("wokt_cofinancing", "preventie_met_gezag_amount", -0.3),
        )
    )
    (tmp_path / "u.toml").write_text(open(src.path, encoding="utf-8").read() + bad, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda m, c, f, n, file=None, line=None: sys.stderr.write(
            warnings.formatwarning(m, c, f, n)
        )
        assert (
            main(
                [
                    "run",
                    str(tmp_path / "u.toml"),
                    "--draws",
                    "200",
                    "--seed",
                    "1",
                    "--quiet",
                    "--out",
                    str(tmp_path / "r"),
                ]
            )
            == 0
        )
    err = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(err) == 1 and err[0].startswith("nplv-sim: warning: u.toml: declared correlations")
    assert " ~ " in err[0] and "->" in err[0]


def test_a_command_that_does_not_name_dask_never_imports_it(tmp_path):
    pytest.importorskip("dask")  # only meaningful where dask is installed
    script = (
        "import sys\n"
        "from nplv_sim._entry import without_dask\n"
        "assert not without_dask(['run', '--engine', 'dask'])\n"
        "assert without_dask(['run', '--draws', '1000'])\n"
        "from nplv_sim.cli import main\n"
        f"code = main(['run', '--draws', '2000', '--seed', '1', '--quiet', '--out', {str(tmp_path / 'r')!r}])\n"
        "assert code == 0, code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed') and sys.modules[m])\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert xr.open_dataset(tmp_path / "r" / "results.nc")["shortfall"].sizes["draw"] == 2000


def test_the_console_entry_point_keeps_dask_out_of_a_local_run(tmp_path):
    pytest.importorskip("dask")
    cmd = [sys.executable, "-X", "importtime", "-m", "nplv_sim", "run", "--draws", "2000", "--seed", "1", "--quiet",
           "--out", str(tmp_path / "r")]
    done = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "xarray" in imported  # the run did import its libraries, and the listing shows them
    # "dask" itself is listed where xarray tried it and found it marked absent; nothing of it loads
    assert [m for m in imported if m.startswith(("dask.", "distributed"))] == []


def test_the_console_entry_point_freezes_the_objects_before_the_process_ends(tmp_path):
    """Finalisation then skips them (saves 0.3-0.6 s of cycle collection after a large run)."""
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        f"sys.argv = ['nplv-sim', 'run', '--draws', '1000', '--quiet', '--out', {str(tmp_path / 'r')!r}]\n"
        "from nplv_sim._entry import run\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip().splitlines()[-1] == "frozen True"
