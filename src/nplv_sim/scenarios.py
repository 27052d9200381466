"""Scenario overlays: small files that add funding or change inputs of a base model.

A scenario file (``schema = "nplv-sim/scenario/1"``) may hold:

* ``[funding.NAME]``: money not yet in the estimate, per year (``amount_per_year`` with
  ``first_year``/``last_year``) or as a ``total`` spread evenly over its years; its
  ``scope`` (``rijk`` or ``cofin``) and ``allocation`` over pillars or components
  (weights). Money for a pillar is split over the pillar's components pro rata to their
  baseline need in each period.
* ``[inputs.NAME]``: overrides of an input of the base (e.g. ``distribution = "fixed"``,
  ``value = 1``; or ``enabled = false``).
* ``[addons.NAME]``: ``enabled = true/false``.

Numbers may refer to the facts file with ``"@figures.x.value.amount"``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import assumptions as _assumptions
from .errors import AssumptionsError, suggest
from .schema import Assumptions, FundingSource
from .tomlreader import MAX_AMOUNT, Table, read_toml_hashed, tables

__all__ = ["SCENARIO_SCHEMA", "apply_scenario", "list_scenarios", "load_scenario", "scenarios_dir"]

SCENARIO_SCHEMA = "nplv-sim/scenario/1"

def scenarios_dir() -> Path:
    """Folder of the shipped scenario overlays."""
    return _assumptions.distributions_dir() / "scenarios"


def list_scenarios() -> list[Path]:
    """The shipped scenario files, sorted by name."""
    return sorted(scenarios_dir().glob("*.toml"))


def load_scenario(path: str | Path, base: Assumptions) -> Assumptions:
    """Read a scenario overlay and apply it to ``base``.

    Parameters
    ----------
    path : str or Path
        The scenario file; a bare name (``coalition_135``) means a shipped scenario.
    base : Assumptions
        The assumptions the scenario changes.

    Returns
    -------
    Assumptions
        A new Assumptions with ``scenario`` set to the file's stem.
    """
    path = Path(path)
    if not path.suffix and not path.exists():
        shipped = scenarios_dir() / f"{path.name}.toml"
        if not shipped.exists():
            names = [p.stem for p in list_scenarios()]
            raise AssumptionsError(path, "", "no such scenario file or shipped scenario", suggest(path.name, names))
        path = shipped
    data, sha256 = read_toml_hashed(path)
    return apply_scenario(path, data, base, sha256)


def apply_scenario(path: Path, data: dict[str, Any], base: Assumptions, sha256: str | None = None) -> Assumptions:
    """Apply parsed scenario ``data`` (from ``path``, whose bytes hash to ``sha256``) to ``base``."""
    top = Table(path, "", data)
    if top.raw("schema") != SCENARIO_SCHEMA:
        raise top.error("schema", f"must be {SCENARIO_SCHEMA!r}, got {data.get('schema')!r}")
    label_nl, label_en = top.string("label_nl"), top.string("label_en")
    top.string("source")
    top.string("rationale", "")
    refs = base.facts.data  # parsed (and hashed) once, on load
    sources, per_year = _funding(path, top, base, refs)
    inputs = _inputs(path, top, base, refs)
    addons = list(base.addons)
    for t in tables(path, top, "addons", refs, required=False):
        name = t.entry.split(".", 1)[1]
        names = [a.name for a in addons]
        if name not in names:
            raise t.error("", f"the base has no add-on {name!r}", suggest(name, names))
        i = names.index(name)
        addons[i] = dataclasses.replace(addons[i], enabled=t.boolean("enabled", addons[i].enabled))
        t.finish()
    top.finish()
    return dataclasses.replace(
        base,
        inputs=tuple(inputs),
        addons=tuple(addons),
        extra_sources=base.extra_sources + tuple(sources),
        scenario_year_funding=base.scenario_year_funding + tuple(per_year),
        scenario=path.stem,
        scenario_label_nl=label_nl,
        scenario_label_en=label_en,
        scenario_files=(*base.scenario_files, (str(path), sha256 or hashlib.sha256(path.read_bytes()).hexdigest())),
    )


def _funding(
    path: Path, top: Table, base: Assumptions, refs: dict
) -> tuple[list[FundingSource], list[tuple[int, float, float]]]:
    periods = base.facts.periods
    years = [y for p in periods for y in range(p.first_year, p.last_year + 1)]
    comps = [c for c in base.facts.components]
    pillar_names = [p.name for p in base.facts.pillars]
    sources: list[FundingSource] = []
    per_year: list[tuple[int, float, float]] = []
    for t in tables(path, top, "funding", refs, required=False):
        name = t.entry.split(".", 1)[1]
        first, last = t.integer("first_year"), t.integer("last_year")
        if first not in years or last not in years or last < first:
            raise t.error(
                "last_year", f"years {first}-{last} must lie within {years[0]}-{years[-1]}, first before last"
            )
        n_years = last - first + 1
        if t.has("amount_per_year") == t.has("total"):
            raise t.error("amount_per_year", "give either amount_per_year or total (one of the two)")
        amount = t.number("amount_per_year" if t.has("amount_per_year") else "total", low=0.0, high=MAX_AMOUNT)
        yearly = amount if t.has("amount_per_year") else amount / n_years
        scope = t.string("scope", "rijk")
        if scope not in ("rijk", "cofin"):
            raise t.error("scope", f"must be 'rijk' or 'cofin', got {scope!r}")
        allocation = t.mapping("allocation", low=0.0)
        known = pillar_names + [c.name for c in comps]
        for k in allocation:
            if k not in known:
                raise t.error(f"allocation.{k}", "is neither a pillar nor a component", suggest(k, known))
        if sum(allocation.values()) <= 0:
            raise t.error("allocation", "weights must not all be zero")
        label = t.string("label_nl", name)
        src_text = t.string("source")
        t.string("label_en", name)
        t.string("rationale", "")
        t.finish()
        total_w = sum(allocation.values())
        for y in range(first, last + 1):
            per_year.append((y, yearly, yearly if scope == "rijk" else 0.0))
        for p in periods:
            overlap = max(0, min(last, p.last_year) - max(first, p.first_year) + 1)
            if overlap == 0:
                continue
            amount = yearly * overlap
            for pillar in pillar_names:
                weights = _component_weights(allocation, pillar, comps, p.name)
                share = sum(weights.values()) / total_w
                if share <= 0:
                    continue
                norm = sum(weights.values())
                sources.append(
                    FundingSource(
                        name=f"{name}_{pillar}_{p.name}".lower(),
                        pillar=pillar,
                        period=p.name,
                        label_nl=label,
                        cofin=amount * share if scope == "cofin" else 0.0,
                        rijk=amount * share if scope == "rijk" else 0.0,
                        allocation=MappingProxyType({c: w / norm for c, w in weights.items()}),
                        source=src_text,
                    )
                )
    return sources, per_year


def _component_weights(allocation: dict[str, float], pillar: str, comps, period: str) -> dict[str, float]:
    """Weights of ``pillar``'s components: explicit ones, plus pillar money pro rata to need."""
    in_pillar = [c for c in comps if c.pillar == pillar]
    weights = {c.name: allocation.get(c.name, 0.0) for c in in_pillar}
    pillar_w = allocation.get(pillar, 0.0)
    if pillar_w > 0:
        need = sum(c.need[period] for c in in_pillar)
        for c in in_pillar:
            weights[c.name] += pillar_w * (c.need[period] / need if need > 0 else 1.0 / len(in_pillar))
    return {k: v for k, v in weights.items() if v > 0}


