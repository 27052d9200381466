"""Sensitivity indices against analytic values (sensitivity.py)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import nplv_sim
from nplv_sim.sensitivity import analyze_sensitivity, sobol_indices, tornado, tornado_inputs

PI = np.pi
# Ishigami (a = 7, b = 0.1), inputs uniform on [-pi, pi]: Sobol & Levitan (1999)
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def as_dataset(x: np.ndarray, y: np.ndarray, groups: list[str] | None = None) -> xr.Dataset:
    """Wrap given draws in the layout of a simulate() Dataset (one output cell)."""
    n, k = x.shape
    names = [f"x{i + 1}" for i in range(k)]
    shortfall = y.reshape(n, 1, 1, 1, 1)
    return xr.Dataset(
        {
            "shortfall": (("draw", "pillar", "period", "scope", "netting"), shortfall, {"units": "million EUR"}),
            "input_value": (("draw", "input"), x),
        },
        coords={
            "draw": np.arange(n),
            "pillar": ["physical"],
            "period": ["P1"],
            "scope": ["total"],
            "netting": ["pillar"],
            "input": names,
            "input_group": ("input", groups or names),
            "input_random": ("input", np.ones(k, dtype=np.int8)),
        },
    )


def tolerance(ds: xr.Dataset, name: str, k: float = 4.0) -> np.ndarray:
    """k bootstrap standard errors (from the 90 % interval) plus a small binning allowance."""
    ci = ds[f"{name}_ci"].values[:, 0, :]
    return k * (ci[:, 1] - ci[:, 0]) / (2 * stats.norm.ppf(0.95)) + 0.01


@pytest.fixture(scope="module")
def linear_given():
    rng = np.random.default_rng(11)
    coef, sd = np.array([1.0, 2.0, -0.5, 0.0]), np.array([1.0, 0.5, 2.0, 1.0])
    x = rng.normal(0.0, sd, size=(20_000, 4))
    y = x @ coef
    ds = analyze_sensitivity(as_dataset(x, y, ["A", "A", "B", "C"]), variables=("shortfall",), n_bootstrap=60, rng=2)
    share = (coef * sd) ** 2 / ((coef * sd) ** 2).sum()
    return ds, coef, sd, share


def test_given_data_first_order_of_a_linear_model_is_the_squared_standardised_coefficient(linear_given):
    ds, _, _, share = linear_given
    s1 = ds["first_order"].values[:, 0]
    assert np.all(np.abs(s1 - share) <= tolerance(ds, "first_order")), (s1, share)
    ci = ds["first_order_ci"].values[:, 0, :]
    assert np.all((ci[:, 0] <= s1) & (s1 <= ci[:, 1]))
    # an input without effect: the bias correction removes the (M - 1) / N = 0.0026 of noise
    assert abs(s1[3]) < 0.0015


def test_spearman_of_a_linear_gaussian_model_matches_the_arcsine_law(linear_given):
    ds, coef, sd, _ = linear_given
    pearson = coef * sd / np.sqrt(((coef * sd) ** 2).sum())
    expected = 6 / PI * np.arcsin(pearson / 2)  # Spearman of a bivariate normal
    rho, ci = ds["spearman"].values[:, 0], ds["spearman_ci"].values[:, 0, :]
    assert np.all((ci[:, 0] <= expected + 0.01) & (expected - 0.01 <= ci[:, 1])), (rho, expected)
    assert np.sign(rho[2]) == -1


def test_group_r2_adds_the_shares_of_independent_inputs(linear_given):
    ds, _, _, share = linear_given
    r2 = ds["group_r2"].sel(cell=ds["cell"].values[0])
    # sample R² of a share near 1/3 has a standard error of about 0.005 at n = 20,000
    assert float(r2.sel(group="A")) == pytest.approx(share[0] + share[1], abs=0.02)
    assert float(r2.sel(group="B")) == pytest.approx(share[2], abs=0.02)
    assert float(r2.sel(group="C")) == pytest.approx(0.0, abs=0.005)
    assert float(ds["group_rank_r"].sel(group="C", cell=ds["cell"].values[0])) < 0.05


def test_given_data_first_order_reproduces_ishigami():
    x = np.random.default_rng(5).uniform(-PI, PI, size=(20_000, 3))
    ds = analyze_sensitivity(as_dataset(x, ishigami(x)), variables=("shortfall",), n_bootstrap=60, rng=3)
    s1 = ds["first_order"].values[:, 0]
    assert np.all(np.abs(s1 - ISHIGAMI_S1) <= tolerance(ds, "first_order")), s1
    assert ds.attrs["n_bins"] > 10


def test_pick_freeze_reproduces_ishigami_first_and_total_indices():
    ppf = {name: (lambda u: -PI + 2 * PI * u) for name in ("x1", "x2", "x3")}
    res = sobol_indices(ishigami, ppf, 2**13, rng=7, n_bootstrap=100, ci_prob=0.95)
    assert res.attrs["evaluations"] == 2**13 * 5
    for name, truth in (("first_order", ISHIGAMI_S1), ("total_order", ISHIGAMI_ST)):
        ci = res[f"{name}_ci"].values
        se = (ci[:, 1] - ci[:, 0]) / (2 * 1.96)
        assert np.all(np.abs(res[name].values - truth) <= 4 * se + 0.005), (name, res[name].values)
    # x3 acts only through its interaction with x1: no first-order effect, a clear total effect
    assert float(res["total_order"].sel(input="x3")) > float(res["first_order"].sel(input="x3")) + 0.15


def test_pick_freeze_linear_model_first_equals_total():
    coef, sd = np.array([3.0, 1.0, 0.5]), np.array([1.0, 2.0, 1.0])
    ppf = {f"x{i}": (lambda u, s=s: stats.norm.ppf(u, scale=s)) for i, s in enumerate(sd, start=1)}
    res = sobol_indices(lambda x: x @ coef, ppf, 2**13, rng=1, n_bootstrap=50)
    share = (coef * sd) ** 2 / ((coef * sd) ** 2).sum()
    assert res["first_order"].values == pytest.approx(share, abs=0.04)
    assert res["total_order"].values == pytest.approx(share, abs=0.02)
    assert res["input"].values.tolist() == ["x1", "x2", "x3"]


def test_sobol_indices_accepts_a_number_of_uniform_inputs():
    res = sobol_indices(lambda u: u[:, 0] + 0 * u[:, 1], 2, 4096, rng=0, n_bootstrap=20)
    assert float(res["total_order"].sel(input="x1")) == pytest.approx(1.0, abs=0.05)
    assert float(res["total_order"].sel(input="x2")) == pytest.approx(0.0, abs=1e-12)


def test_tornado_swings_and_order():
    coef = {"a": 2.0, "b": -10.0, "c": 0.5}
    res = tornado(
        lambda v: 100 + sum(coef[k] * v[k] for k in coef),
        baseline={k: 1.0 for k in coef},
        low={k: 0.0 for k in coef},
        high={k: 2.0 for k in coef},
        labels={"b": ("Bee", "B")},
        output_attrs={"units": "million EUR"},
        cell_label=("cel", "cell"),
    )
    assert res["input"].values.tolist() == ["b", "a", "c"]  # largest swing first
    assert float(res["output_baseline"]) == pytest.approx(100 + 2 - 10 + 0.5)
    assert float(res["output_low"].sel(input="b")) == pytest.approx(102.5)  # b at 0
    assert float(res["output_high"].sel(input="b")) == pytest.approx(82.5)
    assert float(res["swing"].sel(input="a")) == pytest.approx(4.0)
    assert res["input_label_nl"].sel(input="b").item() == "Bee"
    assert "correlation" in res.attrs["method"]


@pytest.fixture(scope="module")
def small_run():
    a = nplv_sim.load_assumptions()
    return a, nplv_sim.simulate(a, 3000, rng=4)


def test_analyze_sensitivity_on_a_run(small_run):
    _, ds = small_run
    res = analyze_sensitivity(ds, n_bootstrap=20, rng=1)
    random = ds["input"].values[ds["input_random"].values == 1]
    assert res["input"].values.tolist() == random.tolist()
    assert res.sizes["cell"] == 12 and set(res["cell_pillar"].values) == {"physical", "social", "all"}
    assert res["cell_label_nl"].sel(cell="all_P1_rijk").item() == "beide pijlers, 2026\u20132029, Rijk"
    ci = res["first_order_ci"].values
    assert np.all(ci[..., 0] <= ci[..., 1])
    assert np.all(np.abs(res["spearman"].values) <= 1)
    # funderingsherstel (U1) is an add-on: it cannot drive the headline shortfall
    if "U1" in res["group"].values:
        assert float(res["group_r2"].sel(group="U1").max()) < 0.01
    # estimation error (U4) drives the physical P1 total more than anything else
    assert res["group_r2"].sel(cell="physical_P1_total").idxmax().item() == "U4"


def test_tornado_inputs_baseline_from_assumptions(small_run):
    a, ds = small_run
    base, low, high, labels = tornado_inputs(ds, a)
    by_name = {i.name: i for i in a.inputs}
    assert set(base) == set(low) == set(high) == set(labels)
    for name in base:
        assert base[name] == by_name[name].baseline
        assert low[name] <= high[name]
        assert labels[name] == (by_name[name].label_nl, by_name[name].label_en)


def test_engine_sobol_indices_match_the_analytic_linear_case(tmp_path):
    """Independent uniform need multipliers on components a (need 400) and b (300): the
    shortfall is linear in them, so S1 = ST = a_i^2 var_i / sum_j a_j^2 var_j."""
    from test_oracles import FACTS_ONE_PERIOD

    from nplv_sim.evaluator import engine_sobol_indices

    a = _uniform_multipliers(tmp_path, FACTS_ONE_PERIOD, [("m_a", "a", "o", (0.8, 1.2)), ("m_b", "b", "o", (0.5, 1.5))])
    ds = engine_sobol_indices(a, n=20_000, period="P1", scope="total", rng=3, n_bootstrap=100)
    var = np.array([400.0**2 * 0.4**2 / 12, 300.0**2 * 1.0**2 / 12])
    expected = var / var.sum()
    for j, c in enumerate("ab"):
        for kind in ("first_order", "total_order"):
            est = float(ds[kind].sel(input=f"m_{c}"))
            lo, hi = ds[f"{kind}_ci"].sel(input=f"m_{c}").values
            # tolerance from the bootstrap: 1.5 half-widths of the 95 % interval (~3 s.e.)
            assert abs(est - expected[j]) <= 1.5 * (hi - lo) / 2, (kind, c, est, expected[j])
    assert ds.attrs["correlation"].startswith("ignored")


def test_engine_sobol_indices_by_group_match_the_analytic_linear_case(tmp_path):
    """Three independent uniform multipliers on a linear shortfall, two of them in one group:
    the grouped S1 = ST = the group's share of the variance (an analytic oracle)."""
    from test_oracles import FACTS_ONE_PERIOD

    from nplv_sim.evaluator import engine_sobol_indices

    a = _uniform_multipliers(
        tmp_path,
        FACTS_ONE_PERIOD,
        [("m1", "a", "G1", (0.8, 1.2)), ("m2", "b", "G1", (0.9, 1.1)), ("m3", "b", "G2", (0.5, 1.5))],
    )
    # need a = 400, b = 300; m2 and m3 both multiply b: Y = 400 m1 + 300 m2 m3 (an interaction)
    ds = engine_sobol_indices(a, n=2**14, period="P1", scope="total", rng=5, n_bootstrap=200, by="group")
    v1, e2, v2, e3, v3 = 0.4**2 / 12, 1.0, 0.2**2 / 12, 1.0, 1.0**2 / 12
    var_m2m3 = (v2 + e2**2) * (v3 + e3**2) - (e2 * e3) ** 2
    total = 400**2 * v1 + 300**2 * var_m2m3
    s1 = {"G1": (400**2 * v1 + 300**2 * v2 * e3**2) / total, "G2": 300**2 * v3 * e2**2 / total}
    st = {"G1": 1 - s1["G2"], "G2": 1 - s1["G1"]}
    assert ds.attrs["estimator"].startswith("scipy.stats.sobol_indices") and list(ds["group"].values) == ["G1", "G2"]
    for g in ("G1", "G2"):
        for kind, want in (("first_order", s1[g]), ("total_order", st[g])):
            est = float(ds[kind].sel(group=g))
            lo, hi = ds[f"{kind}_ci"].sel(group=g).values
            assert abs(est - want) <= 1.5 * (hi - lo) / 2 + 1e-3, (kind, g, est, want)
            assert lo <= want + 1e-3 and want - 1e-3 <= hi


def _uniform_multipliers(tmp_path, facts: str, specs):
    """Assumptions of uniform need multipliers ``(name, component, group, (low, high))`` on
    the given facts, written to ``tmp_path`` and loaded."""
    import nplv_sim

    (tmp_path / "facts.toml").write_text(facts)
    u = ['schema = "nplv-sim/uncertainty/1"', 'title = "t"', 'facts = "facts.toml"']
    for name, c, g, (lo, hi) in specs:
        u += [
            f"[inputs.{name}]",
            f'group = "{g}"',
            'label_en = "m"',
            'distribution = "uniform"',
            f"low = {lo}",
            f"high = {hi}",
            "baseline = 1.0",
            'effect = "need_multiplier"',
            f'components = ["{c}"]',
            'source = "o"',
            'rationale = "o"',
        ]
    (tmp_path / "u.toml").write_text("\n".join(u) + "\n")
    return nplv_sim.load_assumptions(tmp_path / "u.toml")
