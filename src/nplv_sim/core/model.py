"""The arithmetic of the NPLV shortfall: need - arranged funding, per draw.

Shapes use ``n`` draws, ``C`` components, ``P`` periods, ``S`` funding sources and
``K`` inputs. Amounts are EUR million. Scope index 0 is the total, 1 the Rijk share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Addon", "ExtraFunding", "FundingEffect", "ModelArrays", "VatEffect", "evaluate"]


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


def _need(m: ModelArrays, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gross need, total and Rijk, laid out (n, P, C): components last for fast sums."""
    n = x.shape[0]
    n_c, n_p = m.shape
    mult = np.ones((n, n_p * n_c))
    for k, mask in m.need_multipliers:
        cells = np.flatnonzero(mask.T)  # (P, C) order; column operations, no mask copies
        if cells.size == 1:
            mult[:, cells[0]] *= x[:, k]
        else:
            mult[:, cells] *= x[:, k, None]
    mult = mult.reshape(n, n_p, n_c)
    for v in m.vat:
        vat = 1.0 + x[:, v.rate] * (1.0 - x[:, v.reclaimable]) * x[:, v.excluded]
        mult[:, :, v.components] *= vat[:, None, None]
    need = m.need.T * mult
    key = np.broadcast_to(m.key, (n, n_c)).copy()
    for k, mask in m.key_shifts:
        key[:, mask] += x[:, k, None]
    np.clip(key, 0.0, 1.0, out=key)
    rijk = need * key[:, None, :]
    for a in m.addons:
        amount = np.prod(x[:, list(a.amounts)], axis=1)
        spread = a.period_shares[:, None] * a.weights[None, :]  # (P, C)
        add = amount[:, None, None] * spread
        need += add
        rijk += add * x[:, a.rijk_share, None, None]
    return need, rijk


def _funding(m: ModelArrays, x: np.ndarray, need_rijk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arranged funding, total and Rijk, (n, P, C)."""
    n = x.shape[0]
    n_c, n_p = m.shape
    n_src = m.src_rijk.shape[0]
    rijk_mult = np.ones((n, n_src))
    cofin_mult = np.ones((n, n_src))
    for f in m.funding_effects:
        if f.rijk:
            rijk_mult[:, f.sources] *= x[:, f.index, None]
        if f.cofin:
            cofin_mult[:, f.sources] *= x[:, f.index, None]
    # route[s, p, c]: source s funds component c, in its own period p only.
    route = (m.src_period[:, None] == np.arange(n_p)[None, :])[:, :, None] * m.allocation[:, None, :]
    route = route.reshape(n_src, n_p * n_c)
    rijk = ((rijk_mult * m.src_rijk) @ route).reshape(n, n_p, n_c)
    cofin = ((cofin_mult * m.src_cofin) @ route).reshape(n, n_p, n_c)
    for e in m.extra_funding:
        c = e.component
        remaining = np.maximum(need_rijk[:, :, c] - rijk[:, :, c], 0.0)
        cover = np.minimum(x[:, e.fraction, None] * e.pro_rata[None, :], remaining)
        rijk[:, :, c] += cover
        cofin[:, :, c] += cover * e.local_match
    return rijk + cofin, rijk


def pillar_weights(m: ModelArrays) -> np.ndarray:
    """(C, 2Q) 0/1 matrix: columns sum each pillar's headline, then all its components."""
    onehot = (m.pillar[:, None] == np.arange(m.n_pillars)[None, :]).astype(float)
    return np.concatenate([onehot * m.headline[:, None], onehot], axis=1)


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
        component (n, C, P, 2). All in EUR million.
    """
    need_total, need_rijk = _need(m, x)
    fund_total, fund_rijk = _funding(m, x, need_rijk)
    n = x.shape[0]
    n_c, n_p = m.shape
    w = pillar_weights(m)
    q = m.n_pillars
    need = np.stack([need_total, need_rijk], axis=1)  # (n, 2, P, C)
    funding = np.stack([fund_total, fund_rijk], axis=1)

    def by_pillar(arr: np.ndarray) -> np.ndarray:
        # One matrix product sums every pillar's components: (n*2*P, C) @ (C, 2Q).
        return (arr.reshape(-1, n_c) @ w).reshape(n, 2, n_p, 2 * q)

    need_sum, fund_sum = by_pillar(need), by_pillar(funding)
    pos_sum = by_pillar(np.maximum(need - funding, 0.0))
    gap_sum = need_sum - fund_sum
    out: dict[str, np.ndarray] = {}
    for suffix, cols in (("", slice(0, q)), ("_incl_addons", slice(q, 2 * q))):
        # (n, S, P, Q) -> (n, Q, P, S)
        out["need_pillar" + suffix] = need_sum[..., cols].transpose(0, 3, 2, 1)
        out["funding_pillar" + suffix] = fund_sum[..., cols].transpose(0, 3, 2, 1)
        out["shortfall" + suffix] = np.stack(
            [gap_sum[..., cols].transpose(0, 3, 2, 1), pos_sum[..., cols].transpose(0, 3, 2, 1)], axis=-1
        )
    if detail:
        out["need"] = need.transpose(0, 3, 2, 1)
        out["funding"] = funding.transpose(0, 3, 2, 1)
    return out