def _inputs(path: Path, top: Table, base: Assumptions, refs: dict) -> list:
    inputs = list(base.inputs)
    names = [i.name for i in inputs]
    target_names = {
        "components": [c.name for c in base.components],
        "periods": [p.name for p in base.facts.periods],
        "pillars": [p.name for p in base.facts.pillars],
        "sources": [s.name for s in base.sources],
        "vat_group": [g.name for g in base.vat_groups],
        "addon": [a.name for a in base.addons],
        "extra_funding": [e.name for e in base.extra_funding],
    }
    for t in tables(path, top, "inputs", refs, required=False):
        name = t.entry.split(".", 1)[1]
        if name not in names:
            raise t.error("", f"the base has no input {name!r}", suggest(name, names))
        old = inputs[names.index(name)]
        merged: dict[str, Any] = {
            "group": old.group,
            "label_en": old.label_en,
            "label_nl": old.label_nl,
            "unit": old.unit,
            "effect": old.effect,
            "source": old.source,
            "rationale": old.rationale,
            "rationale_nl": old.rationale_nl,
            "source_nl": old.source_nl,
            "enabled": old.enabled,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in old.targets.items()},
        }
        if "distribution" in t.data:
            merged.update({k: v for k, v in t.data.items()})
            if "baseline" not in t.data:
                merged["baseline"] = (
                    t.data.get("value", old.baseline) if t.data["distribution"] == "fixed" else old.baseline
                )
        else:
            merged.update({"distribution": old.distribution, **dict(old.params), "baseline": old.baseline})
            merged.update(t.data)
        inputs[names.index(name)] = _assumptions._input(Table(path, t.entry, merged, refs), name, target_names)
    return inputs
