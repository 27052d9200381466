"""Read a TOML file and walk its tables with errors that name file, entry and field.

Loading never executes code: ``tomllib`` parses data only, and names from files are
only ever used as dictionary keys, never to build code or paths.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from .errors import AssumptionsError, suggest

__all__ = ["Table", "read_toml"]

MAX_FILE_BYTES = 5_000_000


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path`` as TOML, turning every failure into an :class:`AssumptionsError`."""
    if not path.exists():
        raise AssumptionsError(path, "", "file not found")
    if not path.is_file():
        raise AssumptionsError(path, "", "is not a regular file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AssumptionsError(path, "", f"cannot be read: {exc.strerror}") from None
    if not raw.strip():
        raise AssumptionsError(path, "", "file is empty")
    if len(raw) > MAX_FILE_BYTES:
        raise AssumptionsError(path, "", f"file is {len(raw):,} bytes; an assumptions file is at most {MAX_FILE_BYTES:,}")
    if b"\x00" in raw:
        raise AssumptionsError(path, "", "is a binary file, not TOML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AssumptionsError(path, "", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AssumptionsError(path, "", f"invalid TOML: {exc}") from None


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
                if not isinstance(node, dict) or part not in node:
                    options = list(node) if isinstance(node, dict) else []
                    raise self.error(key, f"reference {value!r} names nothing in the facts file", suggest(part, options))
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

    def number(self, key: str, default: float | None = None, low: float | None = None, high: float | None = None) -> float:
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
            raise self.error(key, f"must be at most {high:g}, got {value:g}")
        return float(value)

    def integer(self, key: str) -> int:
        """A required integer."""
        value = self.raw(key)
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
                    raise self.error(key, f"unknown name {v!r}", suggest(v, known))
        return tuple(value)

    def mapping(self, key: str, keys: list[str] | None = None, low: float | None = None, required: bool = True) -> dict[str, float]:
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
                raise self.error(f"{key}.{k}", "unknown key", suggest(k, keys))
            out[str(k)] = self.check_number(f"{key}.{k}", self.resolve(f"{key}.{k}", v), low)
        if keys is not None:
            missing = [k for k in keys if k not in out]
            if missing:
                raise self.error(key, f"lacks {', '.join(missing)}")
        return out

    def finish(self, allowed_extra: set[str] | frozenset[str] = frozenset()) -> None:
        """Report the first key that nobody read (a typo or an unknown field)."""
        for key in self.data:
            if key not in self.used and key not in allowed_extra:
                raise self.error(key, "unknown field", suggest(key, sorted(self.used | set(allowed_extra))))


def tables(path: str | Path, parent: Table, key: str, refs: dict[str, Any] | None = None, required: bool = True) -> list[Table]:
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
