"""Every check of a run's arguments, in one place.

Each check raises :class:`InvalidArgument`, which is both an :class:`~nplv_sim.errors.NplvError`
(the command line answers it with one line and exit 2, whatever the code path) and a
``ValueError`` (what the API promises for a bad value).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .core.engine import BLOCK_SIZE
from .core.methods import METHODS, MIN_REPLICATES, REPLICATE_METHODS
from .core.seeding import RootSeed, resolve_seed
from .errors import NplvError
from .memory import available_memory
from .tomlreader import MAX_AMOUNT

__all__ = [
    "InvalidArgument",
    "check_budget",
    "check_draws",
    "check_draws_per_replicate",
    "check_memory",
    "check_method",
    "check_positive_int",
    "check_probabilities",
    "check_replicate_draws",
    "check_target",
    "parse_count",
    "parse_probabilities",
    "parse_seed",
    "root_seed",
]

# Share of the available memory a run may plan to use.
MEMORY_SHARE = 0.6
# A budget as typed: an amount in EUR million, per year with "/yr" (or /year, /jaar, /j).
_BUDGET = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(/\s*(?:yr|year|jaar|j))?\s*")
_YEARS = re.compile(r"\s*(\d{4})\s*-\s*(\d{4})\s*")


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


def check_draws_per_replicate(draws: int, replicates: int, per: int = 10) -> int:
    """Enough draws for ``replicates`` batches of at least ``per`` draws each."""
    if draws < per * replicates:
        raise InvalidArgument(f"draws must be at least {per} per replicate ({per * replicates}), got {draws}")
    return draws


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


def check_replicate_draws(method: str, max_draws: int, min_blocks: int | None = None) -> int:
    """The blocks a precision-controlled run needs before it trusts its error: at least
    ``min_blocks`` (default 8) replicates for LHS and Sobol, which ``max_draws`` must allow."""
    replicates = method in REPLICATE_METHODS
    if min_blocks is None:
        min_blocks = MIN_REPLICATES if replicates else 1
    min_blocks = check_positive_int("min_blocks", min_blocks, 2 if replicates else 1)
    n_blocks = -(-max_draws // BLOCK_SIZE)
    if replicates and n_blocks < min_blocks:
        raise InvalidArgument(
            f"max_draws = {max_draws:,} allows {n_blocks} block(s); {method} needs at least {min_blocks} "
            f"(of {BLOCK_SIZE:,} draws) to estimate its error from replicates: allow at least "
            f"{min_blocks * BLOCK_SIZE:,} draws (--draws), or use method 'random'"
        )
    return min_blocks


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


def check_budget(
    text: str, years: str | None = None, horizon: tuple[int, int] | None = None
) -> tuple[float, bool, tuple[int, int] | None]:
    """``--budget`` (and ``--years``) as typed, checked before any simulation.

    Parameters
    ----------
    text : str
        ``"945"`` (a total, EUR million) or ``"135/yr"`` (per year).
    years : str, optional
        ``"FIRST-LAST"`` for a per-year budget.
    horizon : (int, int), optional
        First and last year of the facts file; the years must lie within them.

    Returns
    -------
    tuple
        The amount [EUR million], whether it is per year, and the years (None if not given).

    Raises
    ------
    InvalidArgument
        A budget that is not a number, not finite or beyond
        :data:`~nplv_sim.tomlreader.MAX_AMOUNT`; ``--years`` without a per-year amount,
        malformed or outside the horizon.
    """
    m = _BUDGET.fullmatch(text)
    if not m:
        raise InvalidArgument(f"budget {text!r}: give an amount in EUR million, e.g. 945, or per year, e.g. 135/yr")
    amount = float(m.group(1))
    if not math.isfinite(amount) or amount > MAX_AMOUNT:
        raise InvalidArgument(
            f"budget {text[:20]!r}{'...' if len(text) > 20 else ''}: at most {MAX_AMOUNT:g} "
            "(EUR million); amounts are in EUR million"
        )
    per_year = bool(m.group(2))
    if not years:
        return amount, per_year, None
    if not per_year:
        raise InvalidArgument("--years goes with a per-year budget such as 135/yr")
    ym = _YEARS.fullmatch(years)
    if not ym:
        raise InvalidArgument(f"--years {years!r}: give FIRST-LAST, e.g. 2029-2035")
    first, last = int(ym.group(1)), int(ym.group(2))
    if horizon is not None and not horizon[0] <= first <= last <= horizon[1]:
        raise InvalidArgument(f"--years {years!r}: must lie within {horizon[0]}-{horizon[1]}, first before last")
    return amount, per_year, (first, last)


# ---- text as typed on the command line
def parse_count(text: str) -> int:
    """A whole number of at least 1: ``100000``, ``100_000`` or integer-valued scientific notation (``1e6``)."""
    t = text.replace("_", "").strip()
    try:
        value = int(t)
    except ValueError:
        try:
            f = float(t)
        except ValueError:
            raise InvalidArgument(f"must be a whole number, got {text!r}") from None
        if not (math.isfinite(f) and f == int(f)):
            raise InvalidArgument(f"must be a whole number, got {text!r}") from None
        value = int(f)
    if value < 1:
        raise InvalidArgument(f"must be at least 1, got {value}")
    return value


def parse_seed(text: str) -> int:
    """A seed: a whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise InvalidArgument(f"must be a non-negative whole number, got {text!r}") from None
    if value < 0:
        raise InvalidArgument(f"must be non-negative, got {value}")
    return value


def parse_probabilities(text: str) -> tuple[float, ...]:
    """Comma-separated probabilities, each strictly between 0 and 1."""
    try:
        qs = [float(x) for x in text.split(",")]
    except ValueError:
        raise InvalidArgument(f"must be comma-separated numbers, got {text!r}") from None
    return tuple(check_probabilities("each quantile", qs, open_interval=True))
