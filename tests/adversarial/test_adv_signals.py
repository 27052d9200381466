"""SIGTERM, SIGHUP and Ctrl-C at any moment: one line, exit 128 + signal, no staging left.

Timing is made deterministic by waiting for a visible state (the staging folder) before
signalling; the start-up cases signal within the import window, where any moment will do.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest
from adv_helpers import leftovers, one_error_line, popen

from nplv_sim.output import STAGE_PREFIX


def _wait_for_stage(out: Path, proc, timeout: float = 60) -> None:
    """Until the command is inside its output set (a staging folder exists)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if out.is_dir() and any(p.name.startswith(STAGE_PREFIX) for p in out.iterdir()):
            return
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    raise AssertionError("the run never staged its output")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_signal_during_a_run_removes_staging_and_exits_128_plus_signal(sig, code, tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = popen("run", "--draws", "2000000", "--seed", "1", "--out", str(out), "--quiet")
    _wait_for_stage(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert one_error_line(err) and "interrupted" in err
    assert not out.exists() and not leftovers(tmp_path)


def _wait_for_handlers(proc, timeout: float = 60) -> None:
    """Until nplv-sim's handlers are installed: SIGTERM appears among the caught signals
    in /proc (Python itself catches only SIGINT), just before the heavy imports."""
    status = Path(f"/proc/{proc.pid}/status")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            caught = int(next(x for x in status.read_text().splitlines() if x.startswith("SigCgt:")).split()[1], 16)
        except (OSError, StopIteration):
            caught = 0
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.005)
    raise AssertionError("the handlers were never installed")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see the handlers")
@pytest.mark.parametrize("delay", [0.0, 0.2])
def test_ctrl_c_during_start_up_gives_one_line(delay: float, tmp_path: Path) -> None:
    proc = popen("run", "--draws", "200", "--seed", "1", "--out", str(tmp_path / "o"), "--quiet")
    _wait_for_handlers(proc)
    time.sleep(delay)  # within the imports of numpy, scipy, xarray (about a second)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert one_error_line(err) and "Traceback" not in err
    assert not leftovers(tmp_path)


def test_ctrl_c_during_dask_start_up_gives_one_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "o"
    proc = popen("run", "--engine", "dask", "--draws", "200000", "--seed", "1", "--out", str(out), "--quiet")
    _wait_for_stage(out, proc)  # inside the output set: the cluster is starting
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, err
    assert one_error_line(err) and "Traceback" not in err and "AssertionError" not in err
    assert not out.exists()


def test_sigterm_during_a_report_removes_its_staging(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    proc = popen("report", "--draws", "2000", "--seed", "1", "--out", str(out))
    _wait_for_stage(out, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert [x for x in err.splitlines() if x.strip() and not x.startswith("  [")] == [
        "nplv-sim: interrupted (SIGTERM); no partial results are left"
    ]
    assert not out.exists() and not leftovers(tmp_path)


def test_a_signal_while_logging_is_being_imported_still_gives_the_interruption(monkeypatch) -> None:
    import types

    from nplv_sim import _entry

    half = types.ModuleType("logging")  # a module mid-import: none of its names defined yet
    monkeypatch.setitem(sys.modules, "logging", half)
    monkeypatch.setattr(_entry._signal, "signal", lambda *a: None)  # keep this process's handlers as they are
    with pytest.raises(_entry.Interrupted) as exc:
        _entry._raise_interrupted(signal.SIGINT, None)
    assert exc.value.exit_code == 130
