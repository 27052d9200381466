"""The ``nplv-sim`` console entry point: signal handlers first, heavy imports after.

Importing numpy, scipy, xarray and matplotlib takes about half a second. Handlers for
Ctrl-C, SIGTERM (``timeout``, systemd, CI schedulers) and SIGHUP (a closed terminal) are
installed before that, so an interruption at any moment of start-up gives one line and
the shell's exit code (128 + signal) instead of a traceback. This module imports only
the standard library and :mod:`nplv_sim.errors`.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from .errors import Interrupted

__all__ = ["HANDLED_SIGNALS", "install_signal_handlers", "main", "report_interrupt", "run"]

HANDLED_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def _raise_interrupted(signum: int, frame: object) -> None:
    # Further signals while the first one is being cleaned up would cut the clean-up
    # short: they are ignored from here on (SIGKILL still stops the process).
    for s in HANDLED_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


def _exit_now(signum: int, frame: object) -> None:
    """After the command has finished: exit at once, without a traceback."""
    os._exit(128 + signum)


def install_signal_handlers() -> None:
    """Turn Ctrl-C, SIGTERM and SIGHUP into :class:`~nplv_sim.errors.Interrupted`."""
    for s in HANDLED_SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:  # respect nohup's ignored SIGHUP
            signal.signal(s, _raise_interrupted)


def _quiet_unraisable(unraisable: object) -> None:
    """After an interruption, exceptions in atexit handlers (dask's, half started) are noise."""


def report_interrupt(exc: KeyboardInterrupt) -> int:
    """One line on stderr for an interruption; returns its exit code (128 + signal)."""
    code = exc.exit_code if isinstance(exc, Interrupted) else 130
    name = signal.Signals(code - 128).name if code != 130 else "Ctrl-C"
    try:
        sys.stderr.write(f"\nnplv-sim: interrupted ({name}); no partial results are left\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed with the terminal (SIGHUP)
        pass
    sys.unraisablehook = _quiet_unraisable
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with signal handling; returns the exit code."""
    install_signal_handlers()
    try:
        try:
            from .cli import main as cli_main

            code = cli_main(argv)
        except KeyboardInterrupt as exc:
            code = report_interrupt(exc)
        for s in HANDLED_SIGNALS:  # the work is done; a late signal just ends the process
            if signal.getsignal(s) is not signal.SIG_IGN:
                signal.signal(s, _exit_now)
        return code
    except KeyboardInterrupt as exc:  # a signal between the handlers above
        return report_interrupt(exc)


def run() -> None:
    """``nplv-sim`` and ``python -m nplv_sim``."""
    sys.exit(main())
