"""The bridge from Rebel's figure to the simulated P50 and P85.

For each headline cell (both pillars together and per pillar; P1, P2 and 2026–2035;
scopes total and Rijk; without and with the add-ons such as funderingsherstel) the bridge
splits *simulated quantile − Rebel's figure* into

* one row ``R`` (rounding and reconciliation): the deterministic baseline minus Rebel's
  figure (e.g. 2,935 computed against the 2,940 of Table 1), no Monte Carlo error;
* one row per uncertainty group (U1–U10) and the uplift layer: its **Shapley value** in the
  game whose players are the groups and whose value of a coalition *S* is the quantile when
  the groups in *S* are drawn and all others held at their baseline.

Shapley values add up exactly (to floating-point rounding) to the difference between the
quantile with every group drawn and with none, so the rows of a cell sum to the simulated
quantile minus Rebel's figure. A group that does not move a cell's draws contributes
exactly 0. Every coalition is evaluated on the **same normal scores** (common random
numbers: one draw of each input's stream, reused 2^G times); holding a group at baseline
only replaces its rows of input values. U10 (correlation) is a player too: without it the
inputs take their values from the independent scores, with it from the scores after the
Gaussian copula. An add-on's amount is "at baseline" when it is not counted (Rebel's
headline basis), so U1 carries the whole of funderingsherstel.

Monte Carlo error: batch means. The draws are cut into ``replicates`` consecutive batches;
each batch gives its own Shapley values, and the standard error of a contribution is the
standard deviation of those batch values divided by sqrt(replicates).
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Sequence

import numpy as np
import xarray as xr

from . import __version__, validation
from .compiled import compile_assumptions
from .core.engine import blocks
from .core.model import evaluate_t
from .core.quantiles import batch_means_se, sample_quantiles
from .core.sampling import apply_copula, normal_scores_t
from .errors import NplvError
from .formatting import format_number
from .glossary import group_label, term
from .schema import UPLIFT_GROUP, Assumptions
from .uplift import layer_state

__all__ = ["BRIDGE_COLUMNS", "GROUPS", "bridge", "bridge_csv", "bridge_rows", "shapley"]

# The players in their reading order; groups without drawn inputs contribute 0.
GROUPS = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9", "U10", UPLIFT_GROUP)
CORRELATION_GROUP = "U10"
RECONCILIATION = "R"
BRIDGE_COLUMNS = (
    "pillar",
    "period",
    "scope",
    "basis",
    "quantile",
    "reference",
    "simulated",
    "group",
    "group_label",
    "contribution",
    "contribution_se",
)
ALL = "all"
HORIZON = "horizon"
SCOPES = ("total", "rijk")
BASES = ("headline", "incl_addons")
# 2^12 coalitions take about 12 minutes at 1e5 draws (1024 take about 3).
MAX_PLAYERS = 12
# Draws evaluated together: the model's work arrays stay in cache.
_CHUNK = 4096


def shapley(values: np.ndarray) -> np.ndarray:
    """Shapley values of a game given by its value for every coalition.

    Parameters
    ----------
    values : ndarray
        Shape (2**G, ...): ``values[mask]`` is the value of the coalition whose players are
        the set bits of ``mask``.

    Returns
    -------
    ndarray
        Shape (G, ...): player ``g``'s Shapley value
        ``sum over S not containing g of |S|! (G - |S| - 1)! / G! (v(S + g) - v(S))``.
        They sum to ``values[-1] - values[0]``.
    """
    n_sets = values.shape[0]
    g_count = n_sets.bit_length() - 1
    if 1 << g_count != n_sets:
        raise ValueError(f"values must have 2**G rows, got {n_sets}")
    size = np.array([bin(m).count("1") for m in range(n_sets)])
    weight = np.array(
        [math.factorial(s) * math.factorial(g_count - s - 1) / math.factorial(g_count) for s in range(g_count)]
    )
    out = np.zeros((g_count, *values.shape[1:]))
    for g in range(g_count):
        bit = 1 << g
        without = np.array([m for m in range(n_sets) if not m & bit])
        w = weight[size[without]].reshape(-1, *([1] * (values.ndim - 1)))
        out[g] = np.sum(w * (values[without | bit] - values[without]), axis=0)
    return out


def _references(a: Assumptions, pillars: tuple[str, ...], periods: tuple[str, ...]) -> np.ndarray:
    """Rebel's remaining need per (pillar incl. all, period incl. horizon, scope), from the
    facts file's published figures (pillar netting); the horizon is the sum of periods."""
    ref = np.full((len(pillars) + 1, len(periods) + 1, 2), np.nan)
    names = [*pillars, ALL]
    for p in a.facts.published:
        if p.measure == "shortfall" and p.netting == "pillar" and p.pillar in names and p.period in periods:
            ref[names.index(p.pillar), periods.index(p.period), SCOPES.index(p.scope)] = p.value
    ref[:, -1] = ref[:, :-1].sum(axis=1)
    return ref


