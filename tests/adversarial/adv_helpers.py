"""Helpers for the adversarial suite: the CLI in a subprocess, and checks on what it leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import nplv_sim

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = ROOT / "distributions"
# Subprocesses run this source tree, whatever is installed.
ENV = {**os.environ, "PYTHONPATH": str(Path(nplv_sim.__file__).resolve().parent.parent)}
ENV.pop("NPLV_SIM_DEBUG", None)


def cli(*args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m nplv_sim ARGS`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "nplv_sim", *args], capture_output=True, text=True, env=ENV,
                          timeout=timeout, cwd=cwd)


def _default_signals() -> None:
    """In the child: the signals at their defaults, even if this test run ignores them
    (a shell's background job ignores SIGINT; nohup ignores SIGHUP)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def popen(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """``python -m nplv_sim ARGS`` started in the background."""
    return subprocess.Popen([sys.executable, "-m", "nplv_sim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, cwd=cwd, preexec_fn=_default_signals)


def leftovers(folder: Path) -> list[str]:
    """Staging folders and temporary files anywhere under ``folder``."""
    return sorted(str(p) for p in folder.rglob("*") if p.name.startswith(".") and ("part" in p.name or "old" in p.name))


def one_error_line(err: str) -> bool:
    """Exactly one non-empty line on stderr, and no traceback."""
    lines = [x for x in err.splitlines() if x.strip()]
    return len(lines) == 1 and "Traceback" not in err
