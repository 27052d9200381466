"""summarize(): quantiles, moments, P(shortfall > 0) and Monte Carlo standard errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

__all__ = ["DEFAULT_QUANTILES", "quantile_mcse", "summarize"]

DEFAULT_QUANTILES = (0.05, 0.15, 0.5, 0.85, 0.95)


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
    n = da.sizes[dim]
    q = np.asarray(quantiles, dtype=float)
    if n < 2:
        return xr.full_like(da.isel({dim: 0}, drop=True).expand_dims(quantile=q), np.nan, dtype=float)
    half = np.sqrt(q * (1.0 - q) / n)
    lo = da.quantile(np.clip(q - half, 0.0, 1.0), dim=dim)
    hi = da.quantile(np.clip(q + half, 0.0, 1.0), dim=dim)
    return ((hi.values - lo.values) / 2.0) * xr.ones_like(da.quantile(q, dim=dim))


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
    q = [float(x) for x in quantiles]
    if not q or any(not 0.0 <= x <= 1.0 for x in q):
        raise ValueError(f"quantiles must lie in [0, 1], got {list(quantiles)}")
    out = xr.Dataset(attrs=dict(ds.attrs))
    n = ds.sizes.get("draw", 0)
    for name, da in ds.data_vars.items():
        if "draw" not in da.dims:
            continue
        attrs = dict(da.attrs)
        out[name] = da.quantile(q, dim="draw").assign_attrs(attrs)
        out[f"{name}_mean"] = da.mean("draw").assign_attrs({**attrs, "cell_methods": "draw: mean"})
        out[f"{name}_sd"] = da.std("draw", ddof=1 if n > 1 else 0).assign_attrs({**attrs, "cell_methods": "draw: standard_deviation"})
        out[f"{name}_mcse"] = quantile_mcse(da, q).assign_attrs(
            {**attrs, "description": f"Monte Carlo standard error of the quantiles of {name}"}
        )
        if name.startswith("shortfall"):
            out[f"{name}_prob_positive"] = (da > 0).mean("draw").assign_attrs(
                {"units": "1", "long_name": f"Kans op tekort ({attrs.get('long_name', name)})", "long_name_en": f"P({name} > 0)"}
            )
    out["quantile"].attrs.update(long_name="Kwantiel", long_name_en="Quantile", units="1")
    out.attrs["n_draws"] = n
    return out
