"""Load assumptions files (TOML) into validated, frozen :class:`~nplv_sim.schema.Assumptions`.

Two kinds of file (see ``docs/assumptions-files.md``):

* a **facts** file (``schema = "nplv-sim/facts/1"``): the report's figures only;
* an **uncertainty** file (``schema = "nplv-sim/uncertainty/1"``): laws, correlations and
  add-ons, pointing to its facts file with ``facts = "..."``.

Either can be loaded; a facts file alone gives a model without uncertainty. Every error
is one :class:`~nplv_sim.errors.AssumptionsError` naming file, entry and field.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .core.distributions import LAWS, Z_MAX, LawError, LogNormal, Normal, make_law
from .core.seeding import check_distinct_streams
from .effects import EFFECTS, TARGET_FIELDS
from .errors import AssumptionsError, suggest, suggest_or_list
from .glossary import PILLARS
from .schema import (
    ANCHORS,
    UPLIFT_GROUP,
    Addon,
    Assumptions,
    Calibration,
    Component,
    Correlation,
    Document,
    ExtraFunding,
    Facts,
    FundingSource,
    Input,
    Note,
    Period,
    Pillar,
    Published,
    VatGroup,
)
from .tomlreader import AMOUNT_HINT, MAX_AMOUNT, Table, read_toml_hashed, tables

__all__ = ["DEFAULT_ASSUMPTIONS", "default_assumptions_path", "load_assumptions", "load_facts"]

FACTS_SCHEMA = "nplv-sim/facts/1"
UNCERTAINTY_SCHEMA = "nplv-sim/uncertainty/1"
DEFAULT_ASSUMPTIONS = "rebel_2026_uncertainty.toml"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MEASURES = ("shortfall", "shortfall_per_year", "need", "funding")

# The fields each kind of entry may hold; anything else is refused with a close spelling.
FACTS_FIELDS = (
    "schema",
    "title",
    "report",
    "seed_file",
    "periods",
    "pillars",
    "components",
    "sources",
    "figures",
    "published",
    "notes",
    "documents",
)
PERIOD_FIELDS = ("first_year", "last_year", "label_nl", "label_en", "source")
PILLAR_FIELDS = ("source",)  # the words for a pillar are the glossary's
COMPONENT_FIELDS = ("pillar", "label_nl", "label_en", "need", "rijk_key", "published_rijk", "source", "note")
SOURCE_FIELDS = ("pillar", "period", "label_nl", "cofin", "rijk", "allocation", "source", "note")
FIGURE_FIELDS = ("value", "unit", "source", "note")
DOCUMENT_FIELDS = ("title", "title_nl")
NOTE_FIELDS = ("topic", "topic_nl", "source", "source_nl", "note", "note_nl", "scenario")
PUBLISHED_FIELDS = (
    "figure", "measure", "pillar", "period", "scope", "netting", "value", "source", "source_nl", "note", "note_nl"
)
UNCERTAINTY_FIELDS = (
    "schema",
    "title",
    "facts",
    "vat_groups",
    "addons",
    "extra_funding",
    "inputs",
    "correlation",
    "correlation_matrix",
    "calibration",
)
CALIBRATION_FIELDS = ("anchor", "source", "source_nl", "rationale", "rationale_nl")
# How far an estimation-error multiplier's median or mean may lie from 1 (float rounding).
ANCHOR_TOLERANCE = 1e-9
VAT_GROUP_FIELDS = ("components", "label_en", "source")
# Texts in two languages: `x` in English and `x_nl` in Dutch (the Dutch output falls back
# to the English text, marked, where a file gives none).
_TEXTS = ("source", "source_nl", "rationale", "rationale_nl")
ADDON_FIELDS = ("pillar", "label_en", "label_nl", "parts", "year_weights", "enabled", *_TEXTS)
EXTRA_FUNDING_FIELDS = ("component", "pro_rata_rijk", "local_match", "label_en", "label_nl", *_TEXTS)
CORRELATION_FIELDS = ("inputs", "rho", *_TEXTS)
MATRIX_FIELDS = ("inputs", "matrix", *_TEXTS)


def distributions_dir() -> Path:
    """Folder of the shipped assumptions files (repository or installed package)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_distributions", here.parent.parent / "distributions"):
        if candidate.is_dir():
            return candidate
    raise AssumptionsError(here, "", "the shipped distributions/ folder is missing from this installation")


