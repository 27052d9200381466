"""Turn labelled :class:`~nplv_sim.schema.Assumptions` into the core's plain arrays."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import model as core_model
from .core.correlation import is_valid_correlation, nearest_correlation, spearman_to_pearson
from .core.distributions import Fixed
from .core.engine import SamplingPlan
from .core.seeding import stream_key
from .errors import AssumptionsError
from .schema import Assumptions

__all__ = ["CompiledModel", "CorrelationWarning", "compile_assumptions"]

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


def compile_assumptions(a: Assumptions, deterministic: bool = False) -> CompiledModel:
    """Build the core model and sampling plan.

    Parameters
    ----------
    a : Assumptions
        Validated assumptions.
    deterministic : bool
        Hold every input at its baseline value.

    Returns
    -------
    CompiledModel
    """
    comps = a.components
    comp_idx = {c.name: i for i, c in enumerate(comps)}
    periods = tuple(p.name for p in a.facts.periods)
    period_idx = {p: i for i, p in enumerate(periods)}
    pillars = tuple(p.name for p in a.facts.pillars)
    pillar_idx = {p: i for i, p in enumerate(pillars)}
    n_c, n_p = len(comps), len(periods)
    need = np.array([[c.need[p] for p in periods] for c in comps], dtype=float)
    sources = a.sources
    src_idx = {s.name: i for i, s in enumerate(sources)}
    allocation = np.zeros((len(sources), n_c))
    for i, s in enumerate(sources):
        for comp, w in s.allocation.items():
            allocation[i, comp_idx[comp]] = w
    inputs = a.inputs
    in_idx = {x.name: i for i, x in enumerate(inputs)}

    need_mult, key_shift, funding, deferrals, mult_shares = [], [], [], [], []
    for k, x in enumerate(inputs):
        t = x.targets
        if x.effect == "need_multiplier":
            mask = np.zeros((n_c, n_p), dtype=bool)
            rows = (
                [comp_idx[c] for c in t["components"]]
                if "components" in t
                else [i for i, c in enumerate(comps) if c.pillar in t["pillars"]]
            )
            for r in rows:
                for p in t["periods"]:
                    mask[r, period_idx[p]] = True
            need_mult.append((k, mask))
            mult_shares.append(float(t.get("share", 1.0)))
        elif x.effect == "key_shift":
            mask = np.zeros(n_c, dtype=bool)
            mask[[comp_idx[c] for c in t["components"]]] = True
            key_shift.append((k, mask))
        elif x.effect in ("funding_multiplier", "starts_realisation"):
            mask = np.zeros(len(sources), dtype=bool)
            mask[[src_idx[s] for s in t["sources"]]] = True
            funding.append(
                core_model.FundingEffect(k, mask, t["part"] in ("rijk", "both"), t["part"] in ("cofin", "both"))
            )
            if x.effect == "starts_realisation":
                comp_mask = np.isin(np.arange(n_c), [comp_idx[c] for c in t["components"]])
                first, then = (period_idx[p] for p in t["periods"])
                deferrals.append(core_model.Deferral(k, comp_mask, first, then))

    def role(effect: str, key: str, name: str) -> list[int]:
        return [in_idx[x.name] for x in inputs if x.effect == effect and x.targets.get(key) == name]

    vat = tuple(
        core_model.VatEffect(
            excluded=role("vat_excluded", "vat_group", g.name)[0],
            rate=role("vat_rate", "vat_group", g.name)[0],
            reclaimable=role("vat_reclaimable", "vat_group", g.name)[0],
            components=np.isin(np.arange(n_c), [comp_idx[c] for c in g.components]),
        )
        for g in a.vat_groups
    )
    addons = []
    for ad in a.addons:
        if not ad.enabled:
            continue
        weights = np.zeros(n_c)
        for part, share in ad.parts.items():
            weights[comp_idx[ad.component_name(part)]] = share
        shares = np.zeros(n_p)
        for year, w in ad.year_weights.items():
            for p in a.facts.periods:
                if p.first_year <= year <= p.last_year:
                    shares[period_idx[p.name]] += w
        share_of = {
            x.targets.get("part", ""): in_idx[x.name]
            for x in inputs
            if x.effect == "addon_rijk_share" and x.targets.get("addon") == ad.name
        }
        rijk_shares = np.full(n_c, -1, dtype=int)
        for part in ad.parts:
            rijk_shares[comp_idx[ad.component_name(part)]] = share_of.get(part, share_of.get(""))
        addons.append(
            core_model.Addon(
                amounts=tuple(role("addon_amount", "addon", ad.name)),
                rijk_shares=rijk_shares,
                weights=weights,
                period_shares=shares / shares.sum(),
            )
        )
    extra = tuple(
        core_model.ExtraFunding(
            fraction=role("extra_funding_fraction", "extra_funding", e.name)[0],
            component=comp_idx[e.component],
            pro_rata=np.array([e.pro_rata[p] for p in periods]),
            local_match=e.local_match,
        )
        for e in a.extra_funding
    )
    arrays = core_model.ModelArrays(
        need=need,
        key=np.array([c.rijk_key for c in comps]),
        pillar=np.array([pillar_idx[c.pillar] for c in comps]),
        n_pillars=len(pillars),
        headline=np.array([not c.addon for c in comps]),
        src_rijk=np.array([s.rijk for s in sources], dtype=float),
        src_cofin=np.array([s.cofin for s in sources], dtype=float),
        src_period=np.array([period_idx[s.period] for s in sources]),
        allocation=allocation,
        need_multipliers=tuple(need_mult),
        multiplier_shares=tuple(mult_shares),
        deferrals=tuple(deferrals),
        key_shifts=tuple(key_shift),
        funding_effects=tuple(funding),
        vat=vat,
        addons=tuple(addons),
        extra_funding=extra,
    )

    shared = set(a.draw_inputs)
    random = np.array([(x.is_random or x.name in shared) and not deterministic for x in inputs], dtype=bool)
    random_names = [x.name for x, r in zip(inputs, random, strict=True) if r]
    declared = _rank_matrix(a, random_names)
    chol = target = None
    if declared is not None:
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
                stacklevel=3,
            )
            target = repaired
        pearson = spearman_to_pearson(target)
        np.fill_diagonal(pearson, 1.0)
        if not is_valid_correlation(pearson, tol=1e-12):
            pearson = nearest_correlation(pearson)
        chol = np.linalg.cholesky(pearson + 1e-14 * np.eye(len(pearson)))
    plan = SamplingPlan(
        laws=tuple(_effective_law(x) for x in inputs),
        baseline=np.array([_held_value(x, deterministic) for x in inputs], dtype=float),
        random=random,
        streams=tuple(stream_key(n) for n in random_names),
        chol=chol,
    )
    return CompiledModel(
        arrays=arrays,
        plan=plan,
        components=tuple(c.name for c in comps),
        pillars=pillars,
        periods=periods,
        inputs=tuple(x.name for x in inputs),
        correlated=tuple(random_names),
        declared=declared,
        target=target,
    )
