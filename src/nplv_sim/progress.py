"""One status line on stderr: the phase of a run (drawing, summarising, writing), the
draws done and the time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Phase, progress and ETA of a command, on one line that is rewritten in place.

    Parameters
    ----------
    enabled : bool
        Show anything at all (off for ``--quiet`` and short runs).
    stream : file, optional
        Where to write (default stderr).
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.name = ""
        self.start = self.phase_start = time.perf_counter()
        self.open = False

    def _write(self, text: str, end: bool = False) -> None:
        if not self.enabled:
            return
        self.stream.write(f"\r{text:<78}" + ("\n" if end else ""))
        self.stream.flush()
        self.open = not end

    def phase(self, name: str) -> None:
        """Start phase ``name`` (the previous one's line is closed with its duration)."""
        self.finish()
        self.name, self.phase_start = name, time.perf_counter()
        self._write(f"  {name} ...")

    def finish(self) -> None:
        """Close the current phase's line with its duration."""
        if self.name and self.open:
            self._write(f"  {self.name:<12} done in {time.perf_counter() - self.phase_start:6.1f} s", end=True)

    def draws(self, done: int, total: int) -> None:
        """``done`` of ``total`` draws of the current phase, with the time left."""
        elapsed = time.perf_counter() - self.phase_start
        eta = elapsed * (total - done) / done if done else float("nan")
        self._write(
            f"  {self.name or 'drawing':<12} {done:>13,} / {total:,} draws ({100 * done / total:5.1f} %, "
            f"{elapsed:5.1f} s, about {eta:4.0f} s left)",
            end=done >= total and not self.name,
        )

    def precision(self, done: int, ratio: float) -> None:
        """``done`` draws so far; the largest standard error is ``ratio`` times its target."""
        elapsed = time.perf_counter() - self.phase_start
        self._write(f"  {self.name:<12} {done:>13,} draws ({elapsed:5.1f} s), largest s.e. {ratio:6.2f} x target")

    def __call__(self, done: int, total: int) -> None:
        """``progress(done, total)``, the callback the simulation functions take."""
        self.draws(done, total)
