"""simulate_to_precision: stops at the first block meeting the target, honest errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nplv_sim
from nplv_sim.compiled import compile_assumptions
from nplv_sim.core.engine import Block, evaluate_block
from nplv_sim.core.seeding import resolve_seed
from nplv_sim.errors import NplvError
from nplv_sim.precision import PrecisionWarning, simulate_to_precision

SEL = {"scope": "total", "netting": "pillar"}
VAR = "shortfall_all_periods"
BLOCK = 65_536


def test_random_stops_at_first_block_meeting_target(default_assumptions):
    ratios = []
    s = simulate_to_precision(
        default_assumptions,
        quantiles=(0.5, 0.85),
        target_abs=3.5,
        rng=21,
        select=SEL,
        progress=lambda done, r: ratios.append((done, r)),
    )
    n = s.attrs["n_draws"]
    assert s.attrs["precision_met"] == 1
    assert n % BLOCK == 0 and n > BLOCK  # one block gives ~4.5 M EUR: more are needed
    assert ratios[-1][1] <= 1.0 and all(r > 1.0 for _, r in ratios[:-1])
    se = s[f"{VAR}_mcse"].sel(SEL)
    assert float(se.max()) <= 3.5
    assert s.attrs["precision_achieved_se"] == pytest.approx(float(se.max()))
    # The same draws as simulate(): quantiles within the streaming bound, and the error
    # the rule used equals summarize's order-statistic error on those draws.
    exact = nplv_sim.summarize(nplv_sim.simulate(default_assumptions, n, rng=21, method="random"), (0.5, 0.85))
    bound = s[f"{VAR}_quantile_error_bound"]
    assert bool((abs(s[VAR] - exact[VAR]) <= bound).all())
    assert bool((abs(s[f"{VAR}_mcse"] - exact[f"{VAR}_mcse"]) <= 2 * bound).all())


def test_relative_target(default_assumptions):
    s = simulate_to_precision(default_assumptions, quantiles=(0.5,), target_rel=1e-3, rng=3, select=SEL)
    q = float(s[VAR].sel(SEL).sel(quantile=0.5))
    assert s.attrs["precision_met"] == 1
    assert float(s[f"{VAR}_mcse"].sel(SEL).max()) <= 1e-3 * abs(q)


def test_sobol_error_from_replicates(default_assumptions):
    blocks = 3
    s = simulate_to_precision(
        default_assumptions,
        quantiles=(0.5, 0.85),
        target_abs=50.0,
        rng=8,
        method="sobol",
        select=SEL,
        min_blocks=blocks,
    )
    assert s.attrs["n_draws"] == blocks * BLOCK  # loose target: stops at the minimum replicates
    assert "replicates" in s.attrs["precision_error_method"]
    # Independent check from the engine: per-block quantiles of the same Sobol draws.
    cm = compile_assumptions(default_assumptions)
    root = resolve_seed(8)
    per_block = []
    for b in range(blocks):
        _, out = evaluate_block(cm.arrays, cm.plan, "sobol", root, Block(b, b * BLOCK, BLOCK), False)
        total = out["shortfall"][:, :, 0, 0, :].sum(axis=(0, 1))  # both pillars and periods, total, pillar netting
        per_block.append(np.quantile(total, [0.5, 0.85]))
    per_block = np.array(per_block)
    expected = per_block.std(axis=0, ddof=1) / math.sqrt(blocks)
    np.testing.assert_allclose(s[f"{VAR}_mcse"].sel(SEL).values, expected, rtol=1e-6)
    # Scrambled Sobol beats independent draws: the replicate error is below the
    # order-statistic error of as many random draws (~4.5 / sqrt(3) M EUR at the median).
    random_se = simulate_to_precision(
        default_assumptions, quantiles=(0.5, 0.85), target_abs=1e6, rng=8, select=SEL, max_draws=BLOCK
    )
    assert np.all(expected < random_se[f"{VAR}_mcse"].sel(SEL).values / math.sqrt(blocks))


def test_max_draws_reached_warns(default_assumptions):
    with pytest.warns(PrecisionWarning, match="not reached"):
        s = simulate_to_precision(default_assumptions, target_abs=0.01, max_draws=BLOCK, rng=1, select=SEL)
    assert s.attrs["precision_met"] == 0
    assert s.attrs["n_draws"] == BLOCK
    assert s.attrs["precision_achieved_ratio"] > 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "target_abs"),
        ({"target_abs": -1.0}, "positive"),
        ({"target_abs": 1.0, "quantiles": (0.0,)}, "strictly"),
        ({"target_abs": 1.0, "method": "sobol", "min_blocks": 1}, ">= 2"),
        ({"target_abs": 1.0, "method": "sobol", "max_draws": BLOCK}, "sobol needs at least"),
        ({"target_abs": 1.0, "select": {"scope": "nowhere"}}, "nowhere"),
    ],
)
def test_errors(default_assumptions, kwargs, match):
    with pytest.raises(NplvError, match=match):
        simulate_to_precision(default_assumptions, **kwargs)


def test_cli_refuses_too_few_draws_for_replicates_before_making_a_folder(tmp_path, capsys):
    from nplv_sim.cli import main

    out = tmp_path / "out"
    code = main(["run", "--precision", "5", "--draws", "100000", "--method", "lhs", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "lhs needs at least 8" in err[0] and "allow at least 524,288 draws (--draws)" in err[0]
    assert not out.exists()
