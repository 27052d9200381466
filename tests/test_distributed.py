"""simulate_dask gives exactly simulate()'s Dataset (skipped without dask.distributed)."""

from __future__ import annotations

import pytest

distributed = pytest.importorskip("distributed")

import xarray as xr  # noqa: E402

import nplv_sim  # noqa: E402
from nplv_sim.distributed import simulate_dask  # noqa: E402
from nplv_sim.errors import NplvError  # noqa: E402

DRAWS = 65_536 + 3_000  # a full block and a partial one


@pytest.fixture(scope="module")
def client():
    """Two single-threaded workers in this process (fast to start, no pickling surprises
    hidden: arguments and results still go through dask's serialisation)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _same(a: xr.Dataset, b: xr.Dataset) -> None:
    a, b = a.copy(), b.copy()
    for ds in (a, b):
        ds.attrs.pop("history")
        ds.attrs.pop("created")
    xr.testing.assert_identical(a, b)


@pytest.mark.parametrize("method", ["random", "sobol"])
def test_identical_to_simulate(default_assumptions, client, method):
    draws = DRAWS if method == "random" else 5_000
    remote = simulate_dask(default_assumptions, draws, rng=17, method=method, client=client)
    local = nplv_sim.simulate(default_assumptions, draws, rng=17, method=method)
    _same(remote, local)
    assert "dask" in remote.attrs["history"]


def test_scheduler_address_and_detail(default_assumptions, client):
    seen = []
    remote = simulate_dask(
        default_assumptions,
        1_000,
        rng=2,
        method="lhs",
        client=client.scheduler.address,
        detail=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    _same(remote, nplv_sim.simulate(default_assumptions, 1_000, rng=2, method="lhs", detail=True))
    assert seen[-1] == (1_000, 1_000)


def test_deterministic(default_assumptions, client):
    _same(
        simulate_dask(default_assumptions, 10, rng=0, deterministic=True, client=client),
        nplv_sim.simulate(default_assumptions, 10, rng=0, deterministic=True),
    )


def test_errors(default_assumptions, client):
    with pytest.raises(NplvError, match="method"):
        simulate_dask(default_assumptions, 10, method="halton", client=client)
    with pytest.raises(NplvError, match="blocks_per_task"):
        simulate_dask(default_assumptions, 10, client=client, blocks_per_task=0)
