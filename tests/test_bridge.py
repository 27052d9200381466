"""The bridge from Rebel's figure to P50/P85: exact sums, dummy groups, known Shapley values."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from published import PUBLISHED, PUBLISHED_TOTAL
from scipy import stats

import nplv_sim
from nplv_sim.bridge import BRIDGE_COLUMNS, bridge, shapley
from nplv_sim.cli import main
from nplv_sim.scenarios import apply_scenario, load_scenario
from nplv_sim.tomlreader import read_toml

SHIPPED = Path(__file__).resolve().parents[1] / "distributions"


@pytest.fixture(scope="module")
def default_bridge(default_assumptions):
    return bridge(default_assumptions, 10_000, rng=42)


def _permutation_shapley(v, g_count: int) -> np.ndarray:
    """Shapley values as the average marginal contribution over all orders (the definition)."""
    phi = np.zeros(g_count)
    orders = list(itertools.permutations(range(g_count)))
    for order in orders:
        mask = 0
        for g in order:
            phi[g] += v[mask | 1 << g] - v[mask]
            mask |= 1 << g
    return phi / len(orders)


def test_shapley_equals_the_permutation_definition():
    rng = np.random.default_rng(0)
    v = rng.normal(size=16)
    np.testing.assert_allclose(shapley(v), _permutation_shapley(v, 4), rtol=0, atol=1e-12)


def test_shapley_of_an_additive_game_is_each_players_part():
    parts = np.array([3.0, -1.5, 7.25])
    v = np.array([sum(parts[g] for g in range(3) if m >> g & 1) for m in range(8)])
    np.testing.assert_allclose(shapley(v), parts, rtol=0, atol=1e-12)


def test_contributions_sum_exactly_to_the_quantile_difference(default_bridge):
    ds = default_bridge
    total = ds["contribution"].sum("group")
    np.testing.assert_allclose(total, ds["simulated"] - ds["reference"], rtol=0, atol=1e-9)
    assert ds.attrs["calibration_anchor"] == "median"
    assert set(ds["group"].values) >= {f"U{i}" for i in range(1, 11)} | {"uplift", "R"}


def test_reference_is_rebels_figure(default_bridge):
    ref = default_bridge["reference"]
    assert float(ref.sel(pillar="all", period="P1", scope="total")) == PUBLISHED_TOTAL["P1", "total"]
    assert float(ref.sel(pillar="physical", period="P2", scope="rijk")) == PUBLISHED["physical", "P2", "rijk"]
    assert float(ref.sel(pillar="all", period="horizon", scope="rijk")) == (
        PUBLISHED_TOTAL["P1", "rijk"] + PUBLISHED_TOTAL["P2", "rijk"]
    )


def test_simulated_quantiles_are_those_of_simulate(default_assumptions, default_bridge):
    ds = nplv_sim.simulate(default_assumptions, 10_000, rng=42)
    want = np.quantile(ds["shortfall_all_periods"].sel(netting="pillar", scope="rijk"), [0.5, 0.85])
    got = default_bridge["simulated"].sel(basis="headline", pillar="all", period="horizon", scope="rijk").values
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    incl = ds["shortfall_incl_addons"].sel(pillar="physical", period="P2", scope="total", netting="pillar")
    got = default_bridge["simulated"].sel(basis="incl_addons", pillar="physical", period="P2", scope="total")
    np.testing.assert_allclose(got.values, np.quantile(incl, [0.5, 0.85]), rtol=0, atol=1e-9)


def test_a_group_that_moves_nothing_contributes_exactly_zero(default_bridge, default_assumptions, tmp_path):
    # U1 (funderingsherstel) does not move the headline basis: a dummy player there.
    head = default_bridge["contribution"].sel(basis="headline", group="U1")
    assert float(np.abs(head).max()) == 0.0
    assert float(default_bridge["contribution"].sel(basis="incl_addons", group="U1", pillar="all").min()) > 0
    # A group held at its baseline is no player and contributes exactly 0; the sums still hold.
    path = tmp_path / "hold_u7.toml"
    u7 = [x.name for x in default_assumptions.inputs if x.group == "U7"]
    path.write_text(
        'schema = "nplv-sim/scenario/1"\nlabel_nl = "t"\nlabel_en = "t"\nsource = "test"\n'
        + "".join(f"[inputs.{n}]\nenabled = false\n" for n in u7)
    )
    held = apply_scenario(path, read_toml(path), default_assumptions)
    ds = bridge(held, 5_000, rng=42)
    assert float(np.abs(ds["contribution"].sel(group="U7")).max()) == 0.0
    assert int(ds["player"].sel(group="U7")) == 0
    np.testing.assert_allclose(ds["contribution"].sum("group"), ds["simulated"] - ds["reference"], rtol=0, atol=1e-9)


def test_the_uplift_layer_is_shown_apart(default_assumptions):
    ds = bridge(load_scenario("optimism_bias", default_assumptions), 5_000, rng=3)
    up = ds["contribution"].sel(group="uplift", basis="headline", pillar="all", period="horizon", scope="total")
    assert float(up.sel(quantile=0.5)) > 0.1 * 7080  # median uplift about +18 %
    np.testing.assert_allclose(ds["contribution"].sum("group"), ds["simulated"] - ds["reference"], rtol=0, atol=1e-9)


LINEAR = """schema = "nplv-sim/uncertainty/1"
title = "linear test model"
facts = "rebel_2026_facts.toml"