def default_assumptions_path() -> Path:
    """Path of the shipped default uncertainty file."""
    return distributions_dir() / DEFAULT_ASSUMPTIONS


def _check_name(t: Table, name: str) -> None:
    if not _NAME.match(name):
        raise t.error("", f"name {name!r} must be lower-case letters, digits and '_', starting with a letter")


def _top(path: Path, data: dict, schema: str, fields: tuple[str, ...]) -> Table:
    top = Table(path, "", data)
    found = top.raw("schema")
    if found != schema:
        other = UNCERTAINTY_SCHEMA if schema == FACTS_SCHEMA else FACTS_SCHEMA
        if found is None:
            raise top.error(
                "schema", "is missing: the file must start with a schema line", f'expected schema = "{schema}"'
            )
        hint = "this is the other kind of file" if found == other else f'expected schema = "{schema}"'
        raise top.error("schema", f"is {found!r}", hint)
    top.expect(fields)
    return top


def _unknown(t: Table, field: str, what: str, value: str, known: list[str] | tuple[str, ...]) -> AssumptionsError:
    """Error for a name that is not among ``known``, with a close spelling or the list."""
    return t.error(field, f"unknown {what} {value!r}", suggest_or_list(value, known))


def load_facts(path: str | Path) -> Facts:
    """Load and validate a facts file.

    Parameters
    ----------
    path : str or Path
        A TOML file with ``schema = "nplv-sim/facts/1"``.

    Returns
    -------
    Facts
    """
    path = Path(path)
    data, sha256 = read_toml_hashed(path)
    return _facts(path, data, sha256)


def _facts(path: Path, data: dict, sha256: str) -> Facts:
    """The facts from a parsed facts file and the sha256 of the bytes that were parsed."""
    if data.get("schema") == FACTS_SCHEMA and ("inputs" in data or "facts" in data):
        raise AssumptionsError(
            path,
            "",
            f"schema: is {FACTS_SCHEMA!r} but the file holds uncertainty entries (facts, inputs)",
            f'expected schema = "{UNCERTAINTY_SCHEMA}"',
        )
    top = _top(path, data, FACTS_SCHEMA, FACTS_FIELDS)
    title = top.string("title")
    report = top.string("report")
    top.raw("seed_file")

    periods = []
    for t in tables(path, top, "periods"):
        name = t.entry.split(".", 1)[1]
        t.expect(PERIOD_FIELDS)
        first, last = t.integer("first_year"), t.integer("last_year")
        if last < first:
            raise t.error("last_year", f"= {last} comes before first_year = {first}")
        periods.append(Period(name, first, last, t.string("label_nl"), t.string("label_en"), t.string("source")))
        t.finish()
    periods.sort(key=lambda p: p.first_year)
    for a, b in zip(periods, periods[1:], strict=False):
        if b.first_year != a.last_year + 1:
            raise AssumptionsError(
                path,
                f"periods.{b.name}",
                f"first_year: {b.first_year} does not follow {a.name}'s last year {a.last_year}",
            )
    period_names = [p.name for p in periods]

    pillars = []
    for t in tables(path, top, "pillars"):
        name = t.entry.split(".", 1)[1]
        _check_name(t, name)
        for field in ("label_nl", "label_en"):
            if t.has(field):
                raise t.error(field, "a pillar's words come from the glossary, not the facts file", "remove the line")
        t.expect(PILLAR_FIELDS)
        if name not in PILLARS:
            raise _unknown(t, "", "pillar", name, PILLARS)
        pillars.append(Pillar(name, t.string("source")))
        t.finish()
    pillar_names = [p.name for p in pillars]

    components = []
    for t in tables(path, top, "components"):
        name = t.entry.split(".", 1)[1]
        _check_name(t, name)
        t.expect(COMPONENT_FIELDS)
        pillar = t.string("pillar")
        if pillar not in pillar_names:
            raise _unknown(t, "pillar", "pillar", pillar, pillar_names)
        components.append(
            Component(
                name=name,
                pillar=pillar,
                label_nl=t.string("label_nl"),
                label_en=t.string("label_en"),
                need=MappingProxyType(t.mapping("need", period_names, low=0.0, high=MAX_AMOUNT)),
                rijk_key=t.number("rijk_key", low=0.0, high=1.0),
                published_rijk=MappingProxyType(
                    t.mapping("published_rijk", period_names, low=0.0, required=False, high=MAX_AMOUNT)
                ),
                source=t.string("source"),
                note=t.string("note", ""),
            )
        )
        t.finish()
    comp_pillar = {c.name: c.pillar for c in components}

    sources = []
    for t in tables(path, top, "sources"):
        name = t.entry.split(".", 1)[1]
        _check_name(t, name)
        t.expect(SOURCE_FIELDS)
        sources.append(_funding_source(t, name, pillar_names, period_names, comp_pillar))
        t.finish()

    figures: dict[str, Any] = {}
    for t in tables(path, top, "figures", required=False):
        name = t.entry.split(".", 1)[1]
        t.expect(FIGURE_FIELDS)
        value = t.raw("value")
        if value is None:
            raise t.error("value", "is required")
        t.string("unit")
        t.string("source")
        t.string("note", "")
        figures[name] = value
        t.finish()

    published = []
    raw_published = top.raw("published", [])
    if not isinstance(raw_published, list):
        raise top.error("published", "must be an array of tables ([[published]])")
    for i, entry in enumerate(raw_published):
        t = Table(path, f"published[{i}]", entry)
        t.expect(PUBLISHED_FIELDS)
        published.append(_published(t, pillar_names, period_names))
        t.finish()
    notes = []
    raw_notes = top.raw("notes", [])
    if not isinstance(raw_notes, list):
        raise top.error("notes", "must be an array of tables ([[notes]])")
    for i, entry in enumerate(raw_notes):
        t = Table(path, f"notes[{i}]", entry)
        t.expect(NOTE_FIELDS)
        notes.append(Note(t.string("topic"), t.string("source"), t.string("note"), t.string("scenario", ""),
                          t.string("topic_nl", ""), t.string("source_nl", ""), t.string("note_nl", "")))
        t.finish()
    documents = []
    for t in tables(path, top, "documents", required=False):
        t.expect(DOCUMENT_FIELDS)
        documents.append(Document(t.entry.split(".", 1)[1], t.string("title"), t.string("title_nl", "")))
        t.finish()
    top.finish()
    return Facts(
        path=str(path),
        sha256=sha256,
        title=title,
        report=report,
        periods=tuple(periods),
        pillars=tuple(pillars),
        components=tuple(components),
        sources=tuple(sources),
        figures=MappingProxyType(figures),
        published=tuple(published),
        notes=tuple(notes),
        documents=tuple(documents),
        data=MappingProxyType(data),
    )


