"""Seed tree: one independent random stream per (input, block).

Block ``b`` of the stream keyed ``(k1, k2, k3, k4)`` uses
``SeedSequence(entropy, spawn_key=(*root_key, k1, k2, k3, k4, b))``. Draws are generated
in fixed blocks, so any chunking or worker count gives the same numbers. Stream keys come
from a stable hash of the input's name, not its position: adding an input leaves the
others' draws unchanged, and two scenarios that share an input share its random numbers
(common random numbers).

The key is 128 bits of blake2b, passed as four 32-bit words of the spawn key. (Until
version 0.1 it was 32 bits, and names such as ``est_x42040`` and ``est_x51393`` shared a
stream, so that inputs declared independent came out perfectly correlated; results for a
given seed changed once with the longer key.) Two names whose keys still coincide are
refused when the assumptions are compiled (:func:`check_distinct_streams`).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = [
    "SOBOL_STREAM",
    "STREAM_KEY_SCHEME",
    "RootSeed",
    "StreamKey",
    "block_rng",
    "check_distinct_streams",
    "resolve_seed",
    "stream_key",
]

# 32-bit words per stream key: 4 words = 128 bits, so that a collision between two of a
# few hundred names is out of reach (about n^2 / 2^129).
STREAM_KEY_WORDS = 4
# Recorded in each result's attrs, so a reader knows which streams made the draws.
STREAM_KEY_SCHEME = "blake2b-128(input name) as 4 x 32-bit spawn-key words, then the block number"

StreamKey = tuple[int, ...]
RootSeed = tuple[int, tuple[int, ...]]


def stream_key(name: str) -> StreamKey:
    """Stable 128-bit key for a named stream: blake2b of the UTF-8 name as four 32-bit words."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4 * STREAM_KEY_WORDS).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, len(digest), 4))


# Stream of the joint Sobol scramble. Input names start with a letter, so no input is
# called "@sobol"; check_distinct_streams also refuses a hash clash with it.
SOBOL_STREAM: StreamKey = stream_key("@sobol")


def check_distinct_streams(names: list[str] | tuple[str, ...]) -> str | None:
    """The first pair of names whose stream keys coincide (with each other or with the
    Sobol stream), as a message, or None when every key is distinct."""
    seen: dict[StreamKey, str] = {SOBOL_STREAM: "@sobol (the Sobol scramble)"}
    for name in names:
        key = stream_key(name)
        if key in seen:
            return f"inputs {seen[key]!r} and {name!r} have the same random-stream key"
        seen[key] = name
    return None


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


def block_rng(root: RootSeed, stream: StreamKey, block: int) -> np.random.Generator:
    """Generator for block ``block`` of stream ``stream`` (a key of :func:`stream_key`)."""
    entropy, spawn_key = root
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(*spawn_key, *stream, block)))
