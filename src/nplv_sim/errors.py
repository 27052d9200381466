"""Errors the library raises. The CLI turns :class:`NplvError` into one line and exit 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["AssumptionsError", "NplvError", "OutputExistsError", "OutputError", "suggest"]


class NplvError(Exception):
    """Base class of every error caused by the user's input (exit code 2 in the CLI)."""


def suggest(word: str, options: Iterable[str]) -> str:
    """A ``did you mean`` hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


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
