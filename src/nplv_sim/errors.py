"""Errors the library raises. The CLI turns :class:`NplvError` into one line and exit 2.

Every message is a single line: control characters that a file may smuggle into a name
(``"a\\nb"`` is a valid TOML key) are shown escaped, never as line breaks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

from ._entry import Interrupted  # defined with the signal handlers, dependency-free

__all__ = [
    "AssumptionsError",
    "Interrupted",
    "NplvError",
    "OutputExistsError",
    "OutputError",
    "one_line",
    "suggest",
    "suggest_or_list",
]

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A hint lists the valid names when there are at most this many.
MAX_LISTED = 12


def _escape(char: str) -> str:
    code = ord(char)
    return _ESCAPES.get(char, f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters shown as escapes."""
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


class NplvError(Exception):
    """Base class of every error caused by the user's input (exit code 2 in the CLI)."""

    def __str__(self) -> str:
        return one_line(super().__str__())


def suggest(word: str, options: Iterable[str]) -> str:
    """A ``did you mean`` hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def suggest_or_list(word: str, options: Iterable[str]) -> str:
    """A ``did you mean`` hint, else the valid names when they are few, else ''."""
    options = [str(o) for o in options]
    hint = suggest(word, options)
    if hint or not options or len(options) > MAX_LISTED:
        return hint
    return "known: " + ", ".join(options)


class AssumptionsError(NplvError):
    """Something is wrong in an assumptions file.

    Parameters
    ----------
    path : str or Path
        The file.
    entry : str
        The entry, e.g. ``inputs.est_new_build_p1`` ('' for the file as a whole).
    message : str
        What is wrong, starting with the field when there is one.
    hint : str
        Optional hint (e.g. a close spelling).
    """

    def __init__(self, path: str | Path, entry: str, message: str, hint: str = "") -> None:
        self.path = str(path)
        self.entry = entry
        self.message = message
        self.hint = hint
        where = f"{self.path}: [{entry}] " if entry else f"{self.path}: "
        super().__init__(where + message + (f" ({hint})" if hint else ""))


class OutputError(NplvError):
    """An output path cannot be written."""


class OutputExistsError(OutputError):
    """The output exists and ``force`` was not given."""