def _funding_source(
    t: Table, name: str, pillars: list[str], periods: list[str], comp_pillar: dict[str, str]
) -> FundingSource:
    pillar = t.string("pillar")
    if pillar not in pillars:
        raise _unknown(t, "pillar", "pillar", pillar, pillars)
    period = t.string("period")
    if period not in periods:
        raise _unknown(t, "period", "period", period, periods)
    allocation = t.mapping("allocation", low=0.0)
    if not allocation:
        raise t.error("allocation", "must name at least one component")
    for comp in allocation:
        if comp not in comp_pillar:
            raise t.error(
                f"allocation.{comp}",
                "unknown component",
                suggest(comp, list(comp_pillar))
                or suggest_or_list(comp, [c for c, q in comp_pillar.items() if q == pillar]),
            )
        if comp_pillar[comp] != pillar:
            raise t.error(
                f"allocation.{comp}", f"component belongs to pillar {comp_pillar[comp]!r}, the source to {pillar!r}"
            )
    total = sum(allocation.values())
    if total <= 0:
        raise t.error("allocation", "weights must not all be zero")
    return FundingSource(
        name=name,
        pillar=pillar,
        period=period,
        label_nl=t.string("label_nl", name),
        cofin=t.number("cofin", low=0.0, high=MAX_AMOUNT),
        rijk=t.number("rijk", low=0.0, high=MAX_AMOUNT),
        allocation=MappingProxyType({k: v / total for k, v in allocation.items()}),
        source=t.string("source"),
        note=t.string("note", ""),
    )


