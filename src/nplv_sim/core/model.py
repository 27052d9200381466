"""The arithmetic of the NPLV shortfall: need - arranged funding, per draw.

Shapes use ``n`` draws, ``C`` components, ``P`` periods, ``S`` funding sources and
``K`` inputs. Amounts are EUR million. Scope index 0 is the total, 1 the Rijk share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Addon", "ExtraFunding", "FundingEffect", "ModelArrays", "VatEffect", "evaluate", "evaluate_t"]


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

    amount = product of inputs ``amounts``; Rijk part = amount x input ``rijk_share``.
    """

    amounts: tuple[int, ...]
    rijk_share: int
    weights: np.ndarray  # (C,) split over the add-on's components, sums to 1
    period_shares: np.ndarray  # (P,) sums to 1


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
    key_shifts: tuple[tuple[int, np.ndarray], ...] = ()  # (input, (C,) bool)
    funding_effects: tuple[FundingEffect, ...] = ()
    vat: tuple[VatEffect, ...] = ()
    addons: tuple[Addon, ...] = ()
    extra_funding: tuple[ExtraFunding, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """(components, periods)."""
        return self.need.shape  # type: ignore[return-value]


def _need(m: ModelArrays, xt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gross need, total and Rijk, laid out (C, P, n): draws last, so that every
    operation below runs over contiguous rows of draws."""
    n = xt.shape[1]
    mult = np.ones((*m.shape, n))
    for k, mask in m.need_multipliers:
        for c, p in zip(*np.nonzero(mask), strict=True):
            mult[c, p] *= xt[k]
    for v in m.vat:
        vat = 1.0 + xt[v.rate] * (1.0 - xt[v.reclaimable]) * xt[v.excluded]
        for c in np.flatnonzero(v.components):
            mult[c] *= vat
    need = mult
    need *= m.need[:, :, None]
    rijk = need * m.key[:, None, None]
    if m.key_shifts:
        shift: dict[int, np.ndarray] = {}
        for k, mask in m.key_shifts:
            for c in np.flatnonzero(mask):
                shift[c] = shift.get(c, m.key[c]) + xt[k]
        for c, key in shift.items():
            np.multiply(need[c], np.clip(key, 0.0, 1.0), out=rijk[c])
    for a in m.addons:
        amount = np.prod(xt[list(a.amounts)], axis=0)
        share = xt[a.rijk_share]
        for c in np.flatnonzero(a.weights):
            for p in np.flatnonzero(a.period_shares):
                add = amount * (a.weights[c] * a.period_shares[p])
                need[c, p] += add
                rijk[c, p] += add * share
    return need, rijk


def _funding(m: ModelArrays, xt: np.ndarray, need_rijk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arranged funding, total and Rijk, (C, P, n)."""
    n = xt.shape[1]
    rijk = np.zeros((*m.shape, n))
    cofin = np.zeros((*m.shape, n))
    for s in range(m.src_rijk.shape[0]):
        parts = []
        for base, part, target in ((m.src_rijk[s], "rijk", rijk), (m.src_cofin[s], "cofin", cofin)):
            if base == 0:
                continue
            amount = np.full(n, float(base))
            for f in m.funding_effects:
                if f.sources[s] and getattr(f, part):
                    amount *= xt[f.index]
            parts.append((amount, target))
        p = m.src_period[s]
        for c in np.flatnonzero(m.allocation[s]):
            for amount, target in parts:
                target[c, p] += amount * m.allocation[s, c]
    for e in m.extra_funding:
        c = e.component
        remaining = np.maximum(need_rijk[c] - rijk[c], 0.0)  # (P, n)
        cover = np.minimum(xt[e.fraction][None, :] * e.pro_rata[:, None], remaining)
        rijk[c] += cover
        cofin[c] += cover * e.local_match
    cofin += rijk
    return cofin, rijk


def _pillar_sums(m: ModelArrays, arr: np.ndarray, head: np.ndarray, extra: np.ndarray) -> None:
    """Sum (C, P, n) over each pillar's components into ``head`` (headline components)
    and ``extra`` (all components incl. add-ons), each (Q, P, n); a loop over components."""
    head[:] = 0.0
    for c in range(arr.shape[0]):
        if m.headline[c]:
            head[m.pillar[c]] += arr[c]
    extra[:] = head
    for c in np.flatnonzero(~m.headline):
        extra[m.pillar[c]] += arr[c]


def evaluate_t(m: ModelArrays, xt: np.ndarray, detail: bool = True) -> dict[str, np.ndarray]:
    """Evaluate the model for input draws laid out (K, n); outputs have draws last.

    See :func:`evaluate` for the outputs; here their draw axis comes last.
    """
    need_total, need_rijk = _need(m, xt)
    fund_total, fund_rijk = _funding(m, xt, need_rijk)
    n = xt.shape[1]
    q, p = m.n_pillars, m.shape[1]
    # [0] headline, [1] incl. add-ons; filled in place, no stacking copies.
    need_q = np.empty((2, q, p, 2, n))
    fund_q = np.empty((2, q, p, 2, n))
    short = np.empty((2, q, p, 2, 2, n))
    for s, (need, fund) in enumerate(((need_total, fund_total), (need_rijk, fund_rijk))):
        _pillar_sums(m, need, need_q[0, :, :, s], need_q[1, :, :, s])
        _pillar_sums(m, fund, fund_q[0, :, :, s], fund_q[1, :, :, s])
        np.subtract(need_q[:, :, :, s], fund_q[:, :, :, s], out=short[:, :, :, s, 0])
        gap = np.subtract(need, fund)
        np.maximum(gap, 0.0, out=gap)
        _pillar_sums(m, gap, short[0, :, :, s, 1], short[1, :, :, s, 1])
    out: dict[str, np.ndarray] = {}
    for i, suffix in enumerate(("", "_incl_addons")):
        out["need_pillar" + suffix] = need_q[i]  # (Q, P, S, n)
        out["funding_pillar" + suffix] = fund_q[i]
        out["shortfall" + suffix] = short[i]  # (Q, P, S, N, n)
    if detail:
        out["need"] = np.stack([need_total, need_rijk], axis=2)  # (C, P, S, n)
        out["funding"] = np.stack([fund_total, fund_rijk], axis=2)
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