def _cells(out: dict[str, np.ndarray], dest: np.ndarray) -> None:
    """Remaining need (pillar netting) per (basis, pillar + all, period + horizon, scope)
    from the model's outputs, into ``dest`` (2, Q + 1, P + 1, 2, m)."""
    for b, name in enumerate(("shortfall", "shortfall_incl_addons")):
        s = out[name][..., 0, :]  # (Q, P, scope, m): pillar netting
        q, p = s.shape[:2]
        dest[b, :q, :p] = s
        dest[b, q, :p] = s.sum(axis=0)
        dest[b, :, p] = dest[b, :, :p].sum(axis=1)


def bridge(
    assumptions: Assumptions,
    draws: int = 100_000,
    rng: int | np.random.SeedSequence | None = None,
    method: str = "random",
    quantiles: Sequence[float] = (0.5, 0.85),
    replicates: int = 10,
) -> xr.Dataset:
    """Attribute the distance from Rebel's figure to each simulated quantile.

    Parameters
    ----------
    assumptions : Assumptions
        The assumptions (a scenario applied, if wanted: e.g. ``optimism_bias`` to see the
        uplift layer).
    draws : int
        Monte Carlo draws, reused for every coalition of groups.
    rng : int, SeedSequence or None
        Root seed; the draws equal those of :func:`nplv_sim.simulate` with the same seed.
    method : {"random", "lhs", "sobol"}
        Sampling method.
    quantiles : sequence of float
        Probabilities (default P50 and P85).
    replicates : int
        Batches for the batch-means standard error (at least 2).

    Returns
    -------
    xarray.Dataset
        ``contribution`` and ``contribution_se`` (basis, pillar, period, scope, quantile,
        group) in million EUR; ``reference`` (Rebel's figure), ``baseline`` (deterministic)
        and ``simulated`` (the quantile). Per cell, ``contribution`` summed over ``group``
        equals ``simulated - reference``. Pillar ``all`` is both pillars, period
        ``horizon`` is 2026–2035; basis ``headline`` excludes the add-ons, ``incl_addons``
        counts them.
    """
    replicates = validation.check_positive_int("replicates", replicates, 2)
    probs = validation.check_probabilities("quantiles", quantiles, open_interval=True)
    draws = validation.check_draws(draws)
    method = validation.check_method(method)
    root = validation.root_seed(rng)
    validation.check_draws_per_replicate(draws, replicates)
    started = time.perf_counter()
    cm = compile_assumptions(assumptions)
    plan = cm.plan
    inputs = assumptions.inputs
    rows = np.flatnonzero(plan.random)  # input index of each row of the normal scores
    # Inputs of a switched-off add-on move nothing: they are no player's.
    off = {ad.name for ad in assumptions.addons if not ad.enabled}
    groups_of_rows = ["" if inputs[k].targets.get("addon") in off else inputs[k].group for k in rows]
    correlated = plan.chol is not None
    players = [g for g in GROUPS if g in groups_of_rows or (g == CORRELATION_GROUP and correlated)]
    players += sorted({g for g in groups_of_rows if g and g not in GROUPS})
    if len(players) > MAX_PLAYERS:
        raise NplvError(
            f"the bridge takes at most {MAX_PLAYERS} groups ({1 << MAX_PLAYERS} coalitions); these assumptions draw"
            f" {len(players)}: {', '.join(players)}"
        )
    # At baseline an add-on is not counted (Rebel's headline), so its group carries all of it.
    base = plan.baseline.copy()
    for k in rows:
        if inputs[k].effect == "addon_amount":
            base[k] = 0.0

    # One set of normal scores for every coalition; values without and with the copula.
    raw = np.empty((rows.size, draws))
    cor = raw if plan.chol is None else np.empty_like(raw)
    for block in blocks(draws):
        start, stop = block.start, block.start + block.n
        z = normal_scores_t(method, root, plan.streams, block.index, block.n)
        for r, k in enumerate(rows):
            plan.laws[k].from_normal(z[r], out=raw[r, start:stop])
        if plan.chol is not None:
            apply_copula(plan.chol, z)
            for r, k in enumerate(rows):
                plan.laws[k].from_normal(z[r], out=cor[r, start:stop])

    n_q, n_p = len(cm.pillars) + 1, len(cm.periods) + 1
    n_sets = 1 << len(players)
    value = np.empty((n_sets, len(probs), 2, n_q, n_p, 2))
    value_rep = np.empty((n_sets, replicates, len(probs), 2, n_q, n_p, 2))
    edges = np.linspace(0, draws, replicates + 1).astype(int)
    y = np.empty((2, n_q, n_p, 2, draws))
    xt = np.empty((len(inputs), _CHUNK))
    for mask in range(n_sets):
        on = {p for i, p in enumerate(players) if mask >> i & 1}
        source = cor if CORRELATION_GROUP in on else raw
        drawn = np.array([g in on for g in groups_of_rows], dtype=bool)
        for s in range(0, draws, _CHUNK):
            e = min(s + _CHUNK, draws)
            x = xt[:, : e - s]
            x[:] = base[:, None]
            x[rows[drawn]] = source[drawn, s:e]
            _cells(evaluate_t(cm.arrays, x, detail=False), y[..., s:e])
        value[mask] = sample_quantiles(y, probs)
        for r in range(replicates):
            value_rep[mask, r] = sample_quantiles(y[..., edges[r] : edges[r + 1]], probs)

    phi = shapley(value)  # (G, quantile, basis, pillar, period, scope)
    phi_rep = shapley(value_rep)  # (G, replicate, ...)
    se = batch_means_se(phi_rep, axis=1)
    ref = _references(assumptions, cm.pillars, cm.periods)  # (pillar, period, scope)
    baseline = value[0, 0]  # every draw at baseline: the deterministic value
    names = [*GROUPS, *[p for p in players if p not in GROUPS], RECONCILIATION]
    contrib = np.zeros((len(names), len(probs), 2, n_q, n_p, 2))
    contrib_se = np.zeros_like(contrib)
    for i, p in enumerate(players):
        contrib[names.index(p)] = phi[i]
        contrib_se[names.index(p)] = se[i]
    contrib[-1] = baseline[None] - ref[None, None]
    order = (1, 2, 3, 4, 5, 0)  # group last -> (quantile, basis, pillar, period, scope, group)
    dims = ("basis", "pillar", "period", "scope")
    coords = {
        "basis": list(BASES),
        "pillar": [*cm.pillars, ALL],
        "period": [*cm.periods, HORIZON],
        "scope": list(SCOPES),
        "quantile": probs,
        "group": names,
    }
    attrs = {"units": "million EUR"}
    ds = xr.Dataset(
        {
            "contribution": (
                ("quantile", *dims, "group"),
                contrib.transpose(order),
                {**attrs, "long_name_en": "Contribution to simulated quantile minus Rebel's figure"},
            ),
            "contribution_se": (
                ("quantile", *dims, "group"),
                contrib_se.transpose(order),
                {**attrs, "long_name_en": "Monte Carlo standard error of the contribution (batch means)"},
            ),
            "simulated": (("quantile", *dims), value[-1], {**attrs, "long_name_en": "Simulated quantile"}),
            "baseline": (
                dims,
                baseline,
                {**attrs, "long_name_en": "Deterministic baseline (every input at its baseline, add-ons not counted)"},
            ),
            "reference": (("pillar", "period", "scope"), ref, {**attrs, "long_name_en": "Rebel's figure (published)"}),
        },
        coords=coords,
    )
    ds = ds.assign_coords(
        group_label_nl=("group", [group_label(g, "nl") for g in names]),
        group_label_en=("group", [group_label(g, "en") for g in names]),
        player=("group", np.array([g in players for g in names], dtype=np.int8)),
    )
    entropy, spawn_key = root
    ds.attrs = {
        "title": "nplv-sim bridge: from Rebel's figure to the simulated quantiles",
        "nplv_sim_version": __version__,
        "method": "Shapley values over the uncertainty groups, each held at its baseline; common random numbers",
        "se_method": f"batch means over {replicates} consecutive batches of draws",
        "n_replicates": replicates,
        "players": ", ".join(players),
        "n_coalitions": n_sets,
        "n_draws": draws,
        "sampling_method": method,
        "seed_entropy": str(entropy),
        "seed_spawn_key": ",".join(map(str, spawn_key)),
        "calibration_anchor": assumptions.calibration.anchor
        if assumptions.calibration is not None
        else "none declared",
        "assumptions_file": assumptions.path,
        "assumptions_sha256": assumptions.sha256,
        "scenario": assumptions.scenario,
        "uplift_layer": layer_state(assumptions),
        "addons_in_incl_basis": ", ".join(ad.label_en for ad in assumptions.addons if ad.enabled),
        "addons_in_incl_basis_nl": ", ".join(ad.label_nl for ad in assumptions.addons if ad.enabled),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return ds


def _labels(
    ds: xr.Dataset, a_pillars: dict[str, tuple[str, str]], years: dict[str, tuple[int, int]], lang: str
) -> dict:
    i = 0 if lang == "nl" else 1
    addons = ds.attrs["addons_in_incl_basis_nl" if lang == "nl" else "addons_in_incl_basis"] or (
        "geen" if lang == "nl" else "none"
    )
    return {
        "pillar": {**{k: v[i] for k, v in a_pillars.items()}, ALL: ("Beide pijlers", "Both pillars")[i]},
        "period": {k: f"{first}\u2013{last}" for k, (first, last) in years.items()},
        "scope": {"total": ("Totaal", "Total")[i], "rijk": "Rijk"},
        "basis": {
            "headline": ("Zonder aanvullende ramingen (basis Rebel)", "Without add-ons (Rebel's basis)")[i],
            "incl_addons": (f"Met {addons.lower()}", f"With {addons.lower()}")[i],
        },
    }


def bridge_rows(ds: xr.Dataset, assumptions: Assumptions, lang: str = "nl") -> list[dict[str, object]]:
    """One row per cell, quantile and group (see :data:`BRIDGE_COLUMNS`), labels in ``lang``.

    Numbers stay floats (million EUR); :func:`bridge_csv` formats them.
    """
    if lang not in ("nl", "en"):
        raise NplvError(f"lang must be 'nl' or 'en', got {lang!r}")
    pillars = {p.name: (term(p.name, "nl").capitalize(), term(p.name, "en").capitalize())
               for p in assumptions.facts.pillars}  # the glossary's words
    periods = assumptions.facts.periods
    years = {p.name: (p.first_year, p.last_year) for p in periods}
    years[HORIZON] = (periods[0].first_year, periods[-1].last_year)
    lab = _labels(ds, pillars, years, lang)
    label = ds["group_label_nl" if lang == "nl" else "group_label_en"].values
    rows = []
    for basis in ds["basis"].values:
        for pillar in ds["pillar"].values:
            for period in ds["period"].values:
                for scope in ds["scope"].values:
                    cell = {"basis": basis, "pillar": pillar, "period": period, "scope": scope}
                    ref = float(ds["reference"].sel(pillar=pillar, period=period, scope=scope))
                    for q in ds["quantile"].values:
                        sim = float(ds["simulated"].sel({**cell, "quantile": q}))
                        c = ds["contribution"].sel({**cell, "quantile": q}).values
                        se = ds["contribution_se"].sel({**cell, "quantile": q}).values
                        for g, name in enumerate(ds["group"].values):
                            rows.append(
                                {
                                    "pillar": lab["pillar"][pillar],
                                    "period": lab["period"][period],
                                    "scope": lab["scope"][scope],
                                    "basis": lab["basis"][basis],
                                    "quantile": f"P{round(q * 100):d}",
                                    "reference": ref,
                                    "simulated": sim,
                                    "group": str(name),
                                    "group_label": str(label[g]),
                                    "contribution": float(c[g]),
                                    "contribution_se": float(se[g]),
                                }
                            )
    return rows


def bridge_csv(rows: list[dict[str, object]], lang: str = "nl") -> str:
    """The bridge as CSV: for Dutch Excel (``;``, decimal comma, byte-order mark) with
    ``lang="nl"``, plain CSV (``,``, decimal point) with ``lang="en"``."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if lang == "nl" else ",", lineterminator="\n")
    writer.writerow(BRIDGE_COLUMNS)
    for r in rows:
        writer.writerow(
            [format_number(r[k], 2, lang, grouping=False) if isinstance(r[k], float) else r[k] for k in BRIDGE_COLUMNS]
        )
    return ("\ufeff" if lang == "nl" else "") + buf.getvalue()
