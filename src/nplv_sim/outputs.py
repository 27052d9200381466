"""The output registry: every draw variable nplv-sim produces, declared once.

Each :class:`OutputVariable` says what it is called (in English and Dutch), its
dimensions and units, how it is derived from the engine's arrays, whether
``P(value > 0)`` is reported for it, and whether ``results.nc`` stores it by default.
:func:`nplv_sim.simulate`, the streamed summaries, the dask engine, the memory estimate,
:func:`nplv_sim.summarize` and the tables all loop over :data:`REGISTRY`; adding an
output variable means adding a derivation to the model (if it needs new arithmetic) and
one entry here (see ``docs/model.md``, "Adding an output variable").

Years and horizons come from the facts file: a long name may contain ``{horizon}``
(the first year of the first period to the last year of the last, e.g. 2026–2035).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .schema import Assumptions

__all__ = [
    "REGISTRY",
    "STORE_GROUPS",
    "Layout",
    "OutputVariable",
    "bytes_per_draw",
    "derive",
    "layout_of",
    "engine_outputs",
    "selected",
    "table_variables",
    "variable",
]

UNITS = "million EUR"
# Engine arrays sit beside the registry variables under this prefix (the engine's "need"
# is per component, the registry's per pillar).
ENGINE_PREFIX = "engine."
SCOPES = ("total", "rijk")
NETTINGS = ("pillar", "component")
# What results.nc can hold: "engine" arrays are always stored; "derived" (sums and
# ratios of stored arrays) and "inputs" (regenerated from the seed) on request.
STORE_GROUPS = ("derived", "inputs")


@dataclass(frozen=True)
class Layout:
    """Coordinates of the dimensions a run's outputs use, from the facts and the model.

    Attributes
    ----------
    coords : mapping
        Dimension name -> labels (pillar, period, scope, netting, component, input, year).
    period_years : ndarray
        (P,) number of calendar years in each period.
    horizon : str
        First to last year of the periods, with an en dash (``2026–2035``).
    year_period : ndarray
        (Y,) index of the period each calendar year belongs to.
    year_adjust : ndarray
        (Y, scope) scenario money per year minus its even spread over the period
        [million EUR]: added to the evenly spread shortfall to get the year profile.
    """

    coords: Mapping[str, tuple]
    period_years: np.ndarray
    horizon: str
    year_period: np.ndarray
    year_adjust: np.ndarray

    def size(self, dim: str) -> int:
        """Length of dimension ``dim``."""
        return len(self.coords[dim])


def layout_of(a: Assumptions, components: Sequence[str], inputs: Sequence[str]) -> Layout:
    """The :class:`Layout` of a run of ``a`` with the compiled model's components and inputs."""
    periods = a.facts.periods
    years = [y for p in periods for y in range(p.first_year, p.last_year + 1)]
    year_period = np.array([i for i, p in enumerate(periods) for _ in range(p.years)], dtype=np.intp)
    per_year = np.zeros((len(years), len(SCOPES)))
    for y, total, rijk in a.scenario_year_funding:
        per_year[years.index(y)] += (total, rijk)
    # Scenario money given per year is taken in its own years; the need and the arranged
    # funding are spread evenly over their period.
    in_period = np.zeros_like(per_year)
    for i, p in enumerate(periods):
        rows = year_period == i
        in_period[rows] = per_year[rows].sum(axis=0) / p.years
    return Layout(
        coords={
            "pillar": tuple(p.name for p in a.facts.pillars),
            "period": tuple(p.name for p in periods),
            "scope": SCOPES,
            "netting": NETTINGS,
            "component": tuple(components),
            "input": tuple(inputs),
            "year": tuple(years),
        },
        period_years=np.array([p.years for p in periods], dtype=float),
        horizon=f"{periods[0].first_year}\u2013{periods[-1].last_year}" if periods else "",
        year_period=year_period,
        year_adjust=in_period - per_year,
    )


# A derivation maps the arrays computed so far (engine outputs under their engine names,
# registry variables under theirs; all draws LAST) and the layout to a draws-last array.
Derivation = Callable[[Mapping[str, np.ndarray], Layout], np.ndarray]


