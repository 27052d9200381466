"""The ``nplv-sim`` console entry point: signal handlers first, heavy imports after.

Importing numpy, scipy, xarray and matplotlib takes about half a second. Handlers for
Ctrl-C, SIGTERM (``timeout``, systemd, CI schedulers) and SIGHUP (a closed terminal) are
installed before that, by a module that imports nothing the interpreter has not loaded
already (the built-in ``_signal``, not ``signal``), so an interruption at any moment of start-up gives one line and
the shell's exit code (128 + signal) instead of a traceback. Only the interpreter's own
start-up (before any nplv-sim code runs) is left to Python.
"""

from __future__ import annotations

import _signal  # built in: no import time
import sys  # loaded with the interpreter


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP: handled like Ctrl-C, with exit code 128 + the signal number.

    A subclass of :class:`KeyboardInterrupt`, so every clean-up that handles Ctrl-C
    (staging folders, worker pools) handles the other signals too. Re-exported by
    :mod:`nplv_sim.errors`.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + signal number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."""
        return 128 + self.signum


HANDLED_SIGNALS = tuple(getattr(_signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(_signal, n))


def _raise_interrupted(signum: int, frame: object) -> None:
    # Further signals while the first one is being cleaned up would cut the clean-up
    # short: they are ignored from here on (SIGKILL still stops the process).
    for s in HANDLED_SIGNALS:
        _signal.signal(s, _signal.SIG_IGN)
    # A dask cluster shutting down half started logs tracebacks (its scheduler runs in
    # this process); after an interruption the one line below is all the user needs.
    logging = sys.modules.get("logging")
    disable = getattr(logging, "disable", None)  # None while logging is itself being imported
    if disable is not None:
        disable(getattr(logging, "CRITICAL", 50))
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """Turn Ctrl-C, SIGTERM and SIGHUP into :class:`Interrupted` (an ignored signal stays ignored,
    as under ``nohup`` or for a background job)."""
    for s in HANDLED_SIGNALS:
        if _signal.getsignal(s) is not _signal.SIG_IGN:
            _signal.signal(s, _raise_interrupted)


import gc  # noqa: E402  (built in: no import time)
import os  # noqa: E402  (loaded with the interpreter: no import time)
from collections.abc import Sequence  # noqa: E402

__all__ = [
    "HANDLED_SIGNALS", "Interrupted", "install_signal_handlers", "main", "report_interrupt", "run", "without_dask"
]

_NAMES = {2: "Ctrl-C", 1: "SIGHUP", 15: "SIGTERM"}


def _exit_now(signum: int, frame: object) -> None:
    """After the command has finished: exit at once, without a traceback."""
    os._exit(128 + signum)


def _quiet_unraisable(unraisable: object) -> None:
    """After an interruption, exceptions in atexit handlers (dask's, half started) are noise."""


def report_interrupt(exc: KeyboardInterrupt) -> int:
    """One line on stderr for an interruption; returns its exit code (128 + signal)."""
    code = exc.exit_code if isinstance(exc, Interrupted) else 130
    try:
        name = _NAMES.get(code - 128, code - 128)
        sys.stderr.write(f"\nnplv-sim: interrupted ({name}); no partial results are left\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed with the terminal (SIGHUP)
        pass
    sys.unraisablehook = _quiet_unraisable
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with signal handling; returns the exit code."""
    try:
        install_signal_handlers()
        try:
            from .cli import main as cli_main

            code = cli_main(argv)
        except KeyboardInterrupt as exc:
            code = report_interrupt(exc)
        for s in HANDLED_SIGNALS:  # the work is done; a late signal just ends the process
            if _signal.getsignal(s) is not _signal.SIG_IGN:
                _signal.signal(s, _exit_now)
        return code
    except KeyboardInterrupt as exc:  # a signal between the handlers above
        return report_interrupt(exc)


def without_dask(argv: Sequence[str]) -> bool:
    """Mark dask as not installed in a process whose command does not name it.

    When dask is installed, xarray imports it on its first array (to ask whether the array
    is a dask array) and imports ``dask.distributed`` on its first NetCDF write (to ask
    whether a scheduler is running): about 1 s of a ``run``, for nothing unless the
    command says ``--engine dask``. A ``None`` in :data:`sys.modules` makes ``import dask``
    raise ImportError, which xarray handles as "not installed". Only the console entry point
    does this: its process runs one command and ends.

    Returns
    -------
    bool
        Whether dask was marked as not installed.
    """
    if any("dask" in a for a in argv) or "dask" in sys.modules:
        return False
    sys.modules["dask"] = None  # type: ignore[assignment]
    return True


def run() -> None:
    """``nplv-sim`` and ``python -m nplv_sim``."""
    without_dask(sys.argv[1:])
    code = main()
    # The command is done and the process ends. Python's finalisation would run the cycle
    # collector over every object several times (0.3-0.6 s measured after `run --draws
    # 1000000`); frozen objects are skipped, and the memory goes back with the process.
    gc.freeze()
    sys.exit(code)
