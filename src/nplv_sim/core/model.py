"""The arithmetic of the NPLV shortfall: need - arranged funding, per draw.

Shapes use ``n`` draws, ``C`` components, ``P`` periods, ``S`` funding sources and
``K`` inputs. Amounts are EUR million. Scope index 0 is the total, 1 the Rijk share.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["Addon", "Deferral", "ExtraFunding", "FundingEffect", "ModelArrays", "VatEffect", "evaluate", "evaluate_t"]


@dataclass(frozen=True)
class VatEffect:
    """VAT multiplier ``1 + rate (1 - reclaimable)`` where ``excluded`` is 1."""

    excluded: int
    rate: int
    reclaimable: int
    components: np.ndarray  # (C,) bool


@dataclass(frozen=True)
class FundingEffect:
    """Input ``index`` multiplies the Rijk and/or cofinancing part of some sources."""

    index: int
    sources: np.ndarray  # (S,) bool
    rijk: bool
    cofin: bool


@dataclass(frozen=True)
class Addon:
    """An amount outside the headline estimate, spread over components and periods.

    amount = product of inputs ``amounts``; the Rijk part of component ``c`` = its amount x
    input ``rijk_shares[c]`` (each part of an add-on may have its own Rijk share).
    """

    amounts: tuple[int, ...]
    rijk_shares: np.ndarray  # (C,) input index per component with a weight (-1 elsewhere)
    weights: np.ndarray  # (C,) split over the add-on's components, sums to 1
    period_shares: np.ndarray  # (P,) sums to 1


@dataclass(frozen=True)
class Deferral:
    """Input ``index`` (a realisation rate r) keeps r of the need of ``components`` in
    period ``source`` and moves the rest, 1 - r, to period ``target``."""

    index: int
    components: np.ndarray  # (C,) bool
    source: int
    target: int


@dataclass(frozen=True)
class ExtraFunding:
    """Rijk funding = fraction x pro-rata amount, capped at the remaining Rijk need."""

    fraction: int
    component: int
    pro_rata: np.ndarray  # (P,)
    local_match: float


@dataclass(frozen=True)
class ModelArrays:
    """The model as plain arrays: no labels, no files."""

    need: np.ndarray  # (C, P) gross need at baseline
    key: np.ndarray  # (C,) Rijk key
    pillar: np.ndarray  # (C,) pillar index
    n_pillars: int
    headline: np.ndarray  # (C,) False for add-on components (outside Rebel's headline)
    src_rijk: np.ndarray  # (S,)
    src_cofin: np.ndarray  # (S,)
    src_period: np.ndarray  # (S,) period index
    allocation: np.ndarray  # (S, C) rows sum to 1
    need_multipliers: tuple[tuple[int, np.ndarray], ...] = ()  # (input, (C, P) bool)
    # Share of the cells' need each multiplier acts on (factor 1 + share (x - 1)); () = all 1.
    multiplier_shares: tuple[float, ...] = ()
    deferrals: tuple[Deferral, ...] = ()
    key_shifts: tuple[tuple[int, np.ndarray], ...] = ()  # (input, (C,) bool)
    funding_effects: tuple[FundingEffect, ...] = ()
    vat: tuple[VatEffect, ...] = ()
    addons: tuple[Addon, ...] = ()
    extra_funding: tuple[ExtraFunding, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """(components, periods)."""
        return self.need.shape  # type: ignore[return-value]

    @functools.cached_property
    def steps(self) -> _Steps:
        """The evaluation loops resolved for this model (computed once)."""
        return _steps(self)


def _runs(index: np.ndarray) -> tuple[slice, ...]:
    """Sorted indices as the fewest contiguous slices ([0, 1, 2, 5] -> 0:3, 5:6)."""
    runs: list[slice] = []
    for i in index.tolist():
        if runs and runs[-1].stop == i:
            runs[-1] = slice(runs[-1].start, i + 1)
        else:
            runs.append(slice(i, i + 1))
    return tuple(runs)


def _targets(mask: np.ndarray) -> tuple:
    """Index expressions covering the (C, P) cells of ``mask`` in as few operations as
    it allows: everything, runs of whole components, or single cells."""
    if mask.all():
        return (Ellipsis,)
    full = mask.all(axis=1)
    cells = zip(*np.nonzero(mask & ~full[:, None]), strict=True)
    return _runs(np.flatnonzero(full)) + tuple((int(c), int(p)) for c, p in cells)


@dataclass(frozen=True)
class _Steps:
    """The model's loops over inputs, sources and components, resolved once per model so
    that evaluating a block spends its time in numpy, not in Python bookkeeping."""

    multipliers: tuple  # (input, share, targets)
    deferrals: tuple  # (input, components, source period, target period)
    vat: tuple  # (excluded, rate, reclaimable, targets)
    key_shifts: tuple  # (component, inputs)
    addons: tuple  # (amount inputs, ((c, p, weight, share input), ...))
    sources: tuple  # (period, ((base, factor inputs, is_cofin), ...), ((c, allocation), ...))
    pillar_runs: tuple  # per pillar: (headline runs, add-on runs)


def _steps(m: ModelArrays) -> _Steps:
    shifts: dict[int, list[int]] = {}
    for k, mask in m.key_shifts:
        for c in np.flatnonzero(mask):
            shifts.setdefault(int(c), []).append(k)
    sources = []
    for s in range(m.src_rijk.shape[0]):
        parts = []
        for base, part in ((m.src_rijk[s], "rijk"), (m.src_cofin[s], "cofin")):
            if base != 0:
                factors = tuple(f.index for f in m.funding_effects if f.sources[s] and getattr(f, part))
                parts.append((float(base), factors, part == "cofin"))
        comps = tuple((int(c), float(m.allocation[s, c])) for c in np.flatnonzero(m.allocation[s]))
        sources.append((int(m.src_period[s]), tuple(parts), comps))
    return _Steps(
        multipliers=tuple(
            (k, m.multiplier_shares[i] if m.multiplier_shares else 1.0, _targets(mask))
            for i, (k, mask) in enumerate(m.need_multipliers)
        ),
        deferrals=tuple(
            (d.index, tuple(int(c) for c in np.flatnonzero(d.components)), d.source, d.target) for d in m.deferrals
        ),
        vat=tuple(
            (v.excluded, v.rate, v.reclaimable, _targets(np.broadcast_to(v.components[:, None], m.shape)))
            for v in m.vat
        ),
        key_shifts=tuple((c, tuple(ks)) for c, ks in shifts.items()),
        addons=tuple(
            (
                list(a.amounts),
                tuple(
                    (int(c), int(p), float(a.weights[c] * a.period_shares[p]), int(a.rijk_shares[c]))
                    for c in np.flatnonzero(a.weights)
                    for p in np.flatnonzero(a.period_shares)
                ),
            )
            for a in m.addons
        ),
        sources=tuple(sources),
        pillar_runs=tuple(
            (_runs(np.flatnonzero((m.pillar == q) & m.headline)), _runs(np.flatnonzero((m.pillar == q) & ~m.headline)))
            for q in range(m.n_pillars)
        ),
    )


def _need(m: ModelArrays, xt: np.ndarray, need: np.ndarray, rijk: np.ndarray) -> None:
    """Gross need, total and Rijk, into ``need`` and ``rijk`` (C, P, n): draws last, so
    that every operation runs over contiguous rows of draws."""
    steps = m.steps
    need[...] = m.need[:, :, None]
    for k, share, targets in steps.multipliers:
        factor = xt[k] if share == 1.0 else 1.0 + share * (xt[k] - 1.0)
        for t in targets:
            need[t] *= factor
    for k, comps, source, target in steps.deferrals:
        for c in comps:
            moved = need[c, source] * (1.0 - xt[k])  # the homes not started in time
            need[c, source] -= moved
            need[c, target] += moved
    for excluded, rate, reclaimable, targets in steps.vat:
        vat = xt[reclaimable] - 1.0  # 1 + rate (1 - reclaimable) x excluded
        vat *= xt[rate]
        vat *= xt[excluded]
        np.subtract(1.0, vat, out=vat)
        for t in targets:
            need[t] *= vat
    np.multiply(need, m.key[:, None, None], out=rijk)
    for c, ks in steps.key_shifts:
        key = m.key[c] + xt[ks[0]]
        for k in ks[1:]:
            key += xt[k]
        np.multiply(need[c], np.clip(key, 0.0, 1.0, out=key), out=rijk[c])
    for amounts, cells in steps.addons:
        amount = np.prod(xt[amounts], axis=0)
        for c, p, weight, share_input in cells:
            add = amount * weight
            need[c, p] += add
            rijk[c, p] += add * xt[share_input]


def _funding(m: ModelArrays, xt: np.ndarray, need_rijk: np.ndarray, total: np.ndarray, rijk: np.ndarray) -> None:
    """Arranged funding, total and Rijk, into ``total`` and ``rijk`` (C, P, n)."""
    rijk[...] = 0.0
    total[...] = 0.0  # the cofinancing until the last line
    for p, parts, comps in m.steps.sources:
        amounts = []
        for base, factors, is_cofin in parts:
            amount: float | np.ndarray = base
            for k in factors:
                amount = amount * xt[k]
            amounts.append((amount, total if is_cofin else rijk))
        for c, share in comps:
            for amount, target in amounts:
                target[c, p] += amount * share
    for e in m.extra_funding:
        c = e.component
        remaining = np.maximum(need_rijk[c] - rijk[c], 0.0)  # (P, n)
        cover = np.minimum(xt[e.fraction][None, :] * e.pro_rata[:, None], remaining)
        rijk[c] += cover
        total[c] += cover * e.local_match
    total += rijk


def _sum_components(w: np.ndarray, runs: tuple[slice, ...], out: np.ndarray) -> None:
    """``out = w[components].sum(axis=0)`` for components given as contiguous runs: one
    reduction per run instead of one addition per component."""
    if not runs:
        out[...] = 0.0
        return
    np.add.reduce(w[runs[0]], axis=0, out=out)
    for r in runs[1:]:
        out += np.add.reduce(w[r], axis=0)


def evaluate_t(m: ModelArrays, xt: np.ndarray, detail: bool = True) -> dict[str, np.ndarray]:
    """Evaluate the model for input draws laid out (K, n); outputs have draws last.

    See :func:`evaluate` for the outputs; here their draw axis comes last.
    """
    n = xt.shape[1]
    c, p = m.shape
    q = m.n_pillars
    # One work array [component, (need, funding, gap), period, scope, draw]: pillar sums
    # of all three quantities are then reductions over contiguous runs of components.
    w = np.empty((c, 3, p, 2, n))
    _need(m, xt, w[:, 0, :, 0], w[:, 0, :, 1])
    _funding(m, xt, w[:, 0, :, 1], w[:, 1, :, 0], w[:, 1, :, 1])
    gap = w[:, 2]
    np.subtract(w[:, 0], w[:, 1], out=gap)
    np.maximum(gap, 0.0, out=gap)
    # [0] headline, [1] incl. add-ons; reductions write straight into the outputs.
    need_q = np.empty((2, q, p, 2, n))
    fund_q = np.empty((2, q, p, 2, n))
    short = np.empty((2, q, p, 2, 2, n))
    for i, (head, addon) in enumerate(m.steps.pillar_runs):
        for k, dest in enumerate((need_q, fund_q, short[..., 1, :])):
            _sum_components(w[:, k], head, dest[0, i])
            _sum_components(w[:, k], addon, dest[1, i])
            dest[1, i] += dest[0, i]
    np.subtract(need_q, fund_q, out=short[..., 0, :])
    out: dict[str, np.ndarray] = {}
    for i, suffix in enumerate(("", "_incl_addons")):
        out["need_pillar" + suffix] = need_q[i]  # (Q, P, S, n)
        out["funding_pillar" + suffix] = fund_q[i]
        out["shortfall" + suffix] = short[i]  # (Q, P, S, N, n)
    if detail:
        out["need"] = w[:, 0]  # (C, P, S, n), a view
        out["funding"] = w[:, 1]
    return out


def evaluate(m: ModelArrays, x: np.ndarray, detail: bool = True) -> dict[str, np.ndarray]:
    """Evaluate the model for a batch of input draws.

    Parameters
    ----------
    m : ModelArrays
        The model.
    x : ndarray
        Input values, shape (n, K).
    detail : bool
        Also return need and funding per component.

    Returns
    -------
    dict
        Per pillar ``shortfall`` and ``shortfall_incl_addons`` (n, Q, P, 2, 2): axis 3 is
        the scope (total, Rijk), axis 4 the netting method (0 pillar: surpluses offset;
        1 component: no offsetting); ``need_pillar``/``funding_pillar`` and their
        ``_incl_addons`` twins (n, Q, P, 2). With ``detail``, ``need`` and ``funding`` per
        component (n, C, P, 2). All in EUR million. Arrays may be views with the draw
        axis moved to the front.
    """
    out = evaluate_t(m, np.ascontiguousarray(np.asarray(x, dtype=float).T), detail)
    return {k: np.moveaxis(v, -1, 0) for k, v in out.items()}