@dataclass(frozen=True)
class OutputVariable:
    """One output variable of a run.

    Attributes
    ----------
    name : str
        Variable name in the Dataset.
    dims : tuple of str
        Dimensions after ``draw``.
    long_name_en, long_name_nl : str
        Labels (may contain ``{horizon}``).
    description : str
        What it holds, in English.
    derive : callable, optional
        ``derive(arrays, layout)`` -> draws-last array of shape (*dims, n).
    source : str
        Instead of ``derive``: the engine array (or ``"inputs"``) the variable is.
    store : str
        ``"engine"`` (stored in results.nc), ``"derived"`` or ``"inputs"`` (regenerable
        bit for bit, stored on request).
    prob_positive : bool
        Report ``P(value > 0)`` (the probability of a shortfall).
    detail : bool
        Only with ``detail=True`` (per component).
    in_table : bool
        Listed in the summary tables (``summary.csv``, the terminal table).
    basis : str
        For shortfall variables: ``"excl_addons"`` (Rebel's headline basis, without
        funderingsherstel) or ``"incl_addons"``.
    units : str
        Units of the values.
    """

    name: str
    dims: tuple[str, ...]
    long_name_en: str
    long_name_nl: str
    description: str
    derive: Derivation | None = None
    source: str = ""
    store: str = "engine"
    prob_positive: bool = False
    detail: bool = False
    in_table: bool = False
    basis: str = ""
    units: str = UNITS

    def attrs(self, layout: Layout) -> dict[str, str]:
        """netCDF attributes: Dutch ``long_name`` (for plot labels), both languages, units."""
        en = self.long_name_en.format(horizon=layout.horizon)
        nl = self.long_name_nl.format(horizon=layout.horizon)
        return {
            "long_name": nl,
            "long_name_en": en,
            "long_name_nl": nl,
            "description": self.description,
            "units": self.units,
        }

    def cells(self, layout: Layout) -> int:
        """Values per draw."""
        return int(np.prod([layout.size(d) for d in self.dims], dtype=np.int64))


def _by_year(t: Mapping[str, np.ndarray], lay: Layout) -> np.ndarray:
    by_period = t["shortfall_all_pillars"][:, :, 0]  # (P, S, n), pillar netting
    out = np.empty((len(lay.year_period), *by_period.shape[1:]))
    for i, p in enumerate(lay.year_period):
        np.divide(by_period[p], lay.period_years[p], out=out[i])
        out[i] += lay.year_adjust[i][:, None]
    return out


_CELL = ("pillar", "period", "scope", "netting")

REGISTRY: tuple[OutputVariable, ...] = (
    OutputVariable(
        "shortfall",
        _CELL,
        "Remaining need (shortfall)",
        "Restopgave",
        "Gross need minus arranged funding, Rebel's headline basis (excluding add-ons such as "
        "funderingsherstel). Negative = surplus.",
        source="shortfall",
        prob_positive=True,
        in_table=True,
        basis="excl_addons",
    ),
    OutputVariable(
        "shortfall_incl_addons",
        _CELL,
        "Remaining need including add-ons",
        "Restopgave inclusief aanvullende ramingen",
        "As shortfall, including add-ons (funderingsherstel and any other enabled add-on).",
        source="shortfall_incl_addons",
        prob_positive=True,
        in_table=True,
        basis="incl_addons",
    ),
    OutputVariable(
        "shortfall_all_pillars",
        _CELL[1:],
        "Remaining need, both pillars",
        "Totale restopgave (beide pijlers)",
        "Sum of the shortfall over pillars (Table 1 of the report).",
        lambda t, _: np.add.reduce(t["shortfall"], axis=0),
        store="derived",
        prob_positive=True,
        in_table=True,
        basis="excl_addons",
    ),
    OutputVariable(
        "shortfall_all_pillars_incl_addons",
        _CELL[1:],
        "Remaining need, both pillars, including add-ons",
        "Totale restopgave inclusief aanvullende ramingen",
        "Sum over pillars, including add-ons.",
        lambda t, _: np.add.reduce(t["shortfall_incl_addons"], axis=0),
        store="derived",
        prob_positive=True,
        in_table=True,
        basis="incl_addons",
    ),
    OutputVariable(
        "shortfall_per_year",
        _CELL[1:],
        "Remaining need per year, both pillars",
        "Resterende jaarlijkse opgave",
        "shortfall_all_pillars divided by the number of years in the period.",
        lambda t, lay: t["shortfall_all_pillars"] / lay.period_years[:, None, None, None],
        store="derived",
        prob_positive=True,
        in_table=True,
        units="million EUR per year",
        basis="excl_addons",
    ),
    OutputVariable(
        "shortfall_all_periods",
        _CELL[2:],
        "Remaining need {horizon}, both pillars",
        "Totale restopgave {horizon} (beide pijlers)",
        "Sum of shortfall_all_pillars over the periods.",
        lambda t, _: np.add.reduce(t["shortfall_all_pillars"], axis=0),
        store="derived",
        prob_positive=True,
        in_table=True,
        basis="excl_addons",
    ),
    OutputVariable(
        "shortfall_all_periods_incl_addons",
        _CELL[2:],
        "Remaining need {horizon}, both pillars, including add-ons",
        "Totale restopgave {horizon} inclusief aanvullende ramingen",
        "Sum of shortfall_all_pillars_incl_addons over the periods.",
        lambda t, _: np.add.reduce(t["shortfall_all_pillars_incl_addons"], axis=0),
        store="derived",
        prob_positive=True,
        in_table=True,
        basis="incl_addons",
    ),
    OutputVariable(
        "need", _CELL[:3], "Gross need", "Opgave", "Gross need by pillar, headline basis.", source="need_pillar"
    ),
    OutputVariable(
        "funding",
        _CELL[:3],
        "Arranged funding",
        "Dekking",
        "Funding already arranged, by pillar, after realisation.",
        source="funding_pillar",
    ),
    OutputVariable(
        "need_incl_addons",
        _CELL[:3],
        "Gross need including add-ons",
        "Opgave inclusief aanvullende ramingen",
        "Gross need by pillar with add-ons.",
        source="need_pillar_incl_addons",
    ),
    OutputVariable(
        "component_need",
        ("component", "period", "scope"),
        "Gross need by component",
        "Opgave per onderdeel",
        "Gross need per component or theme.",
        source="need",
        detail=True,
    ),
    OutputVariable(
        "component_funding",
        ("component", "period", "scope"),
        "Arranged funding by component",
        "Dekking per onderdeel",
        "Funding allocated to each component or theme.",
        source="funding",
        detail=True,
    ),
    OutputVariable(
        "component_shortfall",
        ("component", "period", "scope"),
        "Remaining need by component",
        "Restopgave per onderdeel",
        "Need minus funding per component.",
        lambda t, _: t["component_need"] - t["component_funding"],
        store="derived",
        detail=True,
    ),
    OutputVariable(
        "input_value",
        ("input",),
        "Drawn input value",
        "Getrokken invoerwaarde",
        "The value of each uncertain input in each draw; units in the input_unit coordinate.",
        source="inputs",
        store="inputs",
        units="see input_unit",
    ),
    OutputVariable(
        "shortfall_by_year",
        ("year", "scope"),
        "Remaining need by year, both pillars",
        "Restopgave per jaar (beide pijlers)",
        "Pillar netting. Period need and arranged funding spread evenly over the period's years; scenario money "
        "per year in its own years.",
        _by_year,
        store="derived",
        prob_positive=True,
        units="million EUR per year",
        basis="excl_addons",
    ),
)