def _published(t: Table, pillars: list[str], periods: list[str]) -> Published:
    measure = t.string("measure")
    if measure not in MEASURES:
        raise _unknown(t, "measure", "measure", measure, MEASURES)
    pillar = t.string("pillar")
    if pillar not in [*pillars, "all"]:
        raise _unknown(t, "pillar", "pillar", pillar, [*pillars, "all"])
    period = t.string("period")
    if period not in periods:
        raise _unknown(t, "period", "period", period, periods)
    scope = t.string("scope")
    if scope not in ("total", "rijk"):
        raise t.error("scope", f"must be 'total' or 'rijk', got {scope!r}")
    netting = t.string("netting", "pillar")
    if netting not in ("pillar", "component"):
        raise t.error("netting", f"must be 'pillar' or 'component', got {netting!r}")
    return Published(
        figure=t.string("figure"),
        measure=measure,
        pillar=pillar,
        period=period,
        scope=scope,
        netting=netting,
        value=t.number("value", low=-MAX_AMOUNT, high=MAX_AMOUNT),
        source=t.string("source"),
        note=t.string("note", ""),
        source_nl=t.string("source_nl", ""),
        note_nl=t.string("note_nl", ""),
    )


# --------------------------------------------------------------------------------------
# Uncertainty file
# --------------------------------------------------------------------------------------
# Fields every input has, whatever its effect.
_DOC_FIELDS = frozenset(
    {"group", "label_en", "label_nl", "unit", "enabled", "source", "source_nl", "rationale", "rationale_nl"}
)
_INPUT_META = _DOC_FIELDS | {"distribution", "baseline", "effect"} | TARGET_FIELDS


def load_assumptions(path: str | Path | None = None, allow_outside: bool = False) -> Assumptions:
    """Load and validate an assumptions file.

    Parameters
    ----------
    path : str or Path, optional
        An uncertainty file (which names its facts file) or a facts file alone. None
        loads the shipped default, ``distributions/rebel_2026_uncertainty.toml``.
    allow_outside : bool
        Let an uncertainty file's ``facts = "..."`` name a file outside the uncertainty
        file's folder (after following links). Off by default, so that a file someone
        sent cannot make nplv-sim read ``/etc/passwd`` or ``~/.ssh``.

    Returns
    -------
    Assumptions
        Frozen, validated assumptions.

    Raises
    ------
    AssumptionsError
        On any problem, naming the file, the entry and the field.
    """
    path = default_assumptions_path() if path is None else Path(path)
    data, sha256 = read_toml_hashed(path)
    if data.get("schema") == FACTS_SCHEMA:
        facts = _facts(path, data, sha256)
        return Assumptions(path=str(path), sha256=facts.sha256, title=facts.title, facts=facts)
    top = _top(path, data, UNCERTAINTY_SCHEMA, UNCERTAINTY_FIELDS)
    title = top.string("title")
    facts = load_facts(_facts_path(path, top, allow_outside))
    refs = dict(facts.data)
    vat_groups = _vat_groups(path, top, refs, facts)
    addons = _addons(path, top, refs, facts)
    extra = _extra_funding(path, top, refs, facts)
    names = {
        "components": [c.name for c in facts.components],
        "periods": [p.name for p in facts.periods],
        "pillars": [p.name for p in facts.pillars],
        "sources": [s.name for s in facts.sources],
        "vat_group": [g.name for g in vat_groups],
        "addon": [a.name for a in addons],
        "extra_funding": [e.name for e in extra],
    }
    inputs = _inputs(path, top, refs, names)
    _check_roles(path, inputs, vat_groups, addons, extra)
    correlations, matrix = _correlations(path, top, [i.name for i in inputs])
    calibration = _calibration(path, top, inputs)
    top.finish()
    return Assumptions(
        path=str(path),
        sha256=sha256,
        title=title,
        facts=facts,
        inputs=tuple(inputs),
        vat_groups=tuple(vat_groups),
        addons=tuple(addons),
        extra_funding=tuple(extra),
        correlations=tuple(correlations),
        correlation_matrix=matrix,
        calibration=calibration,
    )


def _facts_path(path: Path, top: Table, allow_outside: bool) -> Path:
    """The facts file an uncertainty file names: beside it (unless ``allow_outside``), existing, not itself."""
    facts_name = top.string("facts")
    facts_path = (path.parent / facts_name).resolve()
    home = path.resolve().parent
    if not allow_outside and not facts_path.is_relative_to(home):
        raise top.error(
            "facts",
            f"{facts_name!r} lies outside the folder of {path.name} ({str(home)!r})",
            "put the facts file beside the uncertainty file, or pass --allow-outside",
        )
    if not facts_path.exists():
        try:
            nearby = [f.name for f in facts_path.parent.glob("*.toml")]
        except OSError:
            nearby = []
        raise top.error(
            "facts",
            f"file {facts_name!r} not found (looked for {str(facts_path)!r}, relative to {path.name})",
            suggest(facts_path.name, nearby),
        )
    if facts_path == path.resolve():
        raise top.error("facts", f"names this file itself ({facts_name!r}); it must name the facts file")
    return facts_path


