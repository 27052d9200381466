"""Turn labelled :class:`~nplv_sim.schema.Assumptions` into the core's plain arrays."""

from __future__ import annotations

import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import model as core_model
from .core.correlation import is_valid_correlation, nearest_correlation, spearman_to_pearson
from .core.distributions import Fixed
from .core.engine import SamplingPlan
from .core.seeding import stream_key
from .effects import EFFECTS, Lowering
from .errors import AssumptionsError
from .schema import Addon, Assumptions

__all__ = ["CompiledModel", "CorrelationWarning", "compile_assumptions", "model_arrays"]

# A repaired matrix further than this (max abs entry) from the declared one is refused.
MAX_REPAIR = 0.25


class CorrelationWarning(UserWarning):
    """The declared correlation matrix was not valid and has been repaired."""


@dataclass(frozen=True)
class CompiledModel:
    """Arrays for the core plus the labels that go with them."""

    arrays: core_model.ModelArrays
    plan: SamplingPlan
    components: tuple[str, ...]
    pillars: tuple[str, ...]
    periods: tuple[str, ...]
    inputs: tuple[str, ...]
    correlated: tuple[str, ...]  # random inputs in the copula, in matrix order
    declared: np.ndarray | None  # declared rank correlations (R, R); NaN = undeclared
    target: np.ndarray | None  # rank correlations after repair (R, R)


def _rank_matrix(a: Assumptions, random_names: list[str]) -> np.ndarray | None:
    pos = {n: i for i, n in enumerate(random_names)}
    declared = np.full((len(random_names),) * 2, np.nan)
    np.fill_diagonal(declared, 1.0)
    entries = [(c.inputs, c.rho, f"correlation entry with {c.inputs[0]!r}") for c in a.correlations]
    if a.correlation_matrix is not None:
        names, rows = a.correlation_matrix
        for i, ni in enumerate(names):
            for j, nj in enumerate(names):
                if i < j:
                    entries.append(((ni, nj), rows[i][j], "correlation_matrix"))
    any_declared = False
    for members, rho, where in entries:
        for i, ni in enumerate(members):
            for nj in members[i + 1 :]:
                if ni not in pos or nj not in pos:
                    continue  # an input held fixed has nothing to correlate
                p, q = pos[ni], pos[nj]
                if not np.isnan(declared[p, q]) and abs(declared[p, q] - rho) > 1e-12:
                    raise AssumptionsError(
                        a.path,
                        where,
                        f"rho: {ni!r} and {nj!r} are given two correlations ({declared[p, q]:g} and {rho:g})",
                    )
                declared[p, q] = declared[q, p] = rho
                any_declared = True
    return declared if any_declared else None


def _held_value(x, deterministic: bool) -> float:
    """Value of an input that is not drawn: its baseline, or its constant law's value."""
    if deterministic or not x.enabled or x.law.is_random:
        return x.baseline
    return float(x.law.ppf(np.array([0.5]))[0])


def _effective_law(x):
    """The law that maps the input's normal scores; constant when the input is held."""
    return x.law if x.is_random else Fixed(_held_value(x, False))


def compile_assumptions(
    a: Assumptions, deterministic: bool = False, also_draw: Collection[str] = ()
) -> CompiledModel:
    """Build the core model and sampling plan.

    Parameters
    ----------
    a : Assumptions
        Validated assumptions.
    deterministic : bool
        Hold every input at its baseline value.
    also_draw : collection of str
        Inputs whose normal scores are drawn even where ``a`` holds them fixed, so that
        variants compared together share their random numbers and copula exactly
        (:func:`nplv_sim.comparison.simulate_scenarios`). Their values stay as ``a`` says.

    Returns
    -------
    CompiledModel
    """
    inputs = a.inputs
    shared = set(also_draw)
    random = np.array([(x.is_random or x.name in shared) and not deterministic for x in inputs], dtype=bool)
    random_names = [x.name for x, r in zip(inputs, random, strict=True) if r]
    declared, target, chol = _copula(a, random_names)
    plan = SamplingPlan(
        laws=tuple(_effective_law(x) for x in inputs),
        baseline=np.array([_held_value(x, deterministic) for x in inputs], dtype=float),
        random=random,
        streams=tuple(stream_key(n) for n in random_names),
        chol=chol,
    )
    return CompiledModel(
        arrays=model_arrays(a),
        plan=plan,
        components=tuple(c.name for c in a.components),
        pillars=tuple(p.name for p in a.facts.pillars),
        periods=tuple(p.name for p in a.facts.periods),
        inputs=tuple(x.name for x in inputs),
        correlated=tuple(random_names),
        declared=declared,
        target=target,
    )


