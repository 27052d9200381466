"""Scenarios side by side on a ``scenario`` dim, with common random numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from . import uplift, validation
from .core.seeding import resolve_seed
from .errors import NplvError
from .scenarios import load_scenario
from .schema import Assumptions
from .simulation import plan_run, simulate_plan

__all__ = ["BASELINE", "simulate_scenarios"]

BASELINE = "baseline"


def simulate_scenarios(
    assumptions: Assumptions,
    scenarios: Sequence[str | Path],
    draws: int,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    chunk_size: int | None = None,
    workers: int = 1,
) -> xr.Dataset:
    """Simulate the base and each scenario with the same random numbers.

    Every variant draws the normal scores of every input that is random in any variant
    (same streams, same copula), so a scenario that changes nothing differs from the
    baseline by exactly zero, and differences carry no Monte Carlo noise from resampling.

    Parameters
    ----------
    assumptions : Assumptions
        The base (scenario ``baseline``).
    scenarios : sequence of str or Path
        Scenario files, or names of shipped scenarios (``coalition_135``).
    draws, rng, method, chunk_size, workers
        As :func:`nplv_sim.simulate`.

    Returns
    -------
    xarray.Dataset
        The variables of :func:`nplv_sim.simulate` with a leading ``scenario`` dim, plus
        ``shortfall_difference`` and ``shortfall_all_pillars_difference`` (scenario minus
        baseline, per draw); the coordinate ``scenario_uplift_layer`` (each variant's
        uplift layer, :func:`nplv_sim.uplift.layer_state`) and, when any variant has the
        layer on, ``shortfall_all_pillars[_incl_addons]_without_uplift``: the same draws
        with the uplift inputs held at 1.
    """
    variants = [assumptions] + [load_scenario(s, assumptions) for s in scenarios]
    names = [BASELINE] + [v.scenario for v in variants[1:]]
    if len(set(names)) != len(names):
        raise NplvError(f"scenario names must be distinct, got {names}")
    shared = {i.name for v in variants for i in v.inputs if i.is_random}
    entropy, spawn_key = resolve_seed(rng)
    seed = np.random.SeedSequence(entropy, spawn_key=spawn_key)
    validation.check_draws(draws)
    runs = [
        simulate_plan(plan_run(v, seed, method, also_draw=shared), draws, chunk_size, workers) for v in variants
    ]
    states = [r.attrs["uplift_layer"] for r in runs]
    drop = [k for k in runs[0].data_vars if k.startswith("correlation_")]
    ds = xr.concat(
        [r.drop_vars(drop) for r in runs],
        dim=xr.DataArray(names, dims="scenario", name="scenario"),
        coords="minimal",
        compat="override",
        combine_attrs="override",
    )
    ds = ds.merge(runs[0][drop])
    for var in ("shortfall", "shortfall_all_pillars", "shortfall_by_year"):
        diff = ds[var] - ds[var].sel(scenario=BASELINE)
        ds[f"{var}_difference"] = diff.assign_attrs(
            {
                **ds[var].attrs,
                "long_name": f"Verschil met basis: {ds[var].attrs['long_name']}",
                "long_name_nl": f"Verschil met basis: {ds[var].attrs['long_name']}",
                "long_name_en": f"Difference from baseline: {ds[var].attrs['long_name_en']}",
                "description": "Scenario minus baseline, draw by draw (common random numbers).",
            }
        )
    if any(uplift.is_on(st) for st in states):
        # The uplift layer apart: each scenario with it on, again on the same draws without it.
        split = ("shortfall_all_pillars", "shortfall_all_pillars_incl_addons")
        parts = [uplift.simulate_without(r, v, split, workers, also_draw=shared) if uplift.is_on(st) else r[list(split)]
                 for r, v, st in zip(runs, variants, states, strict=True)]
        for var in split:
            wo = xr.concat([p[var] for p in parts], dim=ds["scenario"], coords="minimal", compat="override")
            ds[var + uplift.WITHOUT] = wo.assign_attrs(
                {**ds[var].attrs, "long_name_en": f"{ds[var].attrs['long_name_en']}, without the uplift layer",
                 "description": "The same draws with the uplift inputs held at 1 (equal to the variable where the "
                                "layer is off)."})
    ds["scenario"].attrs.update(long_name="Scenario", long_name_en="Scenario")
    ds = ds.assign_coords(
        scenario_label_nl=("scenario", ["Basis (Rebel 2026)"] + [_label(v, "nl") for v in variants[1:]]),
        scenario_label_en=("scenario", ["Baseline (Rebel 2026)"] + [_label(v, "en") for v in variants[1:]]),
        scenario_uplift_layer=("scenario", states),
    )
    # The Dataset's own state (provenance, scenarios.nc): on when any scenario has the layer
    # on, naming its inputs; scenario_uplift_layer gives each scenario's.
    on = sorted({n.strip() for st in states if uplift.is_on(st) for n in st.split(":", 1)[1].split(",")})
    ds.attrs["uplift_layer"] = f"on: {', '.join(on)}" if on else uplift.OFF
    ds.attrs["scenarios"] = ", ".join(names)
    ds.attrs["scenario_files"] = "; ".join(f"{p} sha256={h}" for v in variants[1:] for p, h in v.scenario_files)
    ds.attrs["common_random_numbers"] = 1
    return ds


def _label(a: Assumptions, lang: str) -> str:
    return (a.scenario_label_nl if lang == "nl" else a.scenario_label_en) or a.scenario
