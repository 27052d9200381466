"""summarize(): quantiles, moments, P(shortfall > 0) and Monte Carlo standard errors."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import xarray as xr

from . import outputs, validation
from .core.quantiles import bracket_probs, mcse_from_bracket, sample_quantiles

__all__ = ["DEFAULT_QUANTILES", "quantile_mcse", "summarize"]

DEFAULT_QUANTILES = (0.05, 0.15, 0.5, 0.85, 0.95)


def _quantiles_and_mcse(
    da: xr.DataArray, quantiles: Sequence[float], dim: str = "draw"
) -> tuple[xr.DataArray, xr.DataArray]:
    q = np.asarray(quantiles, dtype=float)
    n = da.sizes[dim]
    lo, hi = bracket_probs(q, n)
    other = [d for d in da.dims if d != dim]
    values = np.ascontiguousarray(da.transpose(*other, dim).values).reshape(-1, n)
    vals = sample_quantiles(values, np.concatenate([q, lo, hi])).reshape(3 * q.size, *[da.sizes[d] for d in other])
    k = q.size
    dims = ("quantile", *other)
    coords = {d: da[d] for d in other if d in da.coords}
    coords.update({name: c for name, c in da.coords.items() if dim not in c.dims and name not in da.dims})
    quant = xr.DataArray(vals[:k], dims=dims, coords={**coords, "quantile": q})
    mcse = mcse_from_bracket(vals[k : 2 * k], vals[2 * k :], n)
    return quant, xr.DataArray(mcse, dims=dims, coords={**coords, "quantile": q})


def quantile_mcse(da: xr.DataArray, quantiles: Sequence[float], dim: str = "draw") -> xr.DataArray:
    """Monte Carlo standard error of sample quantiles, from order statistics.

    The sample quantile at ``q`` has standard error about half the distance between the
    quantiles at ``q -/+ sqrt(q (1 - q) / n)`` (the binomial interval of the order
    statistic; distribution-free, needs no density estimate). For Latin hypercube and
    Sobol draws this is conservative: it is the error of independent draws.

    Parameters
    ----------
    da : DataArray
        Draws along ``dim``.
    quantiles : sequence of float
        Probabilities in (0, 1).
    dim : str
        The draw dimension.

    Returns
    -------
    DataArray
        Standard errors with a ``quantile`` dimension, in the units of ``da``.
    """
    return _quantiles_and_mcse(da, quantiles, dim)[1]


def _cell_statistics(rows: np.ndarray, probs: np.ndarray, positive: bool) -> tuple[np.ndarray, ...]:
    """Mean, sd, P(> 0) and quantiles (len(probs), cells) of ``rows`` (cells, n), one
    cell at a time so that only one cell's copy is sorted at once."""
    cells, n = rows.shape
    mean, sd, prob = np.empty(cells), np.empty(cells), np.full(cells, np.nan)
    quant = np.empty((probs.size, cells))
    for c in range(cells):
        row = rows[c]
        mean[c] = row.mean()
        sd[c] = row.std(ddof=1 if n > 1 else 0)
        if positive:
            prob[c] = np.count_nonzero(row > 0) / n
        quant[:, c] = sample_quantiles(row[None, :], probs)[:, 0]
    return mean, sd, prob, quant


def summarize(
    ds: xr.Dataset,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    variables: Sequence[str] | None = None,
    workers: int | None = None,
) -> xr.Dataset:
    """Summarise the variables with a ``draw`` dimension.

    Parameters
    ----------
    ds : Dataset
        Output of :func:`nplv_sim.simulate`.
    quantiles : sequence of float
        Probabilities for the quantiles (default 0.05, 0.15, 0.5, 0.85, 0.95).
    variables : sequence of str, optional
        Only these variables (default: every variable with a ``draw`` dimension).
    workers : int, optional
        Threads summarising variables side by side (default: one per core); never
        changes the numbers.

    Returns
    -------
    Dataset
        For each variable ``v``: ``v`` (quantiles, xarray's ``quantile`` coordinate),
        ``v_mean``, ``v_sd``, ``v_mcse`` (standard error of each quantile, from
        :mod:`nplv_sim.core.quantiles`) and, for the variables the output registry marks,
        ``v_prob_positive`` = P(v > 0). Attributes are kept.
    """
    q = np.asarray(validation.check_probabilities("quantiles", quantiles))
    workers = validation.check_positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
    names = [
        name for name, da in ds.data_vars.items() if "draw" in da.dims and (variables is None or name in variables)
    ]
    if variables is not None:
        unknown = sorted(set(variables) - set(names))
        if unknown:
            raise validation.InvalidArgument(f"summarize: no draw variable {unknown[0]!r} in the results")
    n = ds.sizes.get("draw", 0)
    lo, hi = bracket_probs(q, n)
    probs = np.concatenate([q, lo, hi])
    k = q.size

    def one(name: str) -> dict[str, xr.DataArray]:
        da = ds[name]
        other = [d for d in da.dims if d != "draw"]
        shape = [da.sizes[d] for d in other]
        positive = getattr(outputs.variable(name), "prob_positive", False)
        rows = da.transpose(*other, "draw").values.reshape(-1, n)
        mean, sd, prob, quant = _cell_statistics(rows, probs, positive)
        coords = {d: da[d] for d in other if d in da.coords}
        coords.update({c: v for c, v in da.coords.items() if "draw" not in v.dims and c not in da.dims})
        attrs = dict(da.attrs)

        def cells(a: np.ndarray) -> xr.DataArray:
            return xr.DataArray(a.reshape(shape), dims=other, coords=coords)

        def by_q(a: np.ndarray) -> xr.DataArray:
            return xr.DataArray(a.reshape(k, *shape), dims=("quantile", *other), coords={**coords, "quantile": q})

        res = {
            name: by_q(quant[:k]).assign_attrs(attrs),
            f"{name}_mean": cells(mean).assign_attrs({**attrs, "cell_methods": "draw: mean"}),
            f"{name}_sd": cells(sd).assign_attrs({**attrs, "cell_methods": "draw: standard_deviation"}),
            f"{name}_mcse": by_q(mcse_from_bracket(quant[k : 2 * k], quant[2 * k :], n)).assign_attrs(
                {**attrs, "description": f"Monte Carlo standard error of the quantiles of {name}"}
            ),
        }
        if positive:
            res[f"{name}_prob_positive"] = cells(prob).assign_attrs(
                {
                    "units": "1",
                    "long_name": f"Kans op tekort ({attrs.get('long_name', name)})",
                    "long_name_en": f"P({name} > 0)",
                }
            )
        return res

    if workers > 1 and len(names) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(one, names))
    else:
        parts = [one(name) for name in names]
    out = xr.Dataset(attrs=dict(ds.attrs))
    for part in parts:
        for key, da in part.items():
            out[key] = da
    if "quantile" in out.coords:
        out["quantile"].attrs.update(long_name="Kwantiel", long_name_en="Quantile", units="1")
    out.attrs["n_draws"] = n
    return out