[inputs.cost]
group = "U4"
label_en = "cost"
distribution = "truncnormal"
mean = 1.0
sd = 0.1
low = 0.0
baseline = 1.0
effect = "need_multiplier"
components = ["new_build"]
periods = ["P1"]
source = "test"
rationale = "test"

[inputs.money]
group = "U7"
label_en = "money"
distribution = "truncnormal"
mean = 1.0
sd = 0.2
low = 0.0
baseline = 1.0
effect = "funding_multiplier"
sources = ["realisatiestimulans"]
source = "test"
rationale = "test"
"""


def test_linear_model_has_the_analytic_shapley_values(tmp_path):
    # Physical P1 total = 2,375 + 445 (m - 1) - 290 (r - 1), m ~ N(1, 0.1), r ~ N(1, 0.2)
    # independent (the truncation at 0 is 10 and 5 sd away). v(S) = 2,375 + z_q sd(S).
    (tmp_path / "u.toml").write_text(LINEAR)
    (tmp_path / "rebel_2026_facts.toml").write_text((SHIPPED / "rebel_2026_facts.toml").read_text(encoding="utf-8"))
    a = nplv_sim.load_assumptions(tmp_path / "u.toml")
    ds = bridge(a, 40_000, rng=11, quantiles=(0.85,), replicates=10)
    s1, s2 = 445 * 0.1, 290 * 0.2
    z = stats.norm.ppf(0.85)
    v1, v2, v12 = z * s1, z * s2, z * math.hypot(s1, s2)
    want = {"U4": 0.5 * v1 + 0.5 * (v12 - v2), "U7": 0.5 * v2 + 0.5 * (v12 - v1)}
    cell = {"basis": "headline", "pillar": "physical", "period": "P1", "scope": "total", "quantile": 0.85}
    for g, w in want.items():
        got = float(ds["contribution"].sel({**cell, "group": g}))
        se = float(ds["contribution_se"].sel({**cell, "group": g}))
        assert 0 < se < 5 and abs(got - w) <= 4.5 * se + 0.5, (g, got, w, se)
    assert float(ds["contribution"].sel({**cell, "group": "R"})) == 2375 - 2375  # baseline meets Table 7


def test_cli_writes_bridge_csv_for_dutch_excel_and_refuses_overwrite(tmp_path, capsys):
    args = ["bridge", "--draws", "2000", "--seed", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    raw = (tmp_path / "bridge.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == list(BRIDGE_COLUMNS)
    assert any(";Beide pijlers;" in f";{ln};" or ln.startswith("Beide pijlers;") for ln in lines)
    assert any("2026\u20132035" in ln for ln in lines)
    # 2 bases x 3 pillars x 3 periods x 2 scopes x 2 quantiles x 12 groups
    assert len(lines) == 1 + 2 * 3 * 3 * 2 * 2 * 12
    out = capsys.readouterr().out
    assert "Funderingsherstel" in out and "coalities" in out
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


def test_cli_english(tmp_path):
    assert main(["bridge", "--draws", "2000", "--seed", "1", "--lang", "en", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "bridge.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(BRIDGE_COLUMNS) and "Both pillars" in text and "Foundation repair" in text


@pytest.mark.slow
def test_standard_errors_match_the_spread_over_seeds(default_assumptions):
    # Batch-means s.e. against the spread of contributions over independent seeds. With 8
    # seeds a sample sd lies within about -55 %/+55 % of the true one at 2 sd; a s.e.
    # missing its 1/sqrt(replicates) would be 3.2 times too large.
    cell = {"basis": "headline", "pillar": "all", "period": "horizon", "scope": "rijk", "quantile": 0.85}
    runs = [bridge(default_assumptions, 6_000, rng=500 + s) for s in range(8)]
    for g in ("U4", "U5", "U10"):
        values = np.array([float(r["contribution"].sel({**cell, "group": g})) for r in runs])
        se = np.mean([float(r["contribution_se"].sel({**cell, "group": g})) for r in runs])
        assert 0.35 < values.std(ddof=1) / se < 2.2, g


def test_cli_refuses_too_few_draws_in_one_line(tmp_path, capsys):
    assert main(["bridge", "--draws", "50", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "at least 10 per replicate (100), got 50" in err
    assert not (tmp_path / "bridge.csv").exists()


def test_bridge_figure_steps_run_from_rebels_figure_to_the_simulated_quantile(default_bridge):
    """Each panel's floating bars start at Rebel's figure, chain, and end at the simulated quantile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nplv_sim.figures import plot_bridge

    fig = plot_bridge(default_bridge, pillar="all", period="horizon", scope="rijk", lang="en")
    ref = float(default_bridge["reference"].sel(pillar="all", period="horizon", scope="rijk"))
    panels = 0
    for ax in fig.axes:
        bars = [p for p in ax.patches if str(p.get_gid()).startswith("bridge:")]
        if not bars:
            continue
        panels += 1
        basis, q = bars[0].get_gid().split(":")[1:3]
        sim = float(default_bridge["simulated"].sel(basis=basis, pillar="all", period="horizon", scope="rijk",
                                                    quantile=float(q)))
        start = ref
        for bar in bars:  # drawn in reading order
            assert bar.get_x() == pytest.approx(start, abs=1e-9)
            start += bar.get_width()
        assert start == pytest.approx(sim, abs=1e-6)
    assert panels == 4
    assert len({ax.get_xlim() for ax in fig.axes if ax.patches}) == 1  # one scale for every panel
    plt.close(fig)
