"""Output as a set: staged, committed together, never mixed, never half there, never lost."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import xarray as xr
from adv_helpers import leftovers, one_error_line, popen

from nplv_sim.cli import main
from nplv_sim.errors import OutputError, OutputExistsError
from nplv_sim.output import OutputSet, write_text
from nplv_sim.simulation import regenerate
from nplv_sim.summary import summarize
from nplv_sim.tables import summary_csv

BASE = ["run", "--draws", "300", "--quiet"]
RUN = [*BASE, "--seed", "1"]


def _run(out: Path, *extra: str) -> int:
    return main([*RUN, "--out", str(out), *extra])


def test_a_set_that_loses_the_race_writes_nothing(tmp_path: Path) -> None:
    """The check-then-replace race, made deterministic: B commits while A is still working."""
    out = tmp_path / "o"
    a = OutputSet(out, ["results.nc", "summary.csv"])
    with pytest.raises(OutputExistsError, match="appeared while this command ran, nothing was written"), a:
        write_text(a.path("results.nc"), "A")
        write_text(a.path("summary.csv"), "A")
        with OutputSet(out, ["results.nc", "summary.csv"]) as b:
            write_text(b.path("results.nc"), "B")
            write_text(b.path("summary.csv"), "B")
    assert (out / "results.nc").read_text() == "B" and (out / "summary.csv").read_text() == "B"
    assert sorted(p.name for p in out.iterdir()) == ["results.nc", "summary.csv"]


def test_concurrent_runs_never_mix_their_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    procs = [popen(*BASE, "--seed", str(seed), "--out", str(out)) for seed in (11, 12)]
    codes = sorted(p.wait(timeout=120) for p in procs)
    errs = [p.stderr.read() for p in procs]
    assert codes == [0, 2], errs
    assert any("already exists" in e for e in errs)
    with xr.open_dataset(out / "results.nc") as ds:
        expected = summary_csv(summarize(regenerate(ds.load())))
    assert (out / "summary.csv").read_text(encoding="utf-8") == expected  # the same run's pair
    assert not leftovers(tmp_path)


def test_summary_csv_that_is_a_folder_leaves_no_results_nc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    (out / "summary.csv").mkdir(parents=True)
    assert _run(out) == 2
    assert _run(out, "--force") == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "nothing was written" in err
    assert not (out / "results.nc").exists() and (out / "summary.csv").is_dir()
    assert not leftovers(tmp_path)


def test_disk_full_on_the_second_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(target: Path, text: str, force: bool = False) -> Path:
        raise OutputError(f"{target}: writing failed (No space left on device); nothing was written")

    monkeypatch.setattr("nplv_sim.cli.write_text", full)
    out = tmp_path / "new" / "o"
    assert _run(out) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()  # the folders it created are gone too


def test_replacement_that_fails_halfway_restores_the_old_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An immutable summary.csv (chattr +i): the new results.nc must not stay beside the old csv."""
    out = tmp_path / "o"
    assert _run(out) == 0
    before = {n: (out / n).read_bytes() for n in ("results.nc", "summary.csv")}
    real_rename = os.rename

    def immutable(src: str | Path, dst: str | Path) -> None:
        if Path(src).name == "summary.csv" and Path(src).parent == out:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", immutable)
    assert main([*BASE, "--seed", "2", "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "nothing was written" in err
    assert {n: (out / n).read_bytes() for n in before} == before
    assert sorted(p.name for p in out.iterdir()) == ["results.nc", "summary.csv"]


def test_force_replaces_only_its_own_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert _run(out) == 0
    (out / "my notes.txt").write_text("mine")
    assert _run(out, "--force") == 2
    assert "--force-folder" in capsys.readouterr().err
    assert _run(out, "--force", "--force-folder") == 0
    assert (out / "my notes.txt").read_text() == "mine"


def test_report_force_keeps_the_users_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("nplv_sim.report._figures", lambda *a, **k: ([], None))
    monkeypatch.setattr("nplv_sim.report._sobol", lambda *a, **k: None)
    out = tmp_path / "rep"
    args = ["report", "--draws", "300", "--seed", "1", "--out", str(out)]
    assert main(args) == 0
    (out / "letter.docx").write_text("the user's own")
    assert main([*args, "--force"]) == 2  # refused before simulating
    assert "letter.docx" in capsys.readouterr().err
    assert main([*args, "--force", "--force-folder"]) == 0
    assert (out / "letter.docx").read_text() == "the user's own"
    assert (out / "report.html").is_file() and not leftovers(tmp_path)


def test_report_out_that_is_a_file_is_refused_and_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "FILE"
    target.write_text("keep me")
    assert main(["report", "--draws", "300", "--out", str(target), "--force"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]  # no .FILE.old


def test_dangling_symlink_is_not_replaced_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "results.nc").symlink_to(tmp_path / "elsewhere.nc")
    assert _run(out) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "results.nc").is_symlink() and not (out / "summary.csv").exists()


@pytest.mark.parametrize("command", [RUN, ["report", "--draws", "300"], ["baseline"], ["scenarios", "--draws", "300"],
                                     ["register"]], ids=lambda c: c[0])
def test_empty_out_is_refused(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--out", ""]) == 2
    assert "--out ''" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "extra",
    [
        ["--scenario", "no_such_scenario"],
        ["--scenario", "BAD"],
    ],
    ids=["unknown scenario", "bad scenario file"],
)
def test_scenarios_with_bad_input_leave_no_folder(
    extra: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = "nplv-sim/scenario/1"\nlabel_nl = 3\n')
    extra = [str(bad) if x == "BAD" else x for x in extra]
    out = tmp_path / "o"
    assert main(["scenarios", "--draws", "300", "--out", str(out), *extra]) == 2
    assert one_error_line(capsys.readouterr().err)
    assert not out.exists()


def test_library_write_draws_is_a_set_too(tmp_path: Path, default_assumptions, monkeypatch: pytest.MonkeyPatch) -> None:
    from nplv_sim import draw_files

    calls = []
    real = draw_files.to_dataset

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(draw_files, "to_dataset", second_fails)
    with pytest.raises(OSError):
        draw_files.write_draws(default_assumptions, 3 * 65_536, tmp_path / "d", rng=1, blocks_per_file=2)
    assert not (tmp_path / "d").exists()


def test_when_even_putting_back_fails_the_message_says_where_the_old_file_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    assert _run(out) == 0
    before = (out / "results.nc").read_bytes()
    real_rename = os.rename

    def failing(src: str | Path, dst: str | Path) -> None:
        src, dst = Path(src), Path(dst)
        if (src.name == "summary.csv" and src.parent == out) or (dst.name == "results.nc" and dst.parent == out):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    assert main([*BASE, "--seed", "2", "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "nothing was written" not in err and "could not be put back" in err
    kept = [p for p in out.rglob(".old.results.nc")]
    assert len(kept) == 1 and kept[0].read_bytes() == before
