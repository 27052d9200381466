"""Which inputs drive the spread of the shortfall.

:func:`analyze_sensitivity` (given draws), :func:`sobol_indices` (pick-freeze, total
indices), :func:`tornado` (one at a time): numpy/scipy kernels (``_``), Dataset results
with dims ``input``, ``group``, ``cell``, ``ci_bound``. Methods: docs/figures.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import xarray as xr
from scipy import sparse, stats

from .glossary import GROUPS as SOURCE_LABELS
from .glossary import period_years, term

__all__ = ["analyze_sensitivity", "output_cells", "sobol_indices", "tornado", "tornado_inputs"]


def _attrs(nl: str, en: str, units: str = "1") -> dict[str, str]:
    return {"long_name": nl, "long_name_nl": nl, "long_name_en": en, "units": units}


def _spearman(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Spearman correlation of each column of x (n, k) with each column of y (n, c), from their ranks."""
    zx, zy = rx - rx.mean(axis=0), ry - ry.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (zx.T @ zy) / np.sqrt(np.outer((zx**2).sum(axis=0), (zy**2).sum(axis=0)))


def _r2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """R² of the least-squares fit of each column of y (n, c) on the columns of x (n, m)."""
    xc, yc = x - x.mean(axis=0), y - y.mean(axis=0)
    coef, *_ = np.linalg.lstsq(xc, yc, rcond=None)
    sst = (yc**2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - ((yc - xc @ coef) ** 2).sum(axis=0) / sst


def _bins(r: np.ndarray, n_bins: int) -> tuple[np.ndarray, int]:
    """Equiprobable bins from ranks ``r`` (average for ties, so tied values share a bin)."""
    b = np.minimum(((r - 1.0) * n_bins / r.size).astype(np.int64), n_bins - 1)
    _, b = np.unique(b, return_inverse=True)
    return b, int(b.max()) + 1


def _first_order(b: np.ndarray, m: int, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """S1 = (SSB - (M - 1) SSW / (N - M)) / SST per output and resample (epsilon-squared).

    ``b`` (n,): each draw's bin of 0..m-1; ``y`` (n, c): outputs; ``w`` (r, n): each draw's
    multiplicity in each resample (a row of ones for the estimate). Returns (r, c).
    """
    n, c = y.shape
    y = y - y.mean(axis=0)
    cols = (b[:, None] * c + np.arange(c)).ravel()
    z = sparse.csr_matrix((y.ravel(), (np.repeat(np.arange(n), c), cols)), shape=(n, m * c))
    one_hot = sparse.csr_matrix((np.ones(n), (np.arange(n), b)), shape=(n, m))
    sums = np.asarray(z.T @ w.T).T.reshape(-1, m, c)
    cnt = np.asarray(one_hot.T @ w.T).T[:, :, None]
    t2 = (w @ y) ** 2 / n
    sst = w @ y**2 - t2
    with np.errstate(invalid="ignore", divide="ignore"):
        ssb = np.where(cnt > 0, sums**2 / np.maximum(cnt, 1), 0.0).sum(axis=1) - t2
        m_used = (cnt > 0).sum(axis=1)
        msw = (sst - ssb) / np.maximum(n - m_used, 1)
        return (ssb - (m_used - 1) * msw) / sst


def output_cells(ds: xr.Dataset, variables: Sequence[str] = ("shortfall", "shortfall_all_pillars"),
                 netting: str = "pillar") -> xr.DataArray:
    """Stack output variables into one (draw, cell) array with readable cell labels.

    Cells are named ``"<pillar>_<period>_<scope>"`` (pillar ``"all"`` for variables
    summed over pillars, as in the report's published figures), with coords
    ``cell_variable``, ``cell_pillar``, ``cell_period``, ``cell_scope``,
    ``cell_label_nl`` and ``cell_label_en``.
    """
    parts = []
    for name in variables:
        da = ds[name].sel(netting=netting, drop=True) if "netting" in ds[name].dims else ds[name]
        if "pillar" not in da.dims:
            da = da.expand_dims(pillar=["all"])
        parts.append(da.stack(cell=("pillar", "period", "scope")).transpose("draw", "cell"))
    cells = [c for p in parts for c in p.indexes["cell"]]
    values = np.concatenate([p.values for p in parts], axis=1)
    years = dict(zip(ds["period"].values, period_years(ds), strict=True))
    labels = [[f"{term(q, lang)}, {years[p]}, {term(s, lang)}" for q, p, s in cells] for lang in ("nl", "en")]
    return xr.DataArray(values, dims=("draw", "cell"), attrs=dict(ds[variables[0]].attrs), coords={
        "cell": ["_".join(map(str, c)) for c in cells],
        "cell_variable": ("cell", [v for v, p in zip(variables, parts, strict=True) for _ in range(p.sizes["cell"])]),
        **{f"cell_{d}": ("cell", [str(c[i]) for c in cells]) for i, d in enumerate(("pillar", "period", "scope"))},
        "cell_label_nl": ("cell", labels[0]), "cell_label_en": ("cell", labels[1]),
    })


def analyze_sensitivity(ds: xr.Dataset, variables: Sequence[str] = ("shortfall", "shortfall_all_pillars"),
                        netting: str = "pillar", random_only: bool = True, n_bins: int | None = None,
                        n_bootstrap: int = 100, ci_prob: float = 0.9,
                        rng: int | np.random.SeedSequence | None = 0) -> xr.Dataset:
    """Given-data sensitivity of each output cell to each input and input group.

    Parameters
    ----------
    ds : Dataset
        Output of :func:`nplv_sim.simulate` (needs ``input_value`` and the variables).
    variables : sequence of str
        Output variables; each is split into cells by pillar, period and scope.
    netting : str
        Netting method of the outputs.
    random_only : bool
        Keep only inputs that are drawn (``input_random == 1``).
    n_bins : int, optional
        Bins per input for S1; default ``clip(round(N ** 0.4), 4, 100)``.
    n_bootstrap : int
        Bootstrap resamples for the S1 intervals (0: none). Cost ~ N x inputs x cells x this.
    ci_prob : float
        Probability of the intervals (normal with bootstrap standard error for S1,
        Fisher z for Spearman).
    rng : int, SeedSequence or None
        Seed of the bootstrap.

    Returns
    -------
    Dataset
        ``spearman``, ``first_order`` (input, cell) with ``*_ci`` (input, cell,
        ci_bound); ``group_rank_r`` (multiple rank correlation, 0..1) and ``group_r2``
        (linear variance share) (group, cell); ``output_sd`` (cell).
    """
    y = output_cells(ds, variables, netting)
    xin = ds["input_value"]
    if random_only and "input_random" in xin.coords:
        xin = xin.isel(input=np.flatnonzero(xin["input_random"].values == 1))
    x, yv = xin.transpose("draw", "input").values, y.values
    n, k = x.shape
    m = n_bins or int(np.clip(round(n**0.4), 4, 100))
    gen, w = np.random.default_rng(rng), np.ones((1, n))
    if n_bootstrap:  # multinomial resampling weights: row r counts each draw's copies
        idx = gen.integers(0, n, size=(n_bootstrap, n)) + n * np.arange(n_bootstrap)[:, None]
        w = np.concatenate([w, np.bincount(idx.ravel(), minlength=n_bootstrap * n).reshape(n_bootstrap, n)])
    tail = [(1 - ci_prob) / 2, (1 + ci_prob) / 2]
    s1, s1_ci = np.empty((k, yv.shape[1])), np.full((k, yv.shape[1], 2), np.nan)
    rx, ry = stats.rankdata(x, axis=0), stats.rankdata(yv, axis=0)
    for i in range(k):
        est = _first_order(*_bins(rx[:, i], m), yv, w)
        s1[i] = est[0]
        if n_bootstrap:  # normal interval: resamples with ties bias S1 up, so percentiles would be shifted
            s1_ci[i] = est[0][:, None] + np.outer(est[1:].std(axis=0, ddof=1), stats.norm.ppf(tail))
    rho = _spearman(rx, ry)
    half = stats.norm.ppf(tail[1]) * np.sqrt(1.06 / max(n - 3, 1))  # Fieller et al. (1957)
    z = np.arctanh(np.clip(rho, -1 + 1e-12, 1 - 1e-12))[..., None] + np.array([-half, half])
    gvals = xin.coords["input_group"].values if "input_group" in xin.coords else xin["input"].values
    groups = list(dict.fromkeys(str(g) for g in gvals))
    members = [np.flatnonzero(gvals == g) for g in groups]
    d2, d3, dg = ("input", "cell"), ("input", "cell", "ci_bound"), ("group", "cell")
    boot = {"units": "1", "method": "estimate -/+ z x bootstrap standard error"}
    labels = ("input_group", "input_label_nl", "input_label_en")
    return xr.Dataset(
        {
            "spearman": (d2, rho, _attrs("Rangcorrelatie (Spearman)", "Spearman rank correlation")),
            "spearman_ci": (d3, np.tanh(z), {"units": "1", "method": "Fisher z, variance 1.06 / (n - 3)"}),
            "first_order": (d2, s1, _attrs("Aandeel in variantie (eerste orde)", "First-order variance share S1")),
            "first_order_ci": (d3, s1_ci, boot),
            "group_rank_r": (dg, np.sqrt(np.clip([_r2(rx[:, j], ry) for j in members], 0, 1)),
                             _attrs("Meervoudige rangcorrelatie per bron", "Multiple rank correlation per source")),
            "group_r2": (dg, np.array([_r2(x[:, j], yv) for j in members]),
                         _attrs("Aandeel in variantie per bron (lineair)", "Linear variance share per source (R²)")),
            "output_sd": ("cell", yv.std(axis=0, ddof=1),
                          _attrs("Standaardafwijking", "Standard deviation", y.attrs.get("units", ""))),
        },
        coords={**{c: y[c] for c in y.coords}, "input": xin["input"].values, "group": groups,
                "ci_bound": ["lower", "upper"], **{c: ("input", xin[c].values) for c in labels if c in xin.coords},
                "group_label_nl": ("group", [SOURCE_LABELS.get(g, (g, g))[0] for g in groups]),
                "group_label_en": ("group", [SOURCE_LABELS.get(g, (g, g))[1] for g in groups])},
        attrs={"method": "given data: Spearman; S1 by equiprobable binning (epsilon-squared); group R² by OLS",
               "note": "inputs may be correlated: an input's S1 includes effects of inputs correlated with it; "
                       "total-order indices need a pick-freeze design (sobol_indices)",
               "n_draws": n, "n_bins": m, "n_bootstrap": n_bootstrap, "ci_prob": ci_prob, "netting": netting},
    )


def sobol_indices(model_fn: Callable[[np.ndarray], np.ndarray],
                  sampler: int | Mapping[str, Callable[[np.ndarray], np.ndarray]], n: int,
                  rng: int | np.random.SeedSequence | np.random.Generator | None = None,
                  n_bootstrap: int = 200, ci_prob: float = 0.95) -> xr.Dataset:
    """First-order and total Sobol indices by a pick-freeze (Saltelli) design.

    Parameters
    ----------
    model_fn : callable
        ``model_fn(x)`` with ``x`` of shape (m, k) returns shape (m,): vectorised over rows.
    sampler : int or mapping of str to callable
        ``k`` (inputs are independent uniforms on [0, 1]) or ``{name: ppf}``: each
        input's inverse CDF applied to independent uniforms (inputs must be independent).
    n : int
        Base sample size; the model runs ``n (k + 2)`` times.
    rng : int, SeedSequence, Generator or None
        Random numbers.
    n_bootstrap, ci_prob : int, float
        Resamples of the ``n`` rows, and the probability of the percentile intervals.

    Returns
    -------
    Dataset
        ``first_order`` (Saltelli et al. 2010, eq. b), ``total_order`` (Jansen 1999),
        each (input) with ``*_ci`` (input, ci_bound); attrs ``n``, ``evaluations``.
    """
    ppfs = dict(sampler) if isinstance(sampler, Mapping) else {f"x{i + 1}": (lambda u: u) for i in range(sampler)}
    names, k = list(ppfs), len(ppfs)
    gen = np.random.default_rng(rng)
    u_a, u_b = gen.random((n, k)), gen.random((n, k))
    u_ab = np.repeat(u_a[None], k, axis=0)
    u_ab[np.arange(k), :, np.arange(k)] = u_b.T  # AB_i: A with column i from B
    u = np.concatenate([u_a, u_b, u_ab.reshape(k * n, k)])
    x = np.column_stack([ppfs[nm](u[:, j]) for j, nm in enumerate(names)])
    f = np.asarray(model_fn(x), dtype=float).reshape(k + 2, n)
    f_a, f_b, f_ab = f[0], f[1], f[2:]

    def estimate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # Saltelli 2010 S1, Jansen 1999 ST
        a, b, ab = f_a[rows], f_b[rows], f_ab[:, rows]
        var = np.concatenate([a, b], axis=-1).var(axis=-1)
        return (b * (ab - a)).mean(axis=-1) / var, 0.5 * ((a - ab) ** 2).mean(axis=-1) / var

    (s1, st), (b1, bt) = estimate(np.arange(n)), estimate(gen.integers(0, n, size=(n_bootstrap, n)))
    tail, ci = [(1 - ci_prob) / 2, (1 + ci_prob) / 2], {"units": "1", "method": "bootstrap percentile"}
    return xr.Dataset(
        {"first_order": ("input", s1, _attrs("Eerste-orde Sobol-index", "First-order Sobol index (Saltelli 2010)")),
         "total_order": ("input", st, _attrs("Totale Sobol-index", "Total Sobol index (Jansen 1999)")),
         "first_order_ci": (("input", "ci_bound"), np.quantile(b1, tail, axis=-1).T, ci),
         "total_order_ci": (("input", "ci_bound"), np.quantile(bt, tail, axis=-1).T, ci)},
        coords={"input": names, "ci_bound": ["lower", "upper"]},
        attrs={"n": n, "evaluations": n * (k + 2), "n_bootstrap": n_bootstrap, "ci_prob": ci_prob,
               "method": "pick-freeze with independent inputs"},
    )


def tornado_inputs(ds: xr.Dataset, assumptions: object | None = None, low: float = 0.10, high: float = 0.90,
                   random_only: bool = True) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict]:
    """Baseline, low (P10), high (P90) value and (Dutch, English) label of each input.

    The baseline is each input's ``baseline`` in ``assumptions`` (the report's implicit
    value) when given, else the median of the draws. Feed the result to :func:`tornado`.
    """
    x = ds["input_value"]
    if random_only and "input_random" in x.coords:
        x = x.isel(input=np.flatnonzero(x["input_random"].values == 1))
    q = x.quantile([low, 0.5, high], dim="draw")
    names = [str(v) for v in x["input"].values]
    base = {i.name: float(i.baseline) for i in getattr(assumptions, "inputs", ())}
    lab = [x.coords[c].values if c in x.coords else names for c in ("input_label_nl", "input_label_en")]
    return ({nm: base.get(nm, float(q.values[1, j])) for j, nm in enumerate(names)},
            dict(zip(names, map(float, q.values[0]), strict=True)),
            dict(zip(names, map(float, q.values[2]), strict=True)),
            {nm: (str(lab[0][j]), str(lab[1][j])) for j, nm in enumerate(names)})


def tornado(evaluate: Callable[[dict[str, float]], float], baseline: Mapping[str, float], low: Mapping[str, float],
            high: Mapping[str, float], labels: Mapping[str, tuple[str, str]] | None = None,
            output_attrs: Mapping[str, str] | None = None, cell_label: tuple[str, str] = ("", "")) -> xr.Dataset:
    """One-at-a-time swings: each input at its low and high value, all others at baseline.

    Ignores correlation and interaction: "what if only this assumption were off", not a
    share of the spread (for that, :func:`analyze_sensitivity`).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(values)`` with ``values`` a dict input name -> value returns the
        output (e.g. the Rijk shortfall P1 [€ mln]).
    baseline, low, high : mapping of str to float
        Each input's baseline, low (e.g. P10) and high (e.g. P90) value.
    labels : mapping of str to (str, str), optional
        Input name -> (Dutch, English) label.
    output_attrs : mapping, optional
        Attributes of the output (``long_name``, ``long_name_en``, ``units``).
    cell_label : (str, str)
        (Dutch, English) name of the output cell, e.g. ``("beide pijlers, 2026-2029, Rijk", ...)``.

    Returns
    -------
    Dataset
        Along ``input`` sorted by swing (largest first): ``output_low``, ``output_high``,
        ``swing``, ``input_low``, ``input_high``, ``input_baseline``; scalar ``output_baseline``.
    """
    names, base, lab = list(low), {k: float(v) for k, v in baseline.items()}, labels or {}
    y_lo, y_hi = np.array([[evaluate({**base, nm: float(d[nm])}) for nm in names] for d in (low, high)], dtype=float)
    order = np.argsort(-np.abs(y_hi - y_lo), kind="stable")
    sel, oattrs = [names[i] for i in order], dict(output_attrs or {})
    return xr.Dataset(
        {"output_low": ("input", y_lo[order], oattrs), "output_high": ("input", y_hi[order], oattrs),
         "swing": ("input", np.abs(y_hi - y_lo)[order], oattrs),
         "output_baseline": ((), float(evaluate(dict(base))), oattrs),
         **{f"input_{v}": ("input", [float(d[nm]) for nm in sel])
            for v, d in (("low", low), ("high", high), ("baseline", base))}},
        coords={"input": sel, "input_label_nl": ("input", [lab.get(nm, (nm, nm))[0] for nm in sel]),
                "input_label_en": ("input", [lab.get(nm, (nm, nm))[1] for nm in sel])},
        attrs={"method": "one-at-a-time (tornado): ignores correlation and interaction between inputs",
               "output_cell_nl": cell_label[0], "output_cell_en": cell_label[1]},
    )
