"""The uplift layer shown apart: its state on every output and its effect beside the total.

The uplift layer (group ``uplift``: optimism bias, reference class) is the one named,
switchable place for skew from cost-risk practice. Every output says whether it is on
(:func:`layer_state`, recorded as the Dataset attribute ``uplift_layer``). When it is on,
its effect is shown as its own quantity: for each quantile the value **without** the
layer, **with** it, and the difference ("waarvan opslag optimisme-bias").

"Without" is the same run with the uplift inputs held at 1 (:func:`without_uplift`): the
uplift inputs keep their random streams (drawn and thrown away, through ``plan_run``'s
``also_draw``), so every other input draws the very same numbers (named streams, same
Sobol dimensions, same copula), and the difference between the two runs is the layer's
effect alone (common random numbers).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from .core.quantiles import batch_means_se, sample_quantiles
from .effects import EFFECTS
from .errors import NplvError
from .glossary import period_label, word
from .schema import UPLIFT_GROUP, Assumptions, Input

__all__ = [
    "OFF",
    "add_split",
    "effect_mcse",
    "is_on",
    "layer_state",
    "merge_rows",
    "simulate_without",
    "split_columns",
    "split_fields",
    "split_header",
    "split_summary",
    "split_text",
    "split_values",
    "state_text",
    "uplift_inputs",
    "without_uplift",
]

OFF = "off"
_ON = "on: "
# Suffixes of the summary variables that hold the split: v_without_uplift, v_uplift and
# the standard error of the latter, v_uplift_mcse.
WITHOUT, EFFECT, MCSE = "_without_uplift", "_uplift", "_mcse"
BATCHES = 10  # batch means for the standard error of the split (as the bridge)
MIN_DRAWS_FOR_SE = 10 * BATCHES  # at least 10 draws per batch
HEADLINE_QUANTILES = (0.5, 0.85)  # the terminal block shows these where the summary has them


def uplift_inputs(a: Assumptions) -> tuple[Input, ...]:
    """The inputs of the uplift layer that are switched on (drawn or held at a value)."""
    return tuple(x for x in a.inputs if x.group == UPLIFT_GROUP and x.enabled)


def layer_state(a: Assumptions) -> str:
    """``"off"``, or ``"on: "`` followed by the names of the uplift inputs that are on."""
    names = [x.name for x in uplift_inputs(a)]
    return _ON + ", ".join(names) if names else OFF


def is_on(attrs: Any) -> bool:
    """Whether a run (a Dataset, its attrs, or a state string) had the uplift layer on."""
    state = attrs if isinstance(attrs, str) else getattr(attrs, "attrs", attrs).get("uplift_layer", OFF)
    return str(state).startswith(_ON)


def state_text(attrs: Any, lang: str = "nl") -> str:
    """The reader's statement of the layer's state: ``"opslag optimisme-bias: uit"`` or
    ``"opslag optimisme-bias: aan (optimism_bias_uplift)"``."""
    state = attrs if isinstance(attrs, str) else str(getattr(attrs, "attrs", attrs).get("uplift_layer", OFF))
    head = word("uplift_layer", lang)
    if not is_on(state):
        return f"{head}: {word('off', lang)}"
    return f"{head}: {word('on', lang)} ({state[len(_ON):]})"


def without_uplift(a: Assumptions) -> tuple[Assumptions, tuple[str, ...]]:
    """``a`` with every uplift input held at 1 (the layer off), and the inputs to draw anyway.

    Returns
    -------
    tuple
        The assumptions without the layer, and the names of the uplift inputs that ``a``
        draws: pass them as ``plan_run(..., also_draw=...)`` and their normal scores are
        still drawn (and thrown away), so the other inputs' draws are identical to ``a``'s.
    """
    on = uplift_inputs(a)
    if not on:
        return a, ()
    neutral = {x.name: EFFECTS[x.effect].neutral for x in on}
    held = {x.name: dataclasses.replace(x, enabled=False, baseline=x.baseline if neutral[x.name] is None
                                        else neutral[x.name]) for x in on}
    drawn = tuple(x.name for x in on if x.is_random)
    return dataclasses.replace(a, inputs=tuple(held.get(x.name, x) for x in a.inputs)), drawn


def simulate_without(ds: xr.Dataset, a: Assumptions, variables: Sequence[str] | None = None,
                     workers: int | None = None, also_draw: Collection[str] = ()) -> xr.Dataset:
    """The run of ``ds`` again with the uplift layer off: same seed, draws and method.

    Parameters
    ----------
    ds : Dataset
        A run of :func:`nplv_sim.simulate` on ``a`` (its attrs give seed, draws, method).
    a : Assumptions
        The assumptions of that run.
    variables : sequence of str, optional
        Only these output variables.
    workers : int, optional
        Threads; never changes the numbers.
    also_draw : collection of str
        Inputs the run of ``ds`` drew although ``a`` holds them (scenarios compared on
        common random numbers, :func:`nplv_sim.comparison.simulate_scenarios`).

    Returns
    -------
    Dataset
        The draws without the layer, labelled as :func:`nplv_sim.simulate`'s.
    """
    from . import validation
    from .simulation import estimate_bytes, plan_run, recorded_seed, run_kept, to_dataset

    method = str(ds.attrs["sampling_method"])
    deterministic = method == "deterministic"
    held, drawn = without_uplift(a)
    plan = plan_run(held, recorded_seed(ds.attrs), "random" if deterministic else method, deterministic,
                    bool(ds.attrs.get("detail", 0)), variables, also_draw={*drawn, *also_draw})
    draws = int(ds.sizes["draw"])
    # A second run beside the first, whose arrays are still held: both must fit.
    validation.check_memory(estimate_bytes(plan, draws) + int(ds.nbytes), draws)
    x, engine = run_kept(plan, draws, workers or os.cpu_count() or 1)
    return to_dataset(plan, x, engine, correlations=False)


def effect_mcse(with_draws: xr.DataArray, without_draws: xr.DataArray, quantiles: Sequence[float],
                batches: int = BATCHES) -> xr.DataArray:
    """Monte Carlo standard error of *quantile with the layer − quantile without it*.

    Batch means, as for the bridge: the draws are cut into ``batches`` consecutive batches,
    each gives its own difference of quantiles, and the standard error is their standard
    deviation over sqrt(batches). Both runs share their draws, so the error is that of the
    difference, far below that of either quantile.

    Returns
    -------
    DataArray
        Dims ``quantile`` and the cell dims of the inputs (draws removed).
    """
    q = np.asarray(quantiles, dtype=float)
    other = [d for d in with_draws.dims if d != "draw"]
    a = with_draws.transpose(*other, "draw").values
    b = without_draws.transpose(*other, "draw").values
    edges = np.linspace(0, a.shape[-1], batches + 1).astype(int)
    diffs = np.stack([sample_quantiles(a[..., e0:e1], q) - sample_quantiles(b[..., e0:e1], q)
                      for e0, e1 in zip(edges[:-1], edges[1:], strict=True)])  # (batch, quantile, cells...)
    se = batch_means_se(diffs)
    coords = {d: with_draws[d] for d in other if d in with_draws.coords}
    return xr.DataArray(se, dims=("quantile", *other), coords={**coords, "quantile": q})


def add_split(summary: xr.Dataset, without: xr.Dataset, mcse: Mapping[str, xr.DataArray] | None = None) -> xr.Dataset:
    """``summary`` with, for each quantile variable ``v`` that ``without`` also holds,
    ``v_without_uplift`` (its quantiles without the layer) and ``v_uplift`` (with minus
    without: the layer's effect on that quantile), and ``v_uplift_mcse`` where ``mcse``
    gives it (:func:`effect_mcse`).

    ``without`` is the summary of :func:`simulate_without`'s run, same quantiles.
    """
    mcse = mcse or {}
    out = summary.copy()
    for name in [v for v in summary.data_vars if "quantile" in summary[v].dims and v in without.data_vars]:
        if name.endswith(("_mcse", "_quantile_error_bound")):
            continue
        attrs = dict(summary[name].attrs)
        nl, en = attrs.get("long_name", name), attrs.get("long_name_en", name)
        out[name + WITHOUT] = without[name].assign_attrs(
            {**attrs, "long_name": f"{nl}, {word('without_uplift_layer', 'nl')}",
             "long_name_en": f"{en}, {word('without_uplift_layer', 'en')}"})
        out[name + EFFECT] = (summary[name] - without[name]).assign_attrs(
            {**attrs, "long_name": f"{word('uplift_of_which', 'nl').capitalize()} ({nl})",
             "long_name_en": f"{word('uplift_of_which', 'en').capitalize()} ({en})",
             "description": "Quantile with the uplift layer minus the quantile of the same draws without it"})
        if name in mcse:
            out[name + EFFECT + MCSE] = mcse[name].assign_attrs(
                {"units": attrs.get("units", ""), "long_name_en": f"Monte Carlo standard error of {name + EFFECT} "
                 f"(batch means over {BATCHES} batches)"})
    return out


def split_summary(summary: xr.Dataset, ds: xr.Dataset, a: Assumptions, variables: Sequence[str] | None = None,
                  workers: int | None = None, without: xr.Dataset | None = None) -> xr.Dataset:
    """``summary`` of the run ``ds`` with the layer's split added when the layer is on
    (:func:`add_split` of the same run without it, made here unless ``without`` gives it);
    unchanged when it is off."""
    from .summary import summarize

    if not is_on(ds.attrs):
        return summary
    names = [v for v in summary.data_vars if v in ds.data_vars] if variables is None else list(variables)
    if without is None:
        without = simulate_without(ds, a, names, workers)
    qs = summary["quantile"].values
    errors = {v: effect_mcse(ds[v], without[v], qs) for v in names if ds.sizes["draw"] >= MIN_DRAWS_FOR_SE}
    return add_split(summary, summarize(without, qs, variables=names, workers=workers), errors)


def split_columns(summary: xr.Dataset, name: str, qname: Callable[[float], str]) -> dict[str, xr.DataArray]:
    """Columns ``pXX_without_uplift``, ``pXX_uplift`` (and its ``_mcse``) of variable ``name``,
    each over the variable's cells (none when the layer is off)."""
    if name + EFFECT not in summary:
        return {}
    cols: dict[str, xr.DataArray] = {}
    for suffix in (WITHOUT, EFFECT, EFFECT + MCSE):
        if name + suffix in summary:
            da = summary[name + suffix]
            cols |= {f"{qname(float(q))}{suffix}": da.sel(quantile=q, drop=True) for q in da["quantile"].values}
    return cols


def split_text(summary: xr.Dataset, netting: str = "pillar") -> list[str]:
    """Terminal lines: the layer's state and, when on, P50 and P85 of both pillars per
    horizon and scope without the layer, with it, and of which the layer (EUR million)."""
    lines = ["", state_text(summary.attrs, "en").capitalize()]
    if not is_on(summary.attrs):
        return lines
    qs = [float(q) for q in summary["quantile"].values]
    show = [q for q in qs if any(abs(q - h) < 1e-9 for h in HEADLINE_QUANTILES)] or qs
    cells = [("shortfall_all_pillars", p) for p in map(str, summary["period"].values)]
    cells.append(("shortfall_all_periods", ""))
    head = f"{'':<30}{'scope':<7}" + "".join(
        f"{f'P{q * 100:g} ' + w:>16}" for q in show for w in ("without", "with", "of which"))
    lines.append("Both pillars, without funderingsherstel, EUR million; 'without': the same draws with the uplift "
                 f"inputs held at 1; after ±: Monte Carlo standard error ({BATCHES} batches)")
    lines.append(head)
    for name, period in cells:
        if name + EFFECT not in summary:
            continue
        for scope in summary["scope"].values:
            sel = {"scope": scope, "netting": netting, **({"period": period} if period else {})}
            vals = []
            for q in show:
                at = {**sel, "quantile": q}
                cell = [float(summary[v].sel({k: x for k, x in at.items() if k in summary[v].dims}))
                        for v in (name + WITHOUT, name, name + EFFECT)]
                vals += [f"{v:>16,.0f}" for v in cell[:2]]
                err = summary.get(name + EFFECT + MCSE)
                se = "" if err is None else f" ±{float(err.sel({k: x for k, x in at.items() if k in err.dims})):,.0f}"
                vals.append(f"{f'{cell[2]:,.0f}{se}':>16}")
            label = period_label(summary, period) if period else f"{period_label(summary, 'whole')} (whole)"
            lines.append(f"{label:<30}{str(scope):<7}" + "".join(vals))
    return lines


def split_fields(key: str, with_: Any, without: Any) -> dict[str, Any]:
    """The layer's split of one figure: ``key_without_uplift`` (the same draws without the
    layer) and ``key_uplift`` (with minus without: the layer's part). Numbers or arrays."""
    return {key + WITHOUT: without, key + EFFECT: with_ - without}


def merge_rows(rows: Sequence[Mapping[str, Any]], without: Sequence[Mapping[str, Any]],
               keys: Sequence[str] = ("p05", "p15", "p50", "p85", "p95")) -> list[dict[str, Any]]:
    """Rows of a table (e.g. :func:`nplv_sim.appendix.appendix_rows`) with, per quantile
    column ``k``, ``k_without_uplift`` (the same row of ``without``) and ``k_uplift``
    (with minus without). The rows must list the same cells in the same order."""
    out = []
    for r, w in zip(rows, without, strict=True):
        cell = ("basis", "pillar", "period", "scope")
        if any(r.get(c) != w.get(c) for c in cell):
            raise NplvError(f"rows differ: {[r.get(c) for c in cell]} vs {[w.get(c) for c in cell]}")
        out.append({**r, **{f: v for k in keys for f, v in split_fields(k, float(r[k]), float(w[k])).items()}})
    return out


def split_header(keys: Sequence[str], lang: str, money: str) -> list[str]:
    """Column headers of the split: per quantile 'P50 zonder opslag', 'P50 met opslag',
    'P50 waarvan opslag optimisme-bias'."""
    return [f"{k.upper().replace('P0', 'P')} {word(w, lang)} {money}" for k in keys
            for w in ("without_uplift", "with_uplift", "uplift_of_which")]


def split_values(row: Mapping[str, Any], keys: Sequence[str]) -> list[float]:
    """The split's numbers of one merged row, in the order of :func:`split_header`."""
    return [float(row[f"{k}{s}"]) for k in keys for s in (WITHOUT, "", EFFECT)]
