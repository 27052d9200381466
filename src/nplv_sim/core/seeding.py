"""Seed tree: one independent random stream per (input, block).

Block ``b`` of stream ``k`` uses ``SeedSequence(entropy, spawn_key=(*root_key, k, b))``.
Draws are generated in fixed blocks, so any chunking or worker count gives the same
numbers. Stream keys come from a stable hash of the input's name, not its position:
adding an input leaves the others' draws unchanged, and two scenarios that share an input
share its random numbers (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["SOBOL_STREAM", "RootSeed", "block_rng", "resolve_seed", "stream_key"]

# Stream used for the joint Sobol sequence (hash keys are < 2**32, so no clash).
SOBOL_STREAM = 2**32 + 1

RootSeed = tuple[int, tuple[int, ...]]


def stream_key(name: str) -> int:
    """Stable 32-bit key for a named stream (blake2b of the UTF-8 name)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "big")


def resolve_seed(rng: int | np.random.SeedSequence | None) -> RootSeed:
    """Normalise the ``rng`` argument to ``(entropy, spawn_key)``.

    Parameters
    ----------
    rng : int, SeedSequence or None
        None draws fresh entropy from the OS; it is returned so that the run can be
        repeated.

    Returns
    -------
    tuple
        ``(entropy, spawn_key)`` of the root ``SeedSequence``.
    """
    if rng is None:
        ss = np.random.SeedSequence()
    elif isinstance(rng, np.random.SeedSequence):
        ss = rng
    elif isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"seed must be a non-negative integer, got {rng}")
        ss = np.random.SeedSequence(int(rng))
    else:
        raise TypeError(f"rng must be an int, a numpy SeedSequence or None, got {type(rng).__name__}")
    entropy = ss.entropy
    if not isinstance(entropy, int):  # a sequence of ints is allowed by numpy; fold it
        entropy = int.from_bytes(np.asarray(entropy, dtype=np.uint32).tobytes(), "little")
    return int(entropy), tuple(int(k) for k in ss.spawn_key)


def block_rng(root: RootSeed, stream: int, block: int) -> np.random.Generator:
    """Generator for block ``block`` of stream ``stream`` under the root seed."""
    entropy, spawn_key = root
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(*spawn_key, stream, block)))