def variable(name: str) -> OutputVariable | None:
    """The registry entry called ``name``, or None for a variable the registry does not
    declare (e.g. a scenario difference)."""
    return next((v for v in REGISTRY if v.name == name), None)


def selected(detail: bool = False, names: Sequence[str] | None = None) -> tuple[OutputVariable, ...]:
    """Registry entries of a run, in registry order: all (with ``detail``, also per
    component), or those in ``names``."""
    return tuple(v for v in REGISTRY if (detail or not v.detail) and (names is None or v.name in names))


def engine_outputs(detail: bool) -> tuple[str, ...]:
    """Names of the engine arrays a run keeps for every draw."""
    return tuple(v.source for v in selected(detail) if v.source and v.source != "inputs")


def derive(engine: Mapping[str, np.ndarray], layout: Layout, wanted: Sequence[OutputVariable]) -> dict[str, np.ndarray]:
    """Every variable in ``wanted`` from the engine's draws-last arrays.

    ``engine`` holds the engine outputs under their engine names and the inputs under
    ``"inputs"`` (K, n). A variable may use any registry variable before it; those are
    computed too when needed, but only ``wanted`` is returned (draws last).
    """
    arrays: dict[str, np.ndarray] = {ENGINE_PREFIX + k: a for k, a in engine.items()}
    needed = {v.name for v in wanted}
    last = max((REGISTRY.index(v) for v in wanted), default=-1)
    for v in REGISTRY[: last + 1]:
        if v.name in arrays:
            continue
        try:
            arrays[v.name] = arrays[ENGINE_PREFIX + v.source] if v.source else v.derive(arrays, layout)
        except KeyError:  # needs an engine array this run did not keep (e.g. detail)
            if v.name in needed:
                raise
    return {v.name: arrays[v.name] for v in wanted}


def bytes_per_draw(layout: Layout, wanted: Sequence[OutputVariable]) -> int:
    """Bytes per draw of float64 arrays for ``wanted``."""
    return 8 * sum(v.cells(layout) for v in wanted)


def table_variables() -> tuple[str, ...]:
    """Names of the variables the summary tables list, in registry order."""
    return tuple(v.name for v in REGISTRY if v.in_table)
