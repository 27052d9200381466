"""Every check of a run's arguments, in one place.

Each check raises :class:`InvalidArgument`, which is both an :class:`~nplv_sim.errors.NplvError`
(the command line answers it with one line and exit 2, whatever the code path) and a
``ValueError`` (what the API promises for a bad value).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .core.sampling import METHODS
from .core.seeding import RootSeed, resolve_seed
from .errors import NplvError
from .memory import available_memory

__all__ = [
    "InvalidArgument",
    "check_draws",
    "check_memory",
    "check_method",
    "check_positive_int",
    "check_probabilities",
    "check_target",
    "root_seed",
]

# Share of the available memory a run may plan to use.
MEMORY_SHARE = 0.6


class InvalidArgument(NplvError, ValueError):
    """An argument of a run is not valid (the CLI: one line, exit 2)."""


def _is_whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int if it is a whole number of at least ``minimum``."""
    if not _is_whole(value) or value < minimum:
        raise InvalidArgument(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def check_draws(draws: Any) -> int:
    """The number of draws (a whole number >= 1)."""
    return check_positive_int("draws", draws)


def check_method(method: Any) -> str:
    """A known sampling method."""
    if method not in METHODS:
        raise InvalidArgument(f"unknown sampling method {method!r}; choose from {', '.join(METHODS)}")
    return str(method)


def root_seed(rng: int | np.random.SeedSequence | None) -> RootSeed:
    """The root seed of a run, or one line saying why ``rng`` is not a seed."""
    try:
        return resolve_seed(rng)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(str(exc)) from None


def check_probabilities(name: str, values: Sequence[float], open_interval: bool = False) -> list[float]:
    """Probabilities in [0, 1] (or strictly between 0 and 1 with ``open_interval``)."""
    if isinstance(values, (str, bytes)):
        raise InvalidArgument(f"{name} must be a sequence of numbers, got {values!r}")
    try:
        q = [float(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name} must be numbers, got {values!r}") from None
    bad = [v for v in q if not (0.0 < v < 1.0 if open_interval else 0.0 <= v <= 1.0)]
    if not q or bad:
        where = "strictly between 0 and 1" if open_interval else "in [0, 1]"
        raise InvalidArgument(f"{name} must lie {where}, got {list(values)}")
    return q


def check_target(name: str, value: Any) -> float | None:
    """An optional positive, finite precision target."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InvalidArgument(f"{name} must be a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgument(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_memory(need_bytes: int, draws: int) -> None:
    """Refuse, before allocating anything, a run that would not fit in memory
    (:func:`nplv_sim.memory.available_memory`: RAM, ``ulimit -v`` and the cgroup limit)."""
    available, what = available_memory()
    limit = int(available * MEMORY_SHARE)
    if need_bytes > limit:
        raise InvalidArgument(
            f"{draws:,} draws would need about {need_bytes / 2**30:.1f} GiB, more than the "
            f"{limit / 2**30:.1f} GiB a run may plan to use ({MEMORY_SHARE:.0%} of {what}); use fewer draws, "
            "or --stream for summaries of any number of draws"
        )
