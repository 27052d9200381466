"""simulate(): core arrays -> a labelled, self-describing :class:`xarray.Dataset`."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from . import __version__, outputs, validation
from .compiled import CompiledModel, compile_assumptions
from .core.correlation import spearman
from .core.engine import BLOCK_SIZE, Block, KeepSink, blocks, evaluate_block, execute
from .core.seeding import STREAM_KEY_SCHEME, RootSeed
from .finite import check_finite
from .glossary import COORD_LABELS, term
from .schema import Assumptions
from .uplift import layer_state

__all__ = [
    "RunPlan", "estimate_bytes", "plan_run", "recorded_seed", "regenerate", "simulate", "stored", "to_dataset"
]

# Achieved rank correlations are computed on at most this many draws (SE <= 0.007).
ACHIEVED_SAMPLE = 20_000
# Peak memory of a kept run: its arrays times this (the engine's work arrays, the
# summary's sorted copies, the derived sums) plus the interpreter and its libraries.
# Measured at 10^6 draws (docs/performance.md): `nplv-sim run` 0.91 GiB for 0.66 GiB of
# arrays, `simulate()` 1.36 GiB for 1.21 GiB; 1.2 x arrays + 0.3 GiB covers both.
PEAK_OVER_DATASET = 1.2
BASE_BYTES = 300 * 2**20


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs besides the draw count: one compiled model, its seed, its
    sampling method and the output variables it produces (from :mod:`nplv_sim.outputs`).

    Every run mode (keep every draw, streamed summaries, precision, dask) starts from
    one ``RunPlan``, so they draw the same numbers and label them the same way.
    """

    assumptions: Assumptions
    cm: CompiledModel
    root: RootSeed
    method: str
    deterministic: bool
    detail: bool
    layout: outputs.Layout
    variables: tuple[outputs.OutputVariable, ...]

    def evaluate(self, block: Block, into=None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Inputs (K, n) and engine outputs (..., n) of one block, draws last."""
        return evaluate_block(self.cm.arrays, self.cm.plan, self.method, self.root, block, self.detail, into)

    def derive(self, x: np.ndarray, engine: dict[str, np.ndarray], wanted=None) -> dict[str, np.ndarray]:
        """The plan's variables (or ``wanted``) from engine arrays, draws last."""
        return outputs.derive({**engine, "inputs": x}, self.layout, self.variables if wanted is None else wanted)

    def coords(self, var: outputs.OutputVariable) -> dict[str, list]:
        """Coordinates of ``var``'s dimensions (after ``draw``)."""
        return {d: list(self.layout.coords[d]) for d in var.dims}

    def attrs(self, draws: int, call: str) -> dict[str, object]:
        """Provenance attributes of a run of ``draws`` draws made by ``call``."""
        a = self.assumptions
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
        entropy, spawn_key = self.root
        method = "deterministic" if self.deterministic else self.method
        return {
            "title": "nplv-sim: Monte Carlo uncertainty of the NPLV remaining need (restopgave)",
            "institution": "nplv-sim",
            "source": f"nplv-sim {__version__}",
            "references": a.facts.report,
            "Conventions": "CF-1.10",
            "history": f"{now}: nplv-sim {__version__} {call}(draws={draws}, method={method!r})",
            "comment": "Amounts in million EUR. shortfall excludes add-ons (Rebel's headline basis); "
            "*_incl_addons include them.",
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
            "sampling_method": method,
            "block_size": BLOCK_SIZE,
            "deterministic": int(self.deterministic),
            "detail": int(self.detail),
            "horizon": self.layout.horizon,
            "correlation": "Gaussian copula on declared rank correlations"
            if self.cm.declared is not None
            else "independent inputs",
            "calibration_anchor": a.calibration.anchor if a.calibration is not None else "none declared",
            "uplift_layer": layer_state(a),
            "created": now,
        }


def plan_run(
    assumptions: Assumptions,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    deterministic: bool = False,
    detail: bool = False,
    variables: Sequence[str] | None = None,
    also_draw: Collection[str] = (),
) -> RunPlan:
    """Check the arguments, compile the model once and fix the output variables.

    Parameters
    ----------
    assumptions : Assumptions
        From :func:`nplv_sim.load_assumptions`.
    rng : int, SeedSequence or None
        Root seed (SPEC 7); None draws fresh entropy (recorded in the attrs).
    method : {"random", "lhs", "sobol"}
        Sampling method.
    deterministic : bool
        Every input at its baseline value.
    detail : bool
        Also the per-component variables.
    variables : sequence of str, optional
        Only these output variables (default: all of the run).
    also_draw : collection of str
        Inputs drawn even where held fixed (common random numbers across variants; see
        :func:`nplv_sim.compiled.compile_assumptions`).

    Returns
    -------
    RunPlan
    """
    method = validation.check_method(method)
    root = validation.root_seed(rng)
    wanted = outputs.selected(detail)
    if variables is not None:
        if isinstance(variables, str):
            variables = [variables]
        known = [v.name for v in wanted]
        unknown = [v for v in variables if v not in known]
        if not variables or unknown:
            raise validation.InvalidArgument(
                f"unknown output variable {unknown[0]!r}; known: {', '.join(known)}"
                if unknown
                else "variables is empty: name at least one output variable"
            )
        wanted = outputs.selected(detail, variables)
    cm = compile_assumptions(assumptions, deterministic=deterministic, also_draw=also_draw)
    layout = outputs.layout_of(assumptions, cm.components, cm.inputs)
    return RunPlan(assumptions, cm, root, method, deterministic, detail, layout, wanted)


def estimate_bytes(plan: RunPlan, draws: int) -> int:
    """Peak memory of a run that keeps every draw, in bytes: its arrays times
    :data:`PEAK_OVER_DATASET` plus :data:`BASE_BYTES` (measured, see the constants)."""
    return int(draws * outputs.bytes_per_draw(plan.layout, plan.variables) * PEAK_OVER_DATASET) + BASE_BYTES


def label_coords(plan: RunPlan, dims) -> dict[str, tuple]:
    """Non-index coordinates that label the inputs, periods and pillars present in ``dims``."""
    a = plan.assumptions
    periods = a.facts.periods
    labels = {
        "input_unit": ("input", [i.unit for i in a.inputs]),
        "input_group": ("input", [i.group for i in a.inputs]),
        "input_label_nl": ("input", [i.label_nl for i in a.inputs]),
        "input_label_en": ("input", [i.label_en for i in a.inputs]),
        "input_random": ("input", np.array([int(r) for r in plan.cm.plan.random], dtype=np.int8)),
        "period_first_year": ("period", [p.first_year for p in periods]),
        "period_last_year": ("period", [p.last_year for p in periods]),
        "period_years": ("period", [p.years for p in periods]),
        "pillar_label_nl": ("pillar", [term(p.name, "nl") for p in a.facts.pillars]),  # the glossary's word
    }
    return {k: v for k, v in labels.items() if v[0] in dims}


def to_dataset(
    plan: RunPlan,
    x: np.ndarray,
    engine: dict[str, np.ndarray],
    call: str = "simulate",
    correlations: bool = True,
    check: bool = True,
) -> xr.Dataset:
    """The labelled Dataset of a run from its inputs (K, n) and engine arrays (..., n).

    Arrays are draws last (the engine's layout); the Dataset shows them draws first
    through zero-copy views, so users index ``draw`` first as usual.
    """
    draws = next(iter(engine.values())).shape[-1] if engine else x.shape[-1]
    values = plan.derive(x, engine)
    if check:
        # The engine's arrays hold the first inf or NaN (sums of finite amounts bounded by
        # the files' MAX_AMOUNT stay finite): checking them finds every one.
        inputs = x if x.shape[-1] == draws else _inputs_at(plan, x, draws)
        check_finite(engine, plan.assumptions.path, plan.cm.inputs, inputs)
    lay = plan.layout
    ds = xr.Dataset(coords={"draw": np.arange(draws)})
    for var in plan.variables:
        ds[var.name] = xr.DataArray(
            np.moveaxis(values[var.name], -1, 0),
            dims=("draw", *var.dims),
            coords=plan.coords(var),
            attrs=var.attrs(lay),
        )
    ds = ds.assign_coords(label_coords(plan, ds.dims))
    if correlations and plan.cm.declared is not None:
        ds = _add_correlations(ds, plan.cm, x)
    describe_coords(ds)
    ds.attrs = plan.attrs(draws, call)
    return ds


def _inputs_at(plan: RunPlan, x: np.ndarray, draws: int) -> Callable[[int], np.ndarray]:
    """Input values (K,) of any draw of a run that kept the inputs of its first draws only:
    the others are drawn again, bit for bit, from their block."""

    def at(draw: int) -> np.ndarray:
        if draw < x.shape[-1]:
            return x[:, draw]
        start = draw // BLOCK_SIZE * BLOCK_SIZE
        inputs, _ = plan.evaluate(Block(draw // BLOCK_SIZE, start, min(BLOCK_SIZE, draws - start)))
        return inputs[:, draw - start]

    return at


def describe_coords(ds: xr.Dataset) -> None:
    """Dutch and English long names on the dimension coordinates of ``ds`` (in place)."""
    for name, (en, nl) in COORD_LABELS.items():
        if name in ds.coords:
            ds[name].attrs.update(long_name=nl, long_name_en=en, long_name_nl=nl)


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
        variables of :data:`nplv_sim.outputs.REGISTRY`, with provenance in ``attrs``.

    Raises
    ------
    InvalidArgument
        A bad argument (also a ``ValueError``).
    """
    if not deterministic:
        validation.check_draws(draws)
    plan = plan_run(assumptions, rng, method, deterministic, detail)
    return simulate_plan(plan, draws, chunk_size, workers, progress)


def simulate_plan(
    plan: RunPlan,
    draws: int,
    chunk_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Run a plan from :func:`plan_run`, keeping every draw: :func:`simulate` after planning.

    Parameters
    ----------
    plan : RunPlan
        The compiled model, seed, method and output variables.
    draws, chunk_size, workers, progress
        As :func:`simulate`.

    Returns
    -------
    xarray.Dataset
    """
    workers = validation.check_positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
    if chunk_size is not None:
        chunk_size = validation.check_positive_int("chunk_size", chunk_size)
    draws = 1 if plan.deterministic else validation.check_draws(draws)
    validation.check_memory(estimate_bytes(plan, draws), draws)
    x, engine = run_kept(plan, draws, workers, -(-(chunk_size or BLOCK_SIZE) // BLOCK_SIZE), progress)
    return to_dataset(plan, x, engine)


def kept_arrays(plan: RunPlan, draws: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The uninitialised arrays :func:`run_kept` fills: inputs (K, draws; of the first
    draws only when no variable of the plan shows them) and the engine outputs the plan's
    variables need (..., draws), draws last."""
    sink = KeepSink(
        plan.cm.arrays, plan.cm.plan, plan.method, plan.root, draws, outputs.engine_outputs(plan.detail), plan.detail,
        # The inputs are kept whole only where the Dataset shows them; otherwise those of the
        # first draws suffice (for the achieved correlations): K x 8 bytes per draw less.
        input_draws=None if any(v.source == "inputs" for v in plan.variables) else min(draws, ACHIEVED_SAMPLE),
    )
    return sink.inputs, sink.outputs


def run_kept(
    plan: RunPlan,
    draws: int,
    workers: int = 1,
    blocks_per_task: int = 1,
    progress: Callable[[int, int], None] | None = None,
    into: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Evaluate every draw of a run into kept arrays (those of :func:`kept_arrays`, or
    ``into``, made by it beforehand).

    ``progress(done, draws)`` is called in draw order, each time once the first ``done``
    draws are final in the arrays (a file can take them from there while the run goes on).
    """
    arrays = kept_arrays(plan, draws) if into is None else into
    sink = KeepSink(
        plan.cm.arrays, plan.cm.plan, plan.method, plan.root, draws, None, plan.detail, into=arrays
    )
    execute(blocks(draws), sink, workers, blocks_per_task, None if progress is None else lambda d: progress(d, draws))
    return sink.inputs, sink.outputs


def stored_variables(detail: bool, keep: Sequence[str] = ()) -> tuple[str, ...]:
    """Names of the variables ``results.nc`` stores: the engine's, and the groups in ``keep``."""
    return tuple(v.name for v in outputs.selected(detail) if v.store in ("engine", *keep))


def stored(ds: xr.Dataset, keep: Sequence[str] = ()) -> xr.Dataset:
    """What ``results.nc`` holds: the engine's arrays, plus the regenerable groups named in
    ``keep`` (``"derived"``, ``"inputs"``); the rest is listed in
    ``attrs['regenerable_variables']`` and comes back with :func:`regenerate`."""
    bad = [k for k in keep if k not in outputs.STORE_GROUPS]
    if bad:
        raise validation.InvalidArgument(
            f"keep: unknown group {bad[0]!r}; choose from {', '.join(outputs.STORE_GROUPS)}"
        )
    drop = [
        name
        for name in ds.data_vars
        if outputs.variable(name) is not None and outputs.variable(name).store not in ("engine", *keep)
    ]
    out = ds.drop_vars(drop)
    # Coordinates of dimensions no stored variable uses go too (e.g. input labels).
    used = {d for v in out.data_vars.values() for d in v.dims}
    out = out.drop_vars([c for c, v in out.coords.items() if v.dims and not set(v.dims) <= used])
    left_out = [v.name for v in outputs.selected(bool(ds.attrs.get("detail", 0))) if v.name not in out]
    out.attrs["regenerable_variables"] = ",".join(left_out)
    out.attrs["regenerate_with"] = "nplv_sim.simulation.regenerate(xarray.open_dataset(path))"
    return out


def stored_skeleton(
    plan: RunPlan, arrays: tuple[np.ndarray, dict[str, np.ndarray]], keep: Sequence[str] = ()
) -> tuple[xr.Dataset, dict[str, np.ndarray]]:
    """What a results file (:func:`stored`) holds before any draw is made, and the kept
    arrays (of :func:`kept_arrays`) that fill its engine variables.

    Returns
    -------
    skeleton : Dataset
        Every stored draw variable at zero draws, with coordinates and attributes.
    fed : dict
        Engine variable name -> its array (..., draws), draws last.
    """
    x, engine = arrays
    empty = to_dataset(plan, x[:, :0], {k: v[..., :0] for k, v in engine.items()}, correlations=False, check=False)
    skeleton = stored(empty, keep)
    fed = {v.name: engine[v.source] for v in plan.variables if v.store == "engine" and v.name in skeleton.data_vars}
    return skeleton, fed


def recorded_seed(attrs: Mapping[str, Any]) -> np.random.SeedSequence:
    """The root seed a run recorded in its attrs (``seed_entropy``, ``seed_spawn_key``):
    pass it as ``rng`` to draw the very same numbers again."""
    spawn = tuple(int(k) for k in str(attrs.get("seed_spawn_key", "")).split(",") if k)
    return np.random.SeedSequence(int(attrs["seed_entropy"]), spawn_key=spawn)


def regenerate(ds: xr.Dataset, assumptions: Assumptions | None = None) -> xr.Dataset:
    """Add back the variables a results file leaves out: bit for bit what the run made.

    Derived variables (sums over pillars and periods, per year) are recomputed from the
    stored arrays with the run's own code; the drawn inputs (``input_value``) are drawn
    again from the recorded seed, which needs the run's assumptions (the file whose
    sha256 the results record).

    Parameters
    ----------
    ds : Dataset
        Results as written by ``nplv-sim run`` (or any subset of :func:`simulate`'s).
    assumptions : Assumptions, optional
        The run's assumptions; without them, ``input_value`` is not regenerated.

    Returns
    -------
    Dataset
        ``ds`` with every variable of the run.
    """
    from .assumptions import load_assumptions
    from .output import draws_first

    ds = draws_first(ds)  # results.nc holds draw last
    detail = bool(ds.attrs.get("detail", 0))
    missing = [v for v in outputs.selected(detail) if v.name not in ds]
    if assumptions is None:
        from .provenance import assumptions_for_results

        # The recorded file (a name, or a path), found and checked by its sha256.
        assumptions = load_assumptions(assumptions_for_results(ds, "the results"))
    a = assumptions
    if a.sha256 != ds.attrs.get("assumptions_sha256"):
        raise validation.InvalidArgument(
            f"the results' assumptions (sha256 {ds.attrs.get('assumptions_sha256')}) are not {a.path} "
            f"(sha256 {a.sha256})"
        )
    rng = recorded_seed(ds.attrs)
    method = str(ds.attrs["sampling_method"])
    deterministic = method == "deterministic"
    plan = plan_run(a, rng, "random" if deterministic else method, deterministic, detail)
    # The labels must be the model's: a file edited or made by another model is refused.
    for dim, labels in plan.layout.coords.items():
        if dim in ds.dims and [str(v) for v in ds[dim].values] != [str(v) for v in labels]:
            raise validation.InvalidArgument(
                f"its {dim} labels differ from those of {a.path}: report on it with the assumptions it was made from"
            )
    if not missing:
        return ds
    draws = ds.sizes["draw"]
    engine = {}
    for var in plan.variables:
        if var.source and var.name in ds:
            engine[var.source] = np.moveaxis(ds[var.name].transpose("draw", *var.dims).values, 0, -1)
    unknown = [v.source for v in plan.variables if v.source and v.source != "inputs" and v.source not in engine]
    if unknown:
        raise validation.InvalidArgument(f"lacks the stored variable for {unknown[0]!r}; was it written by nplv-sim?")
    if "input_value" in ds:
        x = np.ascontiguousarray(ds["input_value"].transpose("draw", "input").values.T)
    else:
        x, _ = run_kept(plan, draws, os.cpu_count() or 1)  # drawn again from the recorded seed
    full = to_dataset(plan, x, engine, correlations=False, check=False)
    ds = ds.copy()
    for v in missing:
        ds[v.name] = full[v.name]  # brings its coordinates (year, input labels) along
    return ds


def _add_correlations(ds: xr.Dataset, cm: CompiledModel, x: np.ndarray) -> xr.Dataset:
    """Declared, target and achieved rank correlations of the inputs; ``x`` is (K, n)."""
    names = list(cm.correlated)
    cols = [cm.inputs.index(n) for n in names]
    dims = ("corr_input", "corr_input_other")
    ds = ds.assign_coords(corr_input=names, corr_input_other=names)
    attrs = {"units": "1", "description": "Spearman rank correlation between inputs"}
    ds["correlation_declared"] = (
        dims,
        cm.declared,
        {
            **attrs,
            "long_name": "Opgegeven rangcorrelatie",
            "long_name_en": "Declared rank correlation (NaN: none declared, taken as 0)",
        },
    )
    ds["correlation_target"] = (
        dims,
        cm.target,
        {
            **attrs,
            "long_name": "Doelrangcorrelatie na herstel",
            "long_name_en": "Rank correlation after repair to a valid matrix",
        },
    )
    if x.shape[1] > 2:
        sample = x[cols, : min(x.shape[1], ACHIEVED_SAMPLE)].T
        with np.errstate(invalid="ignore", divide="ignore"):
            achieved = spearman(sample)
    else:
        achieved = np.full((len(names), len(names)), np.nan)
    ds["correlation_achieved"] = (
        dims,
        achieved,
        {
            **attrs,
            "long_name": "Bereikte rangcorrelatie",
            "long_name_en": f"Achieved rank correlation in the draws (first {ACHIEVED_SAMPLE:,})",
        },
    )
    return ds