def _entries(path: Path, top: Table, section: str, refs: dict, fields: Any, required: bool = False):
    """``(name, table)`` of each ``[section.NAME]``, its name and fields checked."""
    for t in tables(path, top, section, refs, required=required):
        name = t.entry.split(".", 1)[1]
        _check_name(t, name)
        if fields is not None:
            t.expect(fields)
        yield name, t


def _vat_groups(path: Path, top: Table, refs: dict, facts: Facts) -> list[VatGroup]:
    """``[vat_groups.NAME]``: components whose VAT is modelled together, each in one group."""
    comp_names = [c.name for c in facts.components]
    groups = []
    for name, t in _entries(path, top, "vat_groups", refs, VAT_GROUP_FIELDS):
        groups.append(VatGroup(name, t.names("components", comp_names), t.string("label_en", name), t.string("source")))
        t.finish()
    seen: dict[str, str] = {}
    for g in groups:
        for c in g.components:
            if c in seen:
                raise AssumptionsError(
                    path, f"vat_groups.{g.name}", f"components: {c!r} is already in vat group {seen[c]!r}"
                )
            seen[c] = g.name
    return groups


def _addons(path: Path, top: Table, refs: dict, facts: Facts) -> list[Addon]:
    """``[addons.NAME]``: need outside Rebel's headline, whose components may not clash with the facts'."""
    years = [y for p in facts.periods for y in range(p.first_year, p.last_year + 1)]
    pillar_names = [p.name for p in facts.pillars]
    addons = []
    for name, t in _entries(path, top, "addons", refs, ADDON_FIELDS):
        addons.append(_addon(t, name, pillar_names, years))
        t.finish()
    facts_components = {c.name for c in facts.components}
    for ad in addons:
        for part in ad.parts:
            if ad.component_name(part) in facts_components:
                raise AssumptionsError(
                    path,
                    f"addons.{ad.name}",
                    f"parts.{part}: the add-on's component {ad.component_name(part)!r} clashes with a component"
                    " of the facts file",
                    "rename the add-on or the part",
                )
    return addons


def _extra_funding(path: Path, top: Table, refs: dict, facts: Facts) -> list[ExtraFunding]:
    """``[extra_funding.NAME]``: money not yet arranged, a share of a pro-rata amount per period."""
    comp_names = [c.name for c in facts.components]
    period_names = [p.name for p in facts.periods]
    extra = []
    for name, t in _entries(path, top, "extra_funding", refs, EXTRA_FUNDING_FIELDS):
        comp = t.string("component")
        if comp not in comp_names:
            raise _unknown(t, "component", "component", comp, comp_names)
        extra.append(
            ExtraFunding(
                name=name,
                component=comp,
                pro_rata=MappingProxyType(t.mapping("pro_rata_rijk", period_names, low=0.0, high=MAX_AMOUNT)),
                local_match=t.number("local_match", 0.0, low=0.0),
                label_en=t.string("label_en", name),
                label_nl=t.string("label_nl", name),
                source=t.string("source"),
                rationale=t.string("rationale"),
                source_nl=t.string("source_nl", ""),
                rationale_nl=t.string("rationale_nl", ""),
            )
        )
        t.finish()
    return extra


def _inputs(path: Path, top: Table, refs: dict, names: dict[str, list[str]]) -> list[Input]:
    """``[inputs.NAME]``: every input, with names that draw distinct random streams."""
    inputs = [_input(t, name, names) for name, t in _entries(path, top, "inputs", refs, None, required=True)]
    clash = check_distinct_streams([i.name for i in inputs])
    if clash:
        raise AssumptionsError(path, "inputs", clash, "rename one of them: they would draw the same random numbers")
    return inputs


