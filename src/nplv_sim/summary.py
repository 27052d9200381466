"""summarize(): quantiles, moments, P(shortfall > 0) and Monte Carlo standard errors."""

from __future__ import annotations

from collections.abc import Sequence

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


def summarize(ds: xr.Dataset, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> xr.Dataset:
    """Summarise every variable with a ``draw`` dimension.

    Parameters
    ----------
    ds : Dataset
        Output of :func:`nplv_sim.simulate`.
    quantiles : sequence of float
        Probabilities for the quantiles (default 0.05, 0.15, 0.5, 0.85, 0.95).

    Returns
    -------
    Dataset
        For each variable ``v``: ``v`` (quantiles, xarray's ``quantile`` coordinate),
        ``v_mean``, ``v_sd``, ``v_mcse`` (standard error of each quantile) and, for
        shortfall variables, ``v_prob_positive`` = P(v > 0). Attributes are kept.
    """
    q = validation.check_probabilities("quantiles", quantiles)
    out = xr.Dataset(attrs=dict(ds.attrs))
    n = ds.sizes.get("draw", 0)
    for name, da in ds.data_vars.items():
        if "draw" not in da.dims:
            continue
        attrs = dict(da.attrs)
        quant, mcse = _quantiles_and_mcse(da, q)
        out[name] = quant.assign_attrs(attrs)
        out[f"{name}_mean"] = da.mean("draw").assign_attrs({**attrs, "cell_methods": "draw: mean"})
        out[f"{name}_sd"] = da.std("draw", ddof=1 if n > 1 else 0).assign_attrs({**attrs, "cell_methods": "draw: standard_deviation"})
        out[f"{name}_mcse"] = mcse.assign_attrs({**attrs, "description": f"Monte Carlo standard error of the quantiles of {name}"})
        if name in outputs.REGISTRY_NAMES and outputs.variable(name).prob_positive:
            out[f"{name}_prob_positive"] = (da > 0).mean("draw").assign_attrs(
                {"units": "1", "long_name": f"Kans op tekort ({attrs.get('long_name', name)})", "long_name_en": f"P({name} > 0)"}
            )
    out["quantile"].attrs.update(long_name="Kwantiel", long_name_en="Quantile", units="1")
    out.attrs["n_draws"] = n
    return out
