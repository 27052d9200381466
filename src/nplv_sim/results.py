"""simulate(): core arrays -> a labelled, self-describing :class:`xarray.Dataset`."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable

import numpy as np
import xarray as xr

from . import __version__
from .compile import compile_assumptions
from .core.correlation import spearman
from .core.engine import BLOCK_SIZE, run
from .core.sampling import METHODS
from .core.seeding import STREAM_KEY_SCHEME, resolve_seed
from .errors import NplvError
from .finite import check_finite
from .labels import COORD_LABELS, UNITS, VARIABLES
from .memory import available_memory
from .schema import Assumptions

__all__ = ["check_memory", "estimate_bytes", "prepare_run", "simulate"]

SCOPES = ("total", "rijk")
NETTINGS = ("pillar", "component")
# Share of the available memory (see memory.available_memory) a run may plan to use.
MEMORY_SHARE = 0.6
# Achieved rank correlations are computed on at most this many draws (SE <= 0.007).
ACHIEVED_SAMPLE = 20_000


def estimate_bytes(a: Assumptions, draws: int, detail: bool = False) -> int:
    """Rough peak memory of a run in bytes (kept arrays plus the NetCDF/summary copies)."""
    n_c, n_p, n_q = len(a.components), len(a.facts.periods), len(a.facts.pillars)
    per_draw = len(a.inputs) + 2 * n_q * n_p * 2 * 2 + 4 * n_q * n_p * 2 + 3 * n_p * 2 * 2
    if detail:
        per_draw += 3 * n_c * n_p * 2
    return int(draws * per_draw * 8 * 2.5)


def check_method(method: str) -> None:
    """Refuse an unknown sampling method."""
    if method not in METHODS:
        raise NplvError(f"unknown sampling method {method!r}; choose from {', '.join(METHODS)}")


def root_seed(rng: int | np.random.SeedSequence | None) -> tuple[int, tuple[int, ...]]:
    """The root seed of a run, or a one-line error for a seed that is not one."""
    try:
        return resolve_seed(rng)
    except (TypeError, ValueError) as exc:
        raise NplvError(str(exc)) from None


def prepare_run(
    assumptions: Assumptions,
    draws: int,
    rng: int | np.random.SeedSequence | None,
    method: str,
    deterministic: bool,
    detail: bool,
) -> tuple[int, tuple[int, tuple[int, ...]]]:
    """Check a run's arguments before any work: the draw count (and its memory), the
    method and the seed. Returns the draw count to use and the root seed."""
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)):
        raise NplvError(f"draws must be a whole number, got {type(draws).__name__} {draws!r}")
    check_method(method)
    draws = 1 if deterministic else int(draws)
    if draws < 1:
        raise NplvError(f"draws must be at least 1, got {draws}")
    check_memory(assumptions, draws, detail)
    return draws, root_seed(rng)


def check_memory(a: Assumptions, draws: int, detail: bool = False) -> None:
    """Refuse, before allocating anything, a run that would not fit in memory."""
    need_bytes = estimate_bytes(a, draws, detail)
    available, what = available_memory()
    limit = int(available * MEMORY_SHARE)
    if need_bytes > limit:
        raise NplvError(
            f"{draws:,} draws would need about {need_bytes / 2**30:.1f} GiB, more than the "
            f"{limit / 2**30:.1f} GiB a run may plan to use ({MEMORY_SHARE:.0%} of {what}); use fewer draws or --stream"
        )


def _attrs(name: str, lang_units: str = UNITS) -> dict[str, str]:
    en, nl, desc = VARIABLES[name]
    return {"long_name": nl, "long_name_en": en, "long_name_nl": nl, "description": desc, "units": lang_units}


def simulate(
    assumptions: Assumptions,
    draws: int,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    deterministic: bool = False,
    chunk_size: int | None = None,
    workers: int | None = None,
    detail: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Simulate the NPLV shortfall.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    draws : int
        Number of Monte Carlo draws (ignored when ``deterministic``: one draw).
    rng : int, SeedSequence or None
        Root seed (SPEC 7). None draws fresh entropy, recorded in ``attrs['seed_entropy']``.
    method : {"random", "lhs", "sobol"}
        Sampling method.
    deterministic : bool
        One draw with every input at its baseline value (reproduces the report).
    chunk_size : int, optional
        Draws per task (rounded up to blocks of 65,536); never changes the numbers.
    workers : int, optional
        Threads; never changes the numbers. Default: one per core.
    detail : bool
        Also keep need, funding and shortfall per component (memory grows accordingly).
    progress : callable, optional
        ``progress(done, total)`` after each task.

    Returns
    -------
    xarray.Dataset
        ``shortfall`` (draw, pillar, period, scope, netting) [million EUR] and the other
        variables of :data:`nplv_sim.labels.VARIABLES`, with provenance in ``attrs``.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    if not isinstance(workers, int) or workers < 1:
        raise NplvError(f"workers must be a positive whole number, got {workers!r}")
    if chunk_size is not None and (not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1):
        raise NplvError(f"chunk_size must be a positive whole number, got {chunk_size!r}")
    draws, root = prepare_run(assumptions, draws, rng, method, deterministic, detail)
    cm = compile_assumptions(assumptions, deterministic=deterministic)
    keep = ["shortfall", "shortfall_incl_addons", "need_pillar", "funding_pillar", "need_pillar_incl_addons"]
    if detail:
        keep += ["need", "funding"]
    x, out = run(cm.arrays, cm.plan, draws, root, method, chunk_size, workers, progress, keep)
    return _to_dataset(assumptions, cm, x, out, root, method, deterministic, detail, draws_last=True)


def _to_dataset(a, cm, x, out, root, method, deterministic, detail, draws_last: bool = False) -> xr.Dataset:
    # The engine keeps draws last (contiguous per block); the Dataset shows them first
    # through zero-copy views, so users index ``draw`` first as usual.
    if draws_last:
        x = x.T
        out = {k: np.moveaxis(v, -1, 0) for k, v in out.items()}
    draws = x.shape[0]
    years = np.array([p.years for p in a.facts.periods], dtype=float)
    coords = {
        "draw": np.arange(draws),
        "pillar": list(cm.pillars),
        "period": list(cm.periods),
        "scope": list(SCOPES),
        "netting": list(NETTINGS),
        "input": list(cm.inputs),
    }
    ds = xr.Dataset(coords=coords)
    variables = derive_variables(a, cm, out, x, years, names=("shortfall_by_year",))
    profile = variables.pop("shortfall_by_year")
    for name, (arr, dims) in variables.items():
        units = {"shortfall_per_year": "million EUR per year", "input_value": "see input_unit"}.get(name, UNITS)
        ds[name] = (("draw", *dims), arr, _attrs(name, units))
    ds["shortfall_by_year"] = profile
    if detail:
        ds = ds.assign_coords(component=list(cm.components))
    ds = ds.assign_coords(
        input_unit=("input", [i.unit for i in a.inputs]),
        input_group=("input", [i.group for i in a.inputs]),
        input_label_nl=("input", [i.label_nl for i in a.inputs]),
        input_label_en=("input", [i.label_en for i in a.inputs]),
        input_random=("input", np.array([int(r) for r in cm.plan.random], dtype=np.int8)),
        period_first_year=("period", [p.first_year for p in a.facts.periods]),
        period_last_year=("period", [p.last_year for p in a.facts.periods]),
        period_years=("period", [p.years for p in a.facts.periods]),
        pillar_label_nl=("pillar", [p.label_nl for p in a.facts.pillars]),
    )
    if cm.declared is not None:
        ds = _add_correlations(ds, cm, x)
    for name, (en, nl) in COORD_LABELS.items():
        if name in ds.coords:
            ds[name].attrs.update(long_name=nl, long_name_en=en, long_name_nl=nl)
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    entropy, spawn_key = root
    ds.attrs = {
        "title": "nplv-sim: Monte Carlo uncertainty of the NPLV remaining need (restopgave)",
        "institution": "nplv-sim",
        "source": f"nplv-sim {__version__}",
        "references": a.facts.report,
        "Conventions": "CF-1.10",
        "history": f"{now}: nplv-sim {__version__} simulate(draws={draws}, method={method!r}, deterministic={deterministic})",
        "comment": "Amounts in million EUR. shortfall excludes add-ons (Rebel's headline basis); *_incl_addons include them.",
        "nplv_sim_version": __version__,
        "assumptions_file": a.path,
        "assumptions_sha256": a.sha256,
        "assumptions_title": a.title,
        "facts_file": a.facts.path,
        "facts_sha256": a.facts.sha256,
        "scenario": a.scenario,
        "seed_entropy": str(entropy),
        "seed_spawn_key": ",".join(map(str, spawn_key)),
        "stream_key_scheme": STREAM_KEY_SCHEME,
        "n_draws": draws,
        "sampling_method": "deterministic" if deterministic else method,
        "block_size": BLOCK_SIZE,
        "deterministic": int(deterministic),
        "correlation": "Gaussian copula on declared rank correlations" if cm.declared is not None else "independent inputs",
        "created": now,
    }
    check_finite(ds, a.path)
    return ds


# Dimensions (after the leading draw axis) of the arrays derive_variables returns.
_DIMS5 = ("pillar", "period", "scope", "netting")
_DIMS4 = ("pillar", "period", "scope")
_COMP = ("component", "period", "scope")


def derive_variables(
    a: Assumptions,
    cm,
    out: dict[str, np.ndarray],
    x: np.ndarray,
    years: np.ndarray,
    names: tuple[str, ...] | list[str] = (),
) -> dict[str, tuple]:
    """Every draw variable of :func:`simulate` from the engine's arrays: name -> (array, dims).

    Arrays have draws leading (the layout of :func:`~nplv_sim.core.engine.run_block`);
    ``dims`` names the other axes. Plain numpy, used by :func:`simulate` and by the
    block-by-block summaries of :mod:`nplv_sim.streaming`. ``shortfall_by_year`` (a
    labelled DataArray) only when named in ``names``.
    """
    # Computed draws-last (the engine's layout: each step runs over contiguous rows of
    # draws) and returned as draws-first views.
    t = {k: np.moveaxis(v, 0, -1) for k, v in out.items()}
    s, si = t["shortfall"], t["shortfall_incl_addons"]
    s_all = np.add.reduce(s, axis=0)  # (P, S, N, n)
    p3 = _DIMS5[1:]
    v: dict[str, tuple] = {
        "shortfall": (s, _DIMS5),
        "shortfall_incl_addons": (si, _DIMS5),
        "shortfall_all_pillars": (s_all, p3),
        "shortfall_all_pillars_incl_addons": (np.add.reduce(si, axis=0), p3),
        "shortfall_per_year": (s_all / years[:, None, None, None], p3),
        "shortfall_2026_2035": (np.add.reduce(s_all, axis=0), p3[1:]),
        "need": (t["need_pillar"], _DIMS4),
        "funding": (t["funding_pillar"], _DIMS4),
        "need_incl_addons": (t["need_pillar_incl_addons"], _DIMS4),
    }
    if "need" in t:
        v["component_need"] = (t["need"], _COMP)
        v["component_funding"] = (t["funding"], _COMP)
        v["component_shortfall"] = (t["need"] - t["funding"], _COMP)
    v = {name: (np.moveaxis(arr, -1, 0), dims) for name, (arr, dims) in v.items()}
    v["input_value"] = (x, ("input",))
    if "shortfall_by_year" in names:
        v["shortfall_by_year"] = _year_profile(a, cm, s_all[:, :, 0])
    return v


def _year_profile(a: Assumptions, cm, by_period: np.ndarray) -> xr.DataArray:
    """Shortfall per calendar year, both pillars, pillar netting, from the period
    shortfall ``by_period`` (period, scope, draw).

    Need and arranged funding are spread evenly over their period's years; scenario
    money given per year (e.g. EUR 135 M from 2029) is taken in its own years. The years
    of a period sum exactly to the period figure.
    """
    years, period_of, n_years = [], [], []
    for p in a.facts.periods:
        for y in range(p.first_year, p.last_year + 1):
            years.append(y)
            period_of.append(list(cm.periods).index(p.name))
            n_years.append(p.years)
    scen = np.zeros((len(years), 2))
    for y, total, rijk in a.scenario_year_funding:
        scen[years.index(y)] += (total, rijk)
    scen_period = np.zeros_like(scen)
    for i, p in enumerate(period_of):
        scen_period[i] = scen[[j for j, q in enumerate(period_of) if q == p]].sum(axis=0)
    adjust = scen_period / np.array(n_years)[:, None] - scen
    # Draws-last (year, scope, draw): per year one division and one addition over
    # contiguous rows; shown draws-first.
    arr = np.empty((len(years), *by_period.shape[1:]))
    for i, (p, n) in enumerate(zip(period_of, n_years, strict=True)):
        np.divide(by_period[p], float(n), out=arr[i])
        arr[i] += adjust[i][:, None]
    out = xr.DataArray(np.moveaxis(arr, -1, 0), dims=("draw", "year", "scope"), coords={"year": years, "scope": list(SCOPES)})
    return out.assign_attrs(
        {
            "long_name": "Restopgave per jaar (beide pijlers)",
            "long_name_en": "Remaining need by year, both pillars",
            "long_name_nl": "Restopgave per jaar (beide pijlers)",
            "description": "Pillar netting. Period need and arranged funding spread evenly over the period's years; scenario money per year in its own years.",
            "units": "million EUR per year",
        }
    )


def _add_correlations(ds: xr.Dataset, cm, x: np.ndarray) -> xr.Dataset:
    names = list(cm.correlated)
    cols = [cm.inputs.index(n) for n in names]
    dims = ("corr_input", "corr_input_other")
    ds = ds.assign_coords(corr_input=names, corr_input_other=names)
    attrs = {"units": "1", "description": "Spearman rank correlation between inputs"}
    ds["correlation_declared"] = (dims, cm.declared, {**attrs, "long_name": "Opgegeven rangcorrelatie", "long_name_en": "Declared rank correlation (NaN: none declared, taken as 0)"})
    ds["correlation_target"] = (dims, cm.target, {**attrs, "long_name": "Doelrangcorrelatie na herstel", "long_name_en": "Rank correlation after repair to a valid matrix"})
    if x.shape[0] > 2:
        sample = x[: min(x.shape[0], ACHIEVED_SAMPLE), cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            achieved = spearman(sample)
    else:
        achieved = np.full((len(names), len(names)), np.nan)
    ds["correlation_achieved"] = (dims, achieved, {**attrs, "long_name": "Bereikte rangcorrelatie", "long_name_en": f"Achieved rank correlation in the draws (first {ACHIEVED_SAMPLE:,})"})
    return ds