def _correlations(
    path: Path, top: Table, input_names: list[str]
) -> tuple[list[Correlation], tuple[tuple[str, ...], tuple[tuple[float, ...], ...]] | None]:
    """``[[correlation]]`` entries and the ``[correlation_matrix]``, each pair declared once."""
    correlations = []
    raw_corr = top.raw("correlation", [])
    if not isinstance(raw_corr, list):
        raise top.error("correlation", "must be an array of tables ([[correlation]])")
    pairs: dict[frozenset[str], tuple[float, str]] = {}
    for i, entry in enumerate(raw_corr):
        t = Table(path, f"correlation[{i}]", entry)
        t.expect(CORRELATION_FIELDS)
        members = t.names("inputs", input_names)
        if len(members) < 2:
            raise t.error("inputs", "needs at least two inputs")
        rho = t.number("rho", low=-1.0, high=1.0)
        _declare_pairs(t, pairs, members, lambda a, b, rho=rho: rho)
        correlations.append(Correlation(members, rho, t.string("source"), t.string("rationale", ""),
                                        t.string("source_nl", ""), t.string("rationale_nl", "")))
        t.finish()
    matrix = None
    if top.has("correlation_matrix"):
        t = Table(path, "correlation_matrix", top.raw("correlation_matrix"))
        t.expect(MATRIX_FIELDS)
        members = t.names("inputs", input_names)
        if len(members) < 2:
            raise t.error("inputs", "needs at least two inputs")
        rows = _square(t, t.raw("matrix"), len(members))
        _declare_pairs(t, pairs, members, lambda a, b: rows[members.index(a)][members.index(b)])
        matrix = (members, rows)
        for field in _TEXTS:
            t.string(field, None if field == "source" else "")
        t.finish()
    return correlations, matrix


def law_mean(law) -> float:
    """Mean of a law: scipy's where it has one, else the integral of its quantile function."""
    frozen = law.scipy()
    if frozen is not None:
        return float(frozen.mean())
    u = (np.arange(200_000) + 0.5) / 200_000
    return float(law.ppf(u).mean())


def estimation_multipliers(inputs: list[Input] | tuple[Input, ...]) -> list[Input]:
    """The drawn multipliers on need outside the uplift layer: they carry estimation error
    around Rebel's figure, so the calibration anchor applies to them."""
    return [x for x in inputs if x.effect == "need_multiplier" and x.group != UPLIFT_GROUP and x.is_random]


def _calibration(path: Path, top: Table, inputs: list[Input]) -> Calibration | None:
    """The ``[calibration]`` table, and the check that every estimation-error multiplier
    has median (or mean) exactly 1 and baseline 1."""
    if not top.has("calibration"):
        return None
    t = Table(path, "calibration", top.raw("calibration"))
    t.expect(CALIBRATION_FIELDS)
    anchor = t.string("anchor")
    if anchor not in ANCHORS:
        raise _unknown(t, "anchor", "anchor", anchor, ANCHORS)
    cal = Calibration(anchor, t.string("source"), t.string("rationale"), t.string("source_nl", ""),
                      t.string("rationale_nl", ""))
    t.finish()
    for x in estimation_multipliers(inputs):
        centre = float(x.law.ppf(np.array([0.5]))[0]) if anchor == "median" else law_mean(x.law)
        if abs(centre - 1.0) > ANCHOR_TOLERANCE or x.baseline != 1.0:
            raise AssumptionsError(
                path,
                f"inputs.{x.name}",
                f"distribution: its {anchor} is {centre:.6g} and baseline {x.baseline:g}, but calibration.anchor ="
                f" {anchor!r} makes both exactly 1",
                "for a lognormal give median = 1.0 and sigma; put deliberate skew in the uplift layer",
            )
    return cal


def _declare_pairs(
    t: Table, pairs: dict[frozenset[str], tuple[float, str]], members: tuple[str, ...], rho_of: Any
) -> None:
    """Record the correlation of every pair in ``members``; refuse a pair given two values."""
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            rho = float(rho_of(a, b))
            key = frozenset((a, b))
            if key in pairs and abs(pairs[key][0] - rho) > 1e-12:
                before, where = pairs[key]
                raise t.error(
                    "rho" if t.entry.startswith("correlation[") else "matrix",
                    f"{a!r} and {b!r} are given two correlations: {before:g} in [{where}] and {rho:g} here",
                    "give each pair one value",
                )
            pairs[key] = (rho, t.entry)