def model_arrays(a: Assumptions) -> core_model.ModelArrays:
    """The core model's arrays: need, keys and funding, and every input's effect lowered.

    Parameters
    ----------
    a : Assumptions
        Validated assumptions.

    Returns
    -------
    ModelArrays
    """
    comps, sources = a.components, a.sources
    comp_idx = {c.name: i for i, c in enumerate(comps)}
    periods = tuple(p.name for p in a.facts.periods)
    pillars = tuple(p.name for p in a.facts.pillars)
    allocation = np.zeros((len(sources), len(comps)))
    for i, s in enumerate(sources):
        for comp, w in s.allocation.items():
            allocation[i, comp_idx[comp]] = w
    lw = Lowering(
        components=tuple(comp_idx),
        component_pillars=tuple(c.pillar for c in comps),
        periods=periods,
        sources=tuple(s.name for s in sources),
    )
    for k, x in enumerate(a.inputs):
        lower = EFFECTS[x.effect].lower
        if lower is not None:  # role effects are lowered by their VAT group, add-on or extra funding
            lower(lw, k, x.targets)
    return core_model.ModelArrays(
        need=np.array([[c.need[p] for p in periods] for c in comps], dtype=float),
        key=np.array([c.rijk_key for c in comps]),
        pillar=np.array([pillars.index(c.pillar) for c in comps]),
        n_pillars=len(pillars),
        headline=np.array([not c.addon for c in comps]),
        src_rijk=np.array([s.rijk for s in sources], dtype=float),
        src_cofin=np.array([s.cofin for s in sources], dtype=float),
        src_period=np.array([periods.index(s.period) for s in sources]),
        allocation=allocation,
        need_multipliers=tuple(lw.need_multipliers),
        multiplier_shares=tuple(lw.multiplier_shares),
        deferrals=tuple(lw.deferrals),
        key_shifts=tuple(lw.key_shifts),
        funding_effects=tuple(lw.funding_effects),
        vat=tuple(_vat(a, lw)),
        addons=tuple(_addon(a, ad, lw) for ad in a.addons if ad.enabled),
        extra_funding=tuple(_extra(a, lw)),
    )


def _role(a: Assumptions, effect: str, owner: str) -> list[int]:
    """Indices of the inputs with ``effect`` that belong to the VAT group, add-on or extra funding ``owner``."""
    key = EFFECTS[effect].owner
    return [k for k, x in enumerate(a.inputs) if x.effect == effect and x.targets.get(key) == owner]


def _vat(a: Assumptions, lw: Lowering) -> list[core_model.VatEffect]:
    return [
        core_model.VatEffect(
            excluded=_role(a, "vat_excluded", g.name)[0],
            rate=_role(a, "vat_rate", g.name)[0],
            reclaimable=_role(a, "vat_reclaimable", g.name)[0],
            components=lw.component_mask(g.components),
        )
        for g in a.vat_groups
    ]


def _addon(a: Assumptions, ad: Addon, lw: Lowering) -> core_model.Addon:
    comps = list(lw.components)
    weights = np.zeros(len(comps))
    for part, share in ad.parts.items():
        weights[comps.index(ad.component_name(part))] = share
    shares = np.zeros(len(lw.periods))
    for year, w in ad.year_weights.items():
        for p in a.facts.periods:
            if p.first_year <= year <= p.last_year:
                shares[lw.period(p.name)] += w
    # one Rijk share for the whole add-on (part ''), or one per part
    share_of = {a.inputs[k].targets.get("part", ""): k for k in _role(a, "addon_rijk_share", ad.name)}
    rijk_shares = np.full(len(comps), -1, dtype=int)
    for part in ad.parts:
        rijk_shares[comps.index(ad.component_name(part))] = share_of.get(part, share_of.get(""))
    return core_model.Addon(
        amounts=tuple(_role(a, "addon_amount", ad.name)),
        rijk_shares=rijk_shares,
        weights=weights,
        period_shares=shares / shares.sum(),
    )


def _extra(a: Assumptions, lw: Lowering) -> list[core_model.ExtraFunding]:
    return [
        core_model.ExtraFunding(
            fraction=_role(a, "extra_funding_fraction", e.name)[0],
            component=list(lw.components).index(e.component),
            pro_rata=np.array([e.pro_rata[p] for p in lw.periods]),
            local_match=e.local_match,
        )
        for e in a.extra_funding
    ]


def _copula(
    a: Assumptions, random_names: list[str]
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Declared rank correlations, the valid matrix used (repaired if need be) and its
    Cholesky factor on the normal scale; three Nones when nothing is correlated."""
    declared = _rank_matrix(a, random_names)
    if declared is None:
        return None, None, None
    target = np.where(np.isnan(declared), 0.0, declared)
    if not is_valid_correlation(target):
        repaired = nearest_correlation(target)
        gap = float(np.abs(repaired - target).max())
        if gap > MAX_REPAIR:
            raise AssumptionsError(
                a.path,
                "correlation",
                "the declared correlations are far from a valid matrix (repair would move an entry by "
                f"{gap:.2f}); check the signs and sizes",
            )
        i, j = np.unravel_index(int(np.argmax(np.abs(repaired - target))), target.shape)
        pair = f"{random_names[i]} ~ {random_names[j]}: {target[i, j]:.2f} -> {repaired[i, j]:.2f}"
        warnings.warn(
            f"{Path(a.path).name}: declared correlations are not a valid matrix; repaired to the nearest "
            f"one, largest change {pair}",
            CorrelationWarning,
            stacklevel=4,
        )
        target = repaired
    pearson = spearman_to_pearson(target)
    np.fill_diagonal(pearson, 1.0)
    if not is_valid_correlation(pearson, tol=1e-12):
        pearson = nearest_correlation(pearson)
    return declared, target, np.linalg.cholesky(pearson + 1e-14 * np.eye(len(pearson)))
