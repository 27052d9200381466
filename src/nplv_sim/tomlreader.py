"""Read a TOML file and walk its tables with errors that name file, entry and field.

Loading never executes code: ``tomllib`` parses data only, and names from files are
only ever used as dictionary keys, never to build code. The one path a file supplies
is an uncertainty file's ``facts = "..."``, read relative to that file. ``"@a.b"``
references walk the parsed facts dictionaries only (no attribute access).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from .errors import AssumptionsError, suggest, suggest_or_list

__all__ = ["MAX_AMOUNT", "MAX_NESTING", "Table", "read_toml", "read_toml_hashed"]

MAX_FILE_BYTES = 5_000_000
# Largest amount a file may give, in EUR million: 10^7 is EUR 10,000 billion, beyond any
# programme (and beyond the Dutch GDP ten times over). Larger figures are typing or unit
# errors, and near 1e308 their sums overflow to inf without a word.
MAX_AMOUNT = 1e7
AMOUNT_HINT = "amounts are in EUR million: 1e7 (EUR 10,000 bn) is beyond any programme; check the unit"
# Deepest nesting of arrays and tables a file may have; tomllib recurses per level and a
# thousand levels exhaust Python's stack (RecursionError). The shipped files nest 4 deep.
MAX_NESTING = 32


def _nearby(path: Path) -> str:
    """A hint naming a similarly spelt file in the same folder, or ''."""
    try:
        names = [p.name for p in path.parent.iterdir() if p.is_file()]
    except OSError:
        return ""
    return suggest(path.name, names)


# Hints for tomllib's terse messages: the mistakes people make when editing by hand.
_TOML_HINTS = (
    ("Cannot overwrite a value", "is a key given twice in the same table?"),
    ("Cannot declare", "a [table] is declared twice: every name must be unique"),
    (
        "Expected newline or end of document",
        "numbers take a decimal point (0.5, not 0,5) and no spaces; text needs quotes",
    ),
    ("Invalid value", "text needs quotes; booleans are true/false in lower case"),
    ("Unescaped '\\'", "write paths with / or in 'single quotes'"),
    ("Unterminated string", "a closing quote is missing"),
    ("Illegal character '\\n'", "a closing quote is missing on this line"),
    ("Unclosed array", "a closing ] is missing"),
    ("Unclosed inline table", "a closing } is missing; an inline table must fit on one line"),
    ("Invalid initial character for a key part", "an inline table { ... } must fit on one line"),
)
_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> AssumptionsError:
    """One-line error for a TOML syntax error, quoting the offending line."""
    message = str(exc)
    found = _AT_LINE.search(message)
    if found:
        lineno = int(found.group(1))
        lines = text.splitlines()
        line = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        if len(line) > 60:
            line = line[:57] + "..."
        # The line is quoted only from a .toml file: an error must never show a line of
        # another kind of file (a facts = "/etc/passwd" given with --allow-outside).
        quote = line and path.suffix.lower() == ".toml"
        message = f"line {lineno}, column {found.group(2)}: {message[: found.start()].strip()}" + (
            f": {line!r}" if quote else ""
        )
    hint = next((h for key, h in _TOML_HINTS if key in str(exc)), "")
    return AssumptionsError(path, "", f"invalid TOML at {message}" if found else f"invalid TOML: {message}", hint)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path`` as TOML (see :func:`read_toml_hashed`, which also gives the hash)."""
    return read_toml_hashed(path)[0]


