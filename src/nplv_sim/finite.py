"""Finite or refused: a result that holds inf or NaN is an error naming the inputs behind it.

The files' bounds (:data:`~nplv_sim.tomlreader.MAX_AMOUNT`) keep every amount and every
law's values finite and modest; this is the backstop for what they cannot see, such as
many large multipliers on one amount.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from .errors import NplvError

__all__ = ["check_finite"]

# Inputs named in the message: the largest values in the first draw that went wrong.
NAMED_INPUTS = 3


def check_finite(
    ds: xr.Dataset, where: str = "", inputs: tuple[Sequence[str], np.ndarray] | None = None
) -> None:
    """Raise :class:`NplvError` if any draw variable of ``ds`` holds inf or NaN.

    A sum over each array finds any inf or NaN in one pass without a temporary array;
    only then are the draws searched for the first bad one and its largest inputs.

    Parameters
    ----------
    ds : Dataset
        Results with a ``draw`` dim and ``input_value`` (draw, input).
    where : str
        The assumptions file, for the message.
    inputs : (names, values), optional
        The input names and their draws (K, n), for a Dataset without ``input_value``.
    """
    for name, da in ds.data_vars.items():
        if "draw" not in da.dims or not np.issubdtype(da.dtype, np.floating):
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(da.values, axis=None)
        if np.isfinite(total):
            continue
        bad = ~np.isfinite(da.values)
        if not bad.any():  # the sum itself overflowed: the values are finite
            continue
        draw = int(np.argwhere(bad)[0][da.dims.index("draw")])
        raise NplvError(f"{where + ': ' if where else ''}the result {name!r} is not finite (inf or NaN) in "
                        f"{int(bad.any(axis=tuple(i for i, d in enumerate(da.dims) if d != 'draw')).sum()):,} draws; "
                        f"{_culprits(ds, draw, inputs)}")


def _culprits(ds: xr.Dataset, draw: int, inputs: tuple[Sequence[str], np.ndarray] | None) -> str:
    """The inputs most likely responsible in ``draw``: non-finite ones, else the largest."""
    if "input_value" in ds:
        x = ds["input_value"].isel(draw=draw)
        names, values = [str(n) for n in x["input"].values], x.values
    elif inputs is not None and len(inputs[0]):
        names, values = [str(n) for n in inputs[0]], np.asarray(inputs[1])[:, draw]
    else:
        return "check the amounts and laws of the assumptions file"
    nonfinite = [n for n, v in zip(names, values, strict=True) if not np.isfinite(v)]
    if nonfinite:
        return "non-finite inputs: " + ", ".join(nonfinite[:NAMED_INPUTS])
    order = np.argsort(-np.abs(values))[:NAMED_INPUTS]
    return "largest inputs in the first such draw: " + ", ".join(f"{names[i]} = {values[i]:.3g}" for i in order)
