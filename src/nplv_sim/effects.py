"""What an input can do to the model: one entry per effect.

Each :class:`Effect` says which fields of an ``[inputs.NAME]`` entry name its targets
(read on load and checked against the names in the files), the range its values must
stay in, and how it is lowered into the core's arrays (:mod:`nplv_sim.core.model`).
Effects that play a role in a VAT group, an add-on or extra funding are lowered by that
owner (:func:`nplv_sim.compiled.compile_assumptions`), which finds its inputs by role.

Adding an effect means one entry in :data:`EFFECTS` (and its step in the core model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .core import model as core_model
from .core.distributions import Discrete, Fixed, Law
from .errors import AssumptionsError, suggest_or_list
from .tomlreader import Table

__all__ = ["EFFECTS", "TARGET_FIELDS", "Effect", "Lowering"]

# Names known to the files, by the field that names them (components, periods, ...).
Names = Mapping[str, Sequence[str]]
PARTS = ("rijk", "cofin", "both")


@dataclass
class Lowering:
    """Index maps of the compiled model and the effect lists the lowering functions fill."""

    components: Sequence[str]
    component_pillars: Sequence[str]
    periods: Sequence[str]
    sources: Sequence[str]
    need_multipliers: list[tuple[int, np.ndarray]] = field(default_factory=list)
    multiplier_shares: list[float] = field(default_factory=list)
    key_shifts: list[tuple[int, np.ndarray]] = field(default_factory=list)
    funding_effects: list[core_model.FundingEffect] = field(default_factory=list)
    deferrals: list[core_model.Deferral] = field(default_factory=list)

    def component_mask(self, names: Sequence[str]) -> np.ndarray:
        """(C,) bool: the named components."""
        return np.isin(np.asarray(self.components), list(names))

    def source_mask(self, names: Sequence[str]) -> np.ndarray:
        """(S,) bool: the named funding sources."""
        return np.isin(np.asarray(self.sources), list(names))

    def period(self, name: str) -> int:
        """Index of the named period."""
        return list(self.periods).index(name)


@dataclass(frozen=True)
class Effect:
    """One effect: its target fields, the bounds of its values and its lowering.

    Attributes
    ----------
    name : str
        As written in ``effect = "..."``.
    low, high : float or None
        Every value the input's law can take must lie in ``[low, high]`` (None: open).
    read : callable
        ``read(table, names) -> targets``: reads and checks the target fields.
    lower : callable or None
        ``lower(lowering, index, targets)``: adds the input's step to the core arrays.
        None for effects lowered by their owner (``owner`` names the field).
    owner : str
        For role effects, the field naming the VAT group, add-on or extra funding.
    check_law : callable or None
        ``check_law(table, law, baseline, kind)``: a further check of the law.
    neutral : float or None
        The value at which the input changes nothing (a multiplier's 1), where there is one:
        an optional layer is switched off by holding its inputs there.
    """

    name: str
    low: float | None
    high: float | None
    read: Callable[[Table, Names], dict[str, Any]]
    lower: Callable[[Lowering, int, Mapping[str, Any]], None] | None = None
    owner: str = ""
    check_law: Callable[[Table, Law, float, str], None] | None = None
    neutral: float | None = None


def _unknown_name(t: Table, key: str, value: str, known: Sequence[str]) -> AssumptionsError:
    return t.error(key, f"unknown {key.replace('_', ' ')} {value!r}", suggest_or_list(value, list(known)))


# ---- need_multiplier: a factor on the need of some components (or pillars) and periods
def _read_need_multiplier(t: Table, names: Names) -> dict[str, Any]:
    targets: dict[str, Any] = {}
    if t.has("components") == t.has("pillars"):
        raise t.error("components", "give either components or pillars (one of the two)")
    if t.has("components"):
        targets["components"] = t.names("components", names["components"])
    else:
        targets["pillars"] = t.names("pillars", names["pillars"])
    targets["periods"] = t.names("periods", names["periods"], required=False) or tuple(names["periods"])
    if t.has("share"):  # the multiplier acts on this share of the need (e.g. a top-down part)
        share = t.number("share", low=0.0, high=1.0)
        if share <= 0.0:
            raise t.error("share", f"must be above 0, got {share:g}")
        targets["share"] = share
    return targets


def _lower_need_multiplier(lw: Lowering, k: int, t: Mapping[str, Any]) -> None:
    rows = (
        lw.component_mask(t["components"])
        if "components" in t
        else np.isin(np.asarray(lw.component_pillars), list(t["pillars"]))
    )
    cols = np.isin(np.asarray(lw.periods), list(t["periods"]))
    lw.need_multipliers.append((k, np.outer(rows, cols)))
    lw.multiplier_shares.append(float(t.get("share", 1.0)))


# ---- key_shift: added to the Rijk key of some components
def _read_key_shift(t: Table, names: Names) -> dict[str, Any]:
    return {"components": t.names("components", names["components"])}


def _lower_key_shift(lw: Lowering, k: int, t: Mapping[str, Any]) -> None:
    lw.key_shifts.append((k, lw.component_mask(t["components"])))


# ---- funding_multiplier: a factor on the Rijk and/or cofinanced part of funding sources
def _read_funding(t: Table, names: Names) -> dict[str, Any]:
    part = t.string("part", "both")
    if part not in PARTS:
        raise t.error("part", f"must be 'rijk', 'cofin' or 'both', got {part!r}")
    return {"sources": t.names("sources", names["sources"]), "part": part}


def _lower_funding(lw: Lowering, k: int, t: Mapping[str, Any]) -> None:
    part = t["part"]
    lw.funding_effects.append(
        core_model.FundingEffect(k, lw.source_mask(t["sources"]), part in ("rijk", "both"), part in ("cofin", "both"))
    )


# ---- starts_realisation: a funding factor that also moves the need of the homes not
# started from the first period to the second
def _read_starts(t: Table, names: Names) -> dict[str, Any]:
    targets = _read_funding(t, names)
    targets["components"] = t.names("components", names["components"])
    periods = t.names("periods", names["periods"])
    if len(periods) != 2 or periods[0] == periods[1]:
        raise t.error("periods", "must name two periods: where the need is, and where the deferred part goes")
    targets["periods"] = periods
    return targets


def _lower_starts(lw: Lowering, k: int, t: Mapping[str, Any]) -> None:
    _lower_funding(lw, k, t)
    first, then = (lw.period(p) for p in t["periods"])
    lw.deferrals.append(core_model.Deferral(k, lw.component_mask(t["components"]), first, then))


# ---- role effects: one input in a VAT group, an add-on or an extra-funding entry
def _read_role(key: str, with_part: bool = False) -> Callable[[Table, Names], dict[str, Any]]:
    def read(t: Table, names: Names) -> dict[str, Any]:
        target = t.string(key)
        if target not in names[key]:
            raise _unknown_name(t, key, target, names[key])
        targets: dict[str, Any] = {key: target}
        if with_part and t.has("part"):
            targets["part"] = t.string("part")  # checked against the add-on's parts once all are read
        return targets

    return read


def _zero_or_one(t: Table, law: Law, baseline: float, kind: str) -> None:
    values = (law.value,) if isinstance(law, Fixed) else law.values if isinstance(law, Discrete) else None
    if values is None or not set(values) <= {0.0, 1.0} or baseline not in (0.0, 1.0):
        raise t.error("distribution", f"a vat_excluded input is 0 or 1: use bernoulli (got {kind!r})")


EFFECTS: dict[str, Effect] = {
    e.name: e
    for e in (
        Effect("need_multiplier", 0.0, None, _read_need_multiplier, _lower_need_multiplier, neutral=1.0),
        Effect("key_shift", -1.0, 1.0, _read_key_shift, _lower_key_shift, neutral=0.0),
        Effect("funding_multiplier", 0.0, None, _read_funding, _lower_funding, neutral=1.0),
        Effect("starts_realisation", 0.0, 1.0, _read_starts, _lower_starts),
        Effect("vat_excluded", 0.0, 1.0, _read_role("vat_group"), owner="vat_group", check_law=_zero_or_one),
        Effect("vat_rate", 0.0, 1.0, _read_role("vat_group"), owner="vat_group"),
        Effect("vat_reclaimable", 0.0, 1.0, _read_role("vat_group"), owner="vat_group"),
        Effect("addon_amount", 0.0, None, _read_role("addon"), owner="addon"),
        Effect("addon_rijk_share", 0.0, 1.0, _read_role("addon", with_part=True), owner="addon"),
        Effect("extra_funding_fraction", 0.0, 1.0, _read_role("extra_funding"), owner="extra_funding"),
    )
}

# Every field an effect may read to name its targets.
TARGET_FIELDS = frozenset(
    {"components", "pillars", "periods", "sources", "part", "share", "vat_group", "addon", "extra_funding"}
)
