"""Finite or refused: a result that holds inf or NaN is an error naming the inputs behind it.

The files' bounds (:data:`~nplv_sim.tomlreader.MAX_AMOUNT`) keep every amount and every
law's values finite and modest; this is the backstop for what they cannot see, such as
many large multipliers on one amount. Every run mode checks its draws here: the kept
draws before the Dataset is built, the streamed ones block by block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .errors import NplvError

__all__ = ["check_finite"]

# Inputs named in the message: the largest values in the first draw that went wrong.
NAMED_INPUTS = 3


def check_finite(
    values: Mapping[str, np.ndarray],
    where: str,
    input_names: Sequence[str],
    inputs: np.ndarray | Callable[[int], np.ndarray],
) -> None:
    """Raise :class:`NplvError` if any array of ``values`` holds inf or NaN.

    A sum over each array finds any inf or NaN in one pass; only then are the draws
    searched for the first bad one and its largest inputs.

    Parameters
    ----------
    values : mapping
        Variable name -> array with the draws on the LAST axis.
    where : str
        The assumptions file, for the message.
    input_names : sequence of str
        Names of the inputs, in the order of the rows of ``inputs``.
    inputs : ndarray or callable
        (K, n) input values of the same draws, or ``inputs(draw) -> (K,)`` for a run that
        did not keep them all.
    """
    for name, arr in values.items():
        if not np.issubdtype(arr.dtype, np.floating):
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(arr, axis=None)
        if np.isfinite(total):
            continue
        bad = (~np.isfinite(arr.reshape(-1, arr.shape[-1]))).any(axis=0)  # per draw
        if not bad.any():  # the sum itself overflowed: the values are finite
            continue
        draw = int(np.flatnonzero(bad)[0])
        raise NplvError(f"{where + ': ' if where else ''}the result {name!r} is not finite (inf or NaN) in "
                        f"{int(bad.sum()):,} draws; {_culprits(input_names, inputs, draw)}")


def _culprits(names: Sequence[str], inputs: np.ndarray | Callable[[int], np.ndarray], draw: int) -> str:
    """The inputs most likely responsible in ``draw``: non-finite ones, else the largest."""
    if not len(names):
        return "check the amounts and laws of the assumptions file"
    values = inputs(draw) if callable(inputs) else np.asarray(inputs)[:, draw]
    nonfinite = [n for n, v in zip(names, values, strict=True) if not np.isfinite(v)]
    if nonfinite:
        return "non-finite inputs: " + ", ".join(nonfinite[:NAMED_INPUTS])
    order = np.argsort(-np.abs(values))[:NAMED_INPUTS]
    return "largest inputs in the first such draw: " + ", ".join(f"{names[i]} = {values[i]:.3g}" for i in order)