def read_toml_hashed(path: Path) -> tuple[dict[str, Any], str]:
    """Parse ``path`` as TOML and hash the same bytes: (data, sha256 of the file's bytes).

    The file is read once, so the recorded sha256 is provably of the bytes parsed.
    Every failure becomes an :class:`AssumptionsError`.

    Refused with a one-line reason: a missing path, a folder, an empty, oversized,
    binary, UTF-16 or otherwise non-UTF-8 file, and invalid TOML (with its line). A
    UTF-8 byte-order mark, as some Windows editors write, is accepted.
    """
    path = Path(path)
    if not path.exists():
        _missing(path)
    if path.is_dir():
        raise AssumptionsError(path, "", "is a folder, not a TOML file")
    if not path.is_file():
        raise AssumptionsError(path, "", "is not a regular file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise AssumptionsError(
                path, "", f"file is {size:,} bytes; an assumptions file is at most {MAX_FILE_BYTES:,}"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise AssumptionsError(path, "", f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:  # grew while we looked
        raise AssumptionsError(
            path, "", f"file is {len(raw):,} bytes; an assumptions file is at most {MAX_FILE_BYTES:,}"
        )
    digest = hashlib.sha256(raw).hexdigest()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AssumptionsError(path, "", "is UTF-16 text, not UTF-8", "save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise AssumptionsError(path, "", "file is empty")
    if b"\x00" in raw:
        raise AssumptionsError(path, "", "is a binary file, not TOML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise AssumptionsError(
            path, "", f"is not UTF-8 text: byte 0x{byte} at line {line}", "save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, text, exc) from None
    except RecursionError:  # thousands of nested [[[...]]]: tomllib recurses per level
        raise AssumptionsError(path, "", f"arrays or tables nested too deep (at most {MAX_NESTING} levels)") from None
    depth = _depth(data)
    if depth > MAX_NESTING:
        raise AssumptionsError(path, "", f"arrays or tables nested {depth} levels deep (at most {MAX_NESTING})")
    return data, digest


def _depth(data: Any) -> int:
    """Deepest nesting of tables and arrays in parsed TOML (iterative: no recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def _missing(path: Path) -> NoReturn:
    """Raise the error for a path that does not exist, with a close spelling if any."""
    if path.is_symlink():
        raise AssumptionsError(path, "", "is a link to a file that does not exist")
    if not path.parent.is_dir():
        raise AssumptionsError(path, "", f"file not found: folder {str(path.parent)!r} does not exist")
    raise AssumptionsError(path, "", "file not found", _nearby(path))


def _type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "table",
    }.get(type(value), type(value).__name__)


class Table:
    """One table of a TOML file, read key by key; unknown keys are reported at the end."""

    def __init__(self, path: str | Path, entry: str, data: Any, refs: dict[str, Any] | None = None) -> None:
        self.path = str(path)
        self.entry = entry
        if not isinstance(data, dict):
            raise AssumptionsError(self.path, entry, f"must be a table, got {_type_name(data)}")
        self.data = data
        self.refs = refs
        self.used: set[str] = set()

    def expect(self, fields: Iterable[str]) -> None:
        """Refuse, before anything else is read, a key that is not among ``fields``.

        Checking first means a misspelt field is reported as such (with a close
        spelling), not as its correctly spelt twin being "required".
        """
        known = set(fields)
        for key in self.data:
            if key not in known:
                raise self.error(key, "unknown field", suggest_or_list(key, sorted(known)))

    def error(self, field: str, message: str, hint: str = "") -> AssumptionsError:
        """An error about ``field`` of this entry."""
        return AssumptionsError(self.path, self.entry, f"{field}: {message}" if field else message, hint)

    def has(self, key: str) -> bool:
        """Whether the key is present."""
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        """Value as written, marked as used."""
        self.used.add(key)
        return self.data.get(key, default)

    def resolve(self, key: str, value: Any) -> Any:
        """Replace an ``"@dotted.path"`` reference by the value it names in the facts."""
        if isinstance(value, str) and value.startswith("@"):
            if self.refs is None:
                raise self.error(key, f"reference {value!r} is not allowed here")
            node: Any = self.refs
            for part in value[1:].split("."):
                if not isinstance(node, Mapping) or part not in node:
                    options = list(node) if isinstance(node, Mapping) else []
                    raise self.error(
                        key, f"reference {value!r} names nothing in the facts file", suggest_or_list(part, options)
                    )
                node = node[part]
            return node
        if isinstance(value, list):
            return [self.resolve(key, v) for v in value]
        return value

    def string(self, key: str, default: str | None = None) -> str:
        """A required (or defaulted) non-empty string."""
        value = self.raw(key, default)
        if value is None:
            raise self.error(key, "is required")
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {_type_name(value)} {value!r}")
        if not value.strip() and default is None:
            raise self.error(key, "must not be empty")
        return value

    def number(
        self, key: str, default: float | None = None, low: float | None = None, high: float | None = None
    ) -> float:
        """A required (or defaulted) finite number within [low, high]; references allowed."""
        value = self.resolve(key, self.raw(key, default))
        return self.check_number(key, value, low, high)

    def check_number(self, key: str, value: Any, low: float | None = None, high: float | None = None) -> float:
        """Validate ``value`` as a finite number within [low, high]."""
        if value is None:
            raise self.error(key, "is required")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"must be a number, got {_type_name(value)} {value!r}")
        if not math.isfinite(value):
            raise self.error(key, f"must be finite, got {value}")
        if low is not None and value < low:
            raise self.error(key, f"must be at least {low:g}, got {value:g}")
        if high is not None and value > high:
            raise self.error(key, f"must be at most {high:g}, got {value:g}", AMOUNT_HINT if high == MAX_AMOUNT else "")
        return float(value)

    def integer(self, key: str) -> int:
        """A required whole number (``2029``, not ``2029.9``); references allowed."""
        value = self.resolve(key, self.raw(key))
        if value is None:
            raise self.error(key, "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, got {_type_name(value)} {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        """A boolean with a default."""
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {_type_name(value)} {value!r}")
        return value

    def names(self, key: str, known: list[str] | None = None, required: bool = True) -> tuple[str, ...]:
        """A list of distinct names, each among ``known`` when given."""
        value = self.raw(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"must be a list of names, got {_type_name(value)} {value!r}")
        if not value:
            raise self.error(key, "must not be empty")
        if len(set(value)) != len(value):
            dup = next(v for v in value if value.count(v) > 1)
            raise self.error(key, f"names {dup!r} twice")
        if known is not None:
            for v in value:
                if v not in known:
                    raise self.error(key, f"unknown name {v!r}", suggest_or_list(v, known))
        return tuple(value)

    def mapping(
        self,
        key: str,
        keys: list[str] | None = None,
        low: float | None = None,
        required: bool = True,
        high: float | None = None,
    ) -> dict[str, float]:
        """A table of numbers; with ``keys``, exactly those keys."""
        value = self.resolve(key, self.raw(key))
        if value is None:
            if required:
                raise self.error(key, "is required")
            return {}
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table like {{ P1 = 100, P2 = 200 }}, got {_type_name(value)}")
        out = {}
        for k, v in value.items():
            if keys is not None and k not in keys:
                raise self.error(f"{key}.{k}", "unknown key", suggest_or_list(k, keys))
            out[str(k)] = self.check_number(f"{key}.{k}", self.resolve(f"{key}.{k}", v), low, high)
        if keys is not None:
            missing = [k for k in keys if k not in out]
            if missing:
                raise self.error(key, f"lacks {', '.join(missing)}")
        return out

    def finish(self, allowed_extra: set[str] | frozenset[str] = frozenset()) -> None:
        """Report the first key that nobody read (a typo or an unknown field)."""
        for key in self.data:
            if key not in self.used and key not in allowed_extra:
                raise self.error(key, "unknown field", suggest_or_list(key, sorted(self.used | set(allowed_extra))))


def tables(
    path: str | Path, parent: Table, key: str, refs: dict[str, Any] | None = None, required: bool = True
) -> list[Table]:
    """The sub-tables of ``[key.*]`` as :class:`Table` objects, in file order."""
    value = parent.raw(key)
    if value is None:
        if required:
            raise parent.error(key, "section is required")
        return []
    if not isinstance(value, dict):
        raise parent.error(key, f"must be a section of tables, got {_type_name(value)}")
    if required and not value:
        raise parent.error(key, "section is empty")
    return [Table(path, f"{key}.{name}", data, refs) for name, data in value.items()]
