"""Each law against scipy.stats, an independent implementation.

Sampling tests use fixed seeds and tolerances from the Monte Carlo standard error of a
quantile, se(q) = sqrt(q (1 - q) / n) / f(x_q), checked at 4.5 standard errors (with 9
quantiles x 11 laws the chance of a false alarm is below 1e-3).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nplv_sim.core.distributions import (
    Bernoulli,
    Beta,
    Discrete,
    Fixed,
    LawError,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    TruncatedNormal,
    Uniform,
    make_law,
)

CONTINUOUS = [
    Uniform(2.0, 5.0),
    Triangular(0.0, 1.0, 4.0),
    Pert(0.5, 0.9, 1.0),
    Pert(1000.0, 1100.0, 1500.0, lam=2.0),
    Normal(10.0, 3.0),
    TruncatedNormal(1.0, 0.3, 0.8, 2.0),
    LogNormal.from_interval(0.8, 1.3, 0.9),
    Beta(8.0, 2.0),
    Beta(0.7, 0.5, 10.0, 20.0),
]
PROBS = np.array([0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999])


@pytest.mark.parametrize("law", CONTINUOUS, ids=lambda law: repr(law)[:40])
def test_ppf_equals_scipy(law):
    np.testing.assert_allclose(law.ppf(PROBS), law.scipy().ppf(PROBS), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("law", CONTINUOUS, ids=lambda law: repr(law)[:40])
def test_fast_normal_score_map_is_accurate(law):
    # The tabulated map must agree with scipy's ppf(Phi(z)) far below Monte Carlo error.
    z = np.random.default_rng(5).standard_normal(200_000) * 1.5
    exact = law.scipy().ppf(stats.norm.cdf(z))
    width = law.scipy().ppf(0.999) - law.scipy().ppf(0.001)
    assert np.max(np.abs(law.from_normal(z) - exact)) <= 2e-6 * width


@pytest.mark.parametrize("law", CONTINUOUS, ids=lambda law: repr(law)[:40])
def test_sampled_quantiles_within_mcse(law):
    n = 200_000
    z = np.random.default_rng(842582438235635).standard_normal(n)
    x = law.from_normal(z)
    ref = law.scipy()
    q = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
    xq = ref.ppf(q)
    se = np.sqrt(q * (1 - q) / n) / ref.pdf(xq)
    assert np.all(np.abs(np.quantile(x, q) - xq) <= 4.5 * se)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-4


def test_discrete_and_bernoulli_frequencies():
    n = 200_000
    z = np.random.default_rng(3).standard_normal(n)
    law = Discrete(values=(0.0, 0.25, 1.0), probs=(0.4, 0.35, 0.25))
    x = law.from_normal(z)
    for v, p in zip(law.values, law.probs, strict=True):
        assert abs(np.mean(x == v) - p) <= 4.5 * np.sqrt(p * (1 - p) / n)
    b = Bernoulli.with_p(0.25).from_normal(z)
    assert set(np.unique(b)) == {0.0, 1.0}
    assert abs(b.mean() - 0.25) <= 4.5 * np.sqrt(0.25 * 0.75 / n)
    # ppf and from_normal agree exactly on the same uniforms
    u = stats.norm.cdf(z[:1000])
    np.testing.assert_array_equal(law.ppf(u), law.from_normal(z[:1000]))


def test_interval_constructors_return_their_interval():
    ln = LogNormal.from_interval(1000, 1500, coverage=0.9)
    np.testing.assert_allclose(ln.scipy().ppf([0.05, 0.95]), [1000, 1500])
    nm = Normal.from_interval(-2, 6, coverage=0.8)
    np.testing.assert_allclose(nm.scipy().ppf([0.1, 0.9]), [-2, 6])
    u = make_law("uniform", {"interval": [10, 20], "coverage": 0.8})
    np.testing.assert_allclose(u.ppf(np.array([0.1, 0.9])), [10, 20])


def test_pert_is_its_beta_form():
    law = Pert(2.0, 3.0, 7.0)
    # alpha = 1 + 4 (3 - 2) / 5 = 1.8, beta = 1 + 4 (7 - 3) / 5 = 4.2; mean = (2 + 4*3 + 7) / 6
    ref = stats.beta(1.8, 4.2, loc=2.0, scale=5.0)
    np.testing.assert_allclose(law.ppf(PROBS), ref.ppf(PROBS), rtol=1e-10)
    assert ref.mean() == pytest.approx((2 + 4 * 3 + 7) / 6)


def test_fixed_is_constant():
    assert np.all(Fixed(3.5).from_normal(np.linspace(-5, 5, 11)) == 3.5)
    assert not Fixed(1.0).is_random


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("uniform", {"low": 2, "high": 1}, "high"),
        ("normal", {"mean": 0, "sd": 0}, "sd"),
        ("normal", {"mean": 0, "sd": -1}, "sd"),
        ("pert", {"low": 0, "mode": 2, "high": 1}, "mode"),
        ("pert", {"low": 0, "mode": 2, "high": 3, "lambda": 0}, "lam"),
        ("triangular", {"low": 0, "mode": 5, "high": 3}, "mode"),
        ("triangular", {"low": 4, "mode": 4, "high": 3}, "high"),
        ("beta", {"alpha": 0, "beta": 1}, "alpha"),
        ("bernoulli", {"p": 1.5}, "p"),
        ("discrete", {"values": [1, 2], "probs": [0.5, 0.6]}, "probs"),
        ("discrete", {"values": [1, 2], "probs": [1.0]}, "probs"),
        ("lognormal", {"interval": [0, 2]}, "interval"),
        ("lognormal", {"mu": 0}, "sigma"),
        ("lognormal", {"interval": [1, 2], "coverage": 1.5}, "coverage"),
        ("gamma", {"a": 1}, "distribution"),
        ("normal", {"mean": 0, "sd": 1, "sigma": 2}, "sigma"),
        ("normal", {"mean": "zero", "sd": 1}, "mean"),
    ],
)
def test_impossible_parameters_name_their_field(kind, params, field):
    with pytest.raises(LawError) as info:
        make_law(kind, params)
    assert info.value.field == field


def test_truncated_normal_with_one_open_bound_stays_finite():
    law = TruncatedNormal(1.0, 0.1, 0.0)  # high left open
    x = law.from_normal(np.array([-9.0, 0.0, 8.25, 8.3, 9.0]))
    assert np.all(np.isfinite(x))
    assert x[1] == pytest.approx(1.0, abs=1e-6)