def _square(t: Table, rows: Any, n: int) -> tuple[tuple[float, ...], ...]:
    if rows is None:
        raise t.error("matrix", "is required")
    if not isinstance(rows, list) or len(rows) != n:
        got = f"{len(rows)} rows" if isinstance(rows, list) else f"a {type(rows).__name__}"
        raise t.error("matrix", f"must be a square {n} x {n} list of rows, one per name in `inputs`; got {got}")
    for i, r in enumerate(rows):
        if not isinstance(r, list) or len(r) != n:
            got = f"{len(r)} entries" if isinstance(r, list) else f"a {type(r).__name__}"
            raise t.error(f"matrix[{i}]", f"must be a row of {n} numbers (the matrix must be square); got {got}")
    out = tuple(
        tuple(t.check_number(f"matrix[{i}][{j}]", v, -1.0, 1.0) for j, v in enumerate(r)) for i, r in enumerate(rows)
    )
    for i in range(n):
        if abs(out[i][i] - 1.0) > 1e-12:
            raise t.error(f"matrix[{i}][{i}]", f"the diagonal must be 1, got {out[i][i]:g}")
        for j in range(i):
            if abs(out[i][j] - out[j][i]) > 1e-12:
                raise t.error(f"matrix[{i}][{j}]", f"not symmetric: {out[i][j]:g} vs matrix[{j}][{i}] = {out[j][i]:g}")
    return out


def _addon(t: Table, name: str, pillars: list[str], years: list[int]) -> Addon:
    pillar = t.string("pillar")
    if pillar not in pillars:
        raise _unknown(t, "pillar", "pillar", pillar, pillars)
    parts = t.mapping("parts", low=0.0)
    if not parts:
        raise t.error("parts", "must name at least one part")
    for part in parts:
        if not _NAME.match(part):
            raise t.error(f"parts.{part}", "part names must be lower-case letters, digits and '_'")
    if abs(sum(parts.values()) - 1.0) > 1e-9:
        raise t.error("parts", f"shares must sum to 1, sum to {sum(parts.values()):.6g}")
    weights = t.mapping("year_weights", low=0.0, required=False)
    for y in weights:
        if not y.isdigit() or int(y) not in years:
            raise t.error(f"year_weights.{y}", f"must be a year from {years[0]} to {years[-1]}")
    if weights and sum(weights.values()) <= 0:
        raise t.error("year_weights", "weights must not all be zero")
    if not weights:
        weights = {str(y): 1.0 for y in years}
    return Addon(
        name=name,
        pillar=pillar,
        label_en=t.string("label_en", name),
        label_nl=t.string("label_nl", name),
        parts=MappingProxyType(parts),
        year_weights=MappingProxyType({int(y): w for y, w in weights.items()}),
        enabled=t.boolean("enabled", True),
        source=t.string("source"),
        rationale=t.string("rationale", ""),
        source_nl=t.string("source_nl", ""),
        rationale_nl=t.string("rationale_nl", ""),
    )


_LAW_PARAMS = frozenset().union(*(allowed for _, allowed, _ in LAWS.values()))


