"""Sampling methods and the Gaussian copula."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from nplv_sim.core.correlation import is_valid_correlation, nearest_correlation, spearman, spearman_to_pearson
from nplv_sim.core.sampling import normal_scores
from nplv_sim.core.seeding import resolve_seed, stream_key

ROOT = resolve_seed(12345)
STREAMS = [stream_key(f"x{i}") for i in range(4)]


def test_lhs_puts_one_draw_in_every_stratum():
    n = 1000
    u = special.ndtr(normal_scores("lhs", ROOT, STREAMS, block=0, n=n))
    for j in range(u.shape[1]):
        counts = np.bincount(np.floor(u[:, j] * n).astype(int), minlength=n)
        assert np.all(counts == 1)


def test_sobol_is_balanced_in_every_dimension():
    n = 1024
    u = special.ndtr(normal_scores("sobol", ROOT, STREAMS, block=0, n=n))
    for j in range(u.shape[1]):
        counts = np.bincount(np.floor(u[:, j] * n).astype(int), minlength=n)
        assert np.all(counts == 1)


def test_random_scores_are_standard_normal():
    z = normal_scores("random", ROOT, STREAMS, block=0, n=100_000)
    for j in range(z.shape[1]):
        assert stats.kstest(z[:, j], "norm").pvalue > 1e-4


def test_blocks_and_streams_differ():
    a = normal_scores("random", ROOT, STREAMS, block=0, n=100)
    b = normal_scores("random", ROOT, STREAMS, block=1, n=100)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a[:, 0], a[:, 1])


def test_stream_keys_are_stable_hashes_not_positions():
    assert stream_key("est_new_build_p1") == stream_key("est_new_build_p1")
    a = normal_scores("random", ROOT, [stream_key("a"), stream_key("b")], 0, 50)
    b = normal_scores("random", ROOT, [stream_key("b")], 0, 50)
    np.testing.assert_array_equal(a[:, 1], b[:, 0])


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_copula_reaches_declared_rank_correlation(method):
    rho = np.array([[1.0, 0.3, 0.5, -0.2], [0.3, 1.0, 0.3, 0.0], [0.5, 0.3, 1.0, 0.0], [-0.2, 0.0, 0.0, 1.0]])
    chol = np.linalg.cholesky(spearman_to_pearson(rho) - np.diag(np.diag(spearman_to_pearson(rho))) + np.eye(4))
    n = 65_536
    z = normal_scores(method, ROOT, STREAMS, 0, n, chol)
    # any monotone margin keeps ranks: check on a lognormal and a beta
    x = np.column_stack([np.exp(z[:, 0]), stats.beta(2, 5).ppf(special.ndtr(z[:, 1])), z[:, 2], z[:, 3] ** 3])
    achieved = spearman(x)
    se = (1 - rho**2) / np.sqrt(n - 3) * 1.06  # Fisher-type SE of Spearman's rho
    assert np.all(np.abs(achieved - rho) <= 5 * se + 1e-12)


def test_nearest_correlation_repairs_an_invalid_matrix():
    bad = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    assert not is_valid_correlation(bad)
    fixed = nearest_correlation(bad)
    assert is_valid_correlation(fixed, tol=1e-9)
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    # it moves entries only as far as needed: a valid matrix is left alone
    good = np.array([[1.0, 0.3], [0.3, 1.0]])
    np.testing.assert_allclose(nearest_correlation(good), good, atol=1e-10)


def test_resolve_seed_accepts_int_seedsequence_none_and_rejects_others():
    assert resolve_seed(7) == (7, ())
    ss = np.random.SeedSequence(99, spawn_key=(3,))
    assert resolve_seed(ss) == (99, (3,))
    entropy, _ = resolve_seed(None)
    assert entropy > 0
    with pytest.raises(TypeError):
        resolve_seed("7")
    with pytest.raises(ValueError):
        resolve_seed(-1)