def _input(t: Table, name: str, names: dict[str, list[str]]) -> Input:
    """One ``[inputs.NAME]`` entry: its law, baseline, effect and targets, all checked."""
    t.expect(_INPUT_META | _LAW_PARAMS)
    kind = t.string("distribution")
    if kind not in LAWS:
        raise t.error("distribution", f"unknown distribution {kind!r}", suggest_or_list(kind, sorted(LAWS)))
    effect_name = t.string("effect")
    if effect_name not in EFFECTS:
        raise _unknown(t, "effect", "effect", effect_name, list(EFFECTS))
    effect = EFFECTS[effect_name]
    targets = effect.read(t, names)
    params = {k: t.resolve(k, v) for k, v in t.data.items() if k not in _INPUT_META}
    if "coverage" in params and "interval" not in params:
        raise t.error("coverage", "applies only together with interval = [low, high]")
    try:
        law = make_law(kind, params)
    except LawError as exc:
        raise t.error(exc.field, str(exc)) from None
    for k in params:
        t.used.add(k)
    baseline = t.number("baseline")
    lo, hi = law.support()
    if not lo - 1e-12 <= baseline <= hi + 1e-12:
        raise t.error("baseline", f"= {baseline:g} lies outside the distribution's range [{lo:g}, {hi:g}]")
    bound_lo, bound_hi = effect.low, effect.high
    if (bound_lo is not None and lo < bound_lo) or (bound_hi is not None and hi > bound_hi):
        rng = f"[{bound_lo:g}, {'inf)' if bound_hi is None else format(bound_hi, 'g') + ']'}"
        hint = (
            "use a law that cannot go below 0: lognormal, pert, beta, or truncnormal with low = 0"
            if bound_hi is None
            else f"bound the law to {rng}"
        )
        raise t.error(
            "distribution",
            f"{kind} law gives values from {lo:g} to {hi:g}, but a {effect.name} must lie in {rng}",
            hint,
        )
    if effect.check_law is not None:
        effect.check_law(t, law, baseline, kind)
    # Unbounded laws in closed form can overflow at their most extreme draws (a lognormal
    # with a huge sigma); the other laws are bounded by their finite parameters.
    with np.errstate(over="ignore", invalid="ignore"):
        tails = law.from_normal(np.array([-Z_MAX, Z_MAX])) if isinstance(law, (Normal, LogNormal)) else np.zeros(2)
    if not np.all(np.isfinite(tails)):
        raise t.error(
            "distribution",
            f"{kind} law overflows: its extreme draws are {tails[0]:g} and {tails[1]:g}",
            "a spread this wide is surely a mistake",
        )
    bounded = np.isfinite(lo) and np.isfinite(hi)
    extreme = max(abs(lo), abs(hi), *np.abs(tails)) if bounded else float(np.abs(tails).max())
    if extreme > MAX_AMOUNT:  # a multiplier or share this large is an error too, and overflows in sums
        raise t.error(
            "distribution",
            f"{kind} law gives values up to {extreme:g}; no input may exceed {MAX_AMOUNT:g}",
            AMOUNT_HINT,
        )
    unused = [k for k in t.data if k in TARGET_FIELDS and k not in t.used]
    if unused:
        raise t.error(unused[0], f"does not apply to effect {effect.name!r}")
    result = Input(
        name=name,
        group=t.string("group"),
        label_en=t.string("label_en"),
        label_nl=t.string("label_nl", t.data.get("label_en", name)),
        unit=t.string("unit", "1"),
        distribution=kind,
        params=MappingProxyType(params),
        law=law,
        baseline=baseline,
        enabled=t.boolean("enabled", True),
        effect=effect.name,
        targets=MappingProxyType(targets),
        source=t.string("source"),
        rationale=t.string("rationale"),
        rationale_nl=t.string("rationale_nl", ""),
        source_nl=t.string("source_nl", ""),
    )
    t.finish()
    return result


def _check_roles(
    path: Path, inputs: list[Input], vat_groups: list[VatGroup], addons: list[Addon], extra: list[ExtraFunding]
) -> None:
    def count(effect: str, key: str, target: str) -> int:
        return sum(1 for i in inputs if i.effect == effect and i.targets.get(key) == target)

    for g in vat_groups:
        for role in ("vat_excluded", "vat_rate", "vat_reclaimable"):
            if count(role, "vat_group", g.name) != 1:
                raise AssumptionsError(
                    path,
                    f"vat_groups.{g.name}",
                    f"needs exactly one input with effect = {role!r}, found {count(role, 'vat_group', g.name)}",
                )
    for a in addons:
        if count("addon_amount", "addon", a.name) < 1:
            raise AssumptionsError(path, f"addons.{a.name}", "needs at least one input with effect = 'addon_amount'")
        shares = [i for i in inputs if i.effect == "addon_rijk_share" and i.targets.get("addon") == a.name]
        parts = [i.targets.get("part", "") for i in shares]
        for i, part in zip(shares, parts, strict=True):
            if part and part not in a.parts:
                problem = f"part: add-on {a.name!r} has no part {part!r}"
                raise AssumptionsError(path, f"inputs.{i.name}", problem, suggest_or_list(part, list(a.parts)))
        if parts != [""] and sorted(parts) != sorted(a.parts):
            raise AssumptionsError(
                path,
                f"addons.{a.name}",
                "needs one input with effect = 'addon_rijk_share' (no part), or one per part"
                f" ({', '.join(a.parts)}); found {len(shares)}",
            )
    for e in extra:
        if count("extra_funding_fraction", "extra_funding", e.name) != 1:
            raise AssumptionsError(
                path, f"extra_funding.{e.name}", "needs exactly one input with effect = 'extra_funding_fraction'"
            )
