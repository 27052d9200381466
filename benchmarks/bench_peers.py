"""nplv-sim against squigglepy and monaco on the same reference model.

Reference model: the shipped default assumptions with the declared correlations removed
(monaco has no correlated inputs), i.e. 40 independent random inputs with the default's
laws -- 22 lognormal, 5 PERT, 3 beta, 2 uniform, 4 Bernoulli, 4 discrete -- and 8 fixed
ones, and the NPLV arithmetic (need multipliers, VAT, add-ons, funding routing, capped
extra funding). The output compared is ``shortfall_all_periods`` (both pillars, both
periods) for scope ``total`` and ``rijk``, pillar netting.

* **nplv-sim**: ``nplv_sim.simulate`` (the full Dataset, every output).
* **squigglepy, per draw**: the idiomatic squigglepy model -- a Python function that
  draws each input with ``~dist`` and computes the output, passed to ``sq.sample(model,
  n)`` -- using a pure-Python transcription of the NPLV arithmetic (``ScalarModel``).
* **squigglepy, vectorised**: ``sq.sample(dist, n)`` per input (numpy underneath), then
  nplv-sim's own vectorised arithmetic (``nplv_sim.core.model.evaluate``) on the result:
  the best a squigglepy user can do, and mostly a measure of squigglepy's samplers.
* **monaco**: ``monaco.Sim`` with one ``InVar`` per random input (scipy laws, random
  sampling), ``ScalarModel`` as the run function, single-threaded.
* **floor**: numpy drawing draws x 40 standard normals in one call.

Every library runs at ``--draws`` (1e6). Monaco keeps every case in memory (about 1.4 GiB
per 1e5 draws): its run is limited to ``--monaco-memory`` GiB of address space, and if it
fails there it is redone at 1e5 draws and its rate flagged as extrapolated (monaco's cost
per draw grows with the draws, so that flatters it). ``--n-squiggle`` and ``--n-monaco``
shorten the per-draw libraries for a quick look (flagged as extrapolated). Every library runs in a
fresh subprocess: one timed run, then (except the per-draw libraries above 20,000 draws)
one under tracemalloc for the peak of traced memory; ``rss delta`` is the growth of
ru_maxrss during the timed run. nplv-sim is timed with its default (one thread per core)
and with one thread.
The percentiles P5/P50/P95 of each library are checked against nplv-sim's within 4
combined Monte Carlo standard errors (order statistics).

Usage::

    bash benchmarks/setup.sh                       # installs squigglepy and monaco
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_peers.py     # 1e6 draws; ~25 minutes
    .venv/bin/python benchmarks/bench_peers.py --draws 200000 --n-squiggle 1000 --n-monaco 1000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PROBS = (0.05, 0.5, 0.95)
TARGETS = {"squigglepy (per draw)": 40.0, "monaco": 100.0}


# --------------------------------------------------------------------------------------
# The reference model
# --------------------------------------------------------------------------------------


def reference_assumptions():
    """The default assumptions without correlations (every peer can then express them)."""
    import nplv_sim

    a = nplv_sim.load_assumptions()
    return dataclasses.replace(a, correlations=(), correlation_matrix=None)


class ScalarModel:
    """The NPLV arithmetic for one draw in plain Python floats (for per-draw libraries).

    Built from the compiled :class:`~nplv_sim.core.model.ModelArrays`, so it is the same
    model as nplv-sim's; :meth:`check` compares it with ``evaluate`` on random inputs.
    """

    def __init__(self, m) -> None:
        n_c, n_p = m.shape
        self.cells = [(p, c) for p in range(n_p) for c in range(n_c)]
        self.need0 = {(p, c): float(m.need[c, p]) for p, c in self.cells}
        self.mult = {cell: [] for cell in self.cells}
        for k, mask in m.need_multipliers:
            for c, p in zip(*np.nonzero(mask), strict=True):
                self.mult[(int(p), int(c))].append(int(k))
        self.vat = {c: [] for c in range(n_c)}
        for v in m.vat:
            for c in np.flatnonzero(v.components):
                self.vat[int(c)].append((v.rate, v.reclaimable, v.excluded))
        self.key0 = [float(k) for k in m.key]
        self.shifts = {c: [] for c in range(n_c)}
        for k, mask in m.key_shifts:
            for c in np.flatnonzero(mask):
                self.shifts[int(c)].append(int(k))
        self.addons = []
        for a in m.addons:
            spread = a.period_shares[:, None] * a.weights[None, :]
            cells = [(int(p), int(c), float(spread[p, c])) for p, c in zip(*np.nonzero(spread), strict=True)]
            self.addons.append(([int(k) for k in a.amounts], int(a.rijk_share), cells))
        n_src = m.src_rijk.shape[0]
        self.sources = []
        for s in range(n_src):
            rk = [int(f.index) for f in m.funding_effects if f.rijk and f.sources[s]]
            ck = [int(f.index) for f in m.funding_effects if f.cofin and f.sources[s]]
            p = int(m.src_period[s])
            route = [(p, int(c), float(m.allocation[s, c])) for c in np.flatnonzero(m.allocation[s])]
            self.sources.append((float(m.src_rijk[s]), rk, float(m.src_cofin[s]), ck, route))
        self.extra = [
            (int(e.fraction), int(e.component), [float(v) for v in e.pro_rata], float(e.local_match))
            for e in m.extra_funding
        ]
        self.headline = [bool(h) for h in m.headline]

    def __call__(self, x) -> tuple[float, float]:
        """(total, rijk) shortfall 2026-2035, pillar netting, for one draw ``x`` (K,)."""
        nt, nr, ft, fr = {}, {}, {}, {}
        for cell in self.cells:
            p, c = cell
            mult = 1.0
            for k in self.mult[cell]:
                mult *= x[k]
            for r, rc, e in self.vat[c]:
                mult *= 1.0 + x[r] * (1.0 - x[rc]) * x[e]
            need = self.need0[cell] * mult
            key = self.key0[c]
            for k in self.shifts[c]:
                key += x[k]
            key = 0.0 if key < 0.0 else (1.0 if key > 1.0 else key)
            nt[cell], nr[cell] = need, need * key
            ft[cell] = fr[cell] = 0.0
        for amounts, share, cells in self.addons:
            amount = 1.0
            for k in amounts:
                amount *= x[k]
            for p, c, w in cells:
                add = amount * w
                nt[(p, c)] += add
                nr[(p, c)] += add * x[share]
        cofin = dict(ft)
        for rijk0, rk, cofin0, ck, route in self.sources:
            rm, cm = rijk0, cofin0
            for k in rk:
                rm *= x[k]
            for k in ck:
                cm *= x[k]
            for p, c, w in route:
                fr[(p, c)] += rm * w
                cofin[(p, c)] += cm * w
        for frac, c, pro_rata, match in self.extra:
            for p, amount in enumerate(pro_rata):
                remaining = max(nr[(p, c)] - fr[(p, c)], 0.0)
                cover = min(x[frac] * amount, remaining)
                fr[(p, c)] += cover
                cofin[(p, c)] += cover * match
        total = rijk = 0.0
        for cell in self.cells:
            if self.headline[cell[1]]:
                total += nt[cell] - (fr[cell] + cofin[cell])
                rijk += nr[cell] - fr[cell]
        return total, rijk

    def check(self, m, x: np.ndarray) -> float:
        """Largest relative difference from nplv-sim's ``evaluate`` on draws ``x`` (n, K)."""
        from nplv_sim.core.model import evaluate

        ref = vector_output(evaluate(m, x, False))
        mine = np.array([self(list(row)) for row in x])
        return float(np.max(np.abs(mine - ref) / np.maximum(np.abs(ref), 1.0)))


def vector_output(out: dict[str, np.ndarray]) -> np.ndarray:
    """(n, 2) total and Rijk shortfall 2026-2035, pillar netting, from ``evaluate``."""
    s = out["shortfall"][..., 0]  # (n, Q, P, scope) at pillar netting
    return s.sum(axis=(1, 2))


# --------------------------------------------------------------------------------------
# One library per subprocess
# --------------------------------------------------------------------------------------


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _measure(fn, draws: int, trace: bool = True) -> tuple[dict, np.ndarray]:
    """Time ``fn(draws)`` (after a small warm-up), then (if ``trace``) run it again under
    tracemalloc.

    The timed run is not traced (tracemalloc slows every allocation); the growth of the
    peak resident set over the warm-up baseline is measured on the timed run alone.
    """
    fn(min(draws, 200))
    base = _rss()
    t0, c0 = time.perf_counter(), time.process_time()
    sample = fn(draws)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = _rss() - base
    peak = float("nan")
    if trace:
        del sample
        tracemalloc.start()
        sample = fn(draws)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "draws": draws,
        "wall_s": wall,
        "cpu_s": cpu,
        "tracemalloc_peak_bytes": peak,
        "rss_peak_delta_bytes": rss,
    }, sample


def child(kind: str, draws: int, seed: int, out_path: str) -> dict:
    """Run one library on the reference model; save its (n, 2) output sample."""
    from nplv_sim.compiled import compile_assumptions

    a = reference_assumptions()
    cm = compile_assumptions(a)
    laws, random, base = cm.plan.laws, cm.plan.random, cm.plan.baseline

    if kind in ("nplv", "nplv1"):
        import nplv_sim

        workers = 1 if kind == "nplv1" else None  # None: one thread per core, the default

        def fn(n):
            ds = nplv_sim.simulate(a, n, rng=seed, workers=workers)
            s = ds["shortfall_all_periods"].sel(netting="pillar")
            return np.column_stack([s.sel(scope="total").values, s.sel(scope="rijk").values])

    elif kind in ("squiggle_vec", "squiggle_draw"):
        import squigglepy as sq

        sq.set_seed(seed)
        dists = [_squiggle_dist(sq, law) if r else float(b) for law, r, b in zip(laws, random, base, strict=True)]
        if kind == "squiggle_vec":
            from nplv_sim.core.model import evaluate

            def fn(n):
                x = np.empty((n, len(dists)))
                for k, d in enumerate(dists):
                    x[:, k] = sq.sample(d, n, verbose=False) if not isinstance(d, float) else d
                return vector_output(evaluate(cm.arrays, x, False))

        else:
            scalar = ScalarModel(cm.arrays)

            def model():
                x = [~d if not isinstance(d, float) else d for d in dists]
                return scalar(x)[0]

            def fn(n):
                total = np.asarray(sq.sample(model, n=n, verbose=False), dtype=float)
                return np.column_stack([total, np.full(n, np.nan)])

    elif kind == "monaco":
        import monaco as mc

        scalar = ScalarModel(cm.arrays)
        names = [f"x{k}" for k in range(len(laws))]

        def fn(n):
            def preprocess(case):
                x = [case.invals[nm].val if r else float(b) for nm, r, b in zip(names, random, base, strict=True)]
                return (x,)

            def run(x):
                return scalar(x)

            def postprocess(case, total, rijk):
                case.addOutVal("total", total)
                case.addOutVal("rijk", rijk)

            sim = mc.Sim(
                name="nplv_reference",
                ndraws=n,
                fcns={"preprocess": preprocess, "run": run, "postprocess": postprocess},
                samplemethod="random",
                seed=seed,
                singlethreaded=True,
                verbose=False,
                savecasedata=False,
                savesimdata=False,
            )
            for nm, law, r in zip(names, laws, random, strict=True):
                if r:
                    dist, kwargs = _scipy_dist(law)
                    sim.addInVar(name=nm, dist=dist, distkwargs=kwargs)
            sim.runSim()
            return np.column_stack(
                [np.asarray(sim.outvars["total"].nums, float), np.asarray(sim.outvars["rijk"].nums, float)]
            )

    elif kind == "floor":
        k = int(random.sum())

        def fn(n):
            z = np.random.default_rng(seed).standard_normal((n, k))
            return z[:, :2].copy()

    else:
        raise ValueError(kind)

    # The per-draw libraries take minutes at 1e6 draws: time them once, untraced.
    res, sample = _measure(fn, draws, trace=kind not in ("squiggle_draw", "monaco") or draws <= 20_000)
    np.save(out_path, sample)
    if kind in ("squiggle_draw", "monaco"):
        res["scalar_model_max_rel_diff"] = ScalarModel(cm.arrays).check(
            cm.arrays, np.random.default_rng(0).random((200, len(laws))) * 0.5 + base * 0.75
        )
        # Cost of the model function alone, to separate it from the library's overhead.
        scalar = ScalarModel(cm.arrays)
        x = list(base)
        t0 = time.perf_counter()
        for _ in range(2000):
            scalar(x)
        res["scalar_model_s_per_draw"] = (time.perf_counter() - t0) / 2000
    return res


def _squiggle_dist(sq, law):
    from nplv_sim.core import distributions as d

    if isinstance(law, d.LogNormal):
        return sq.lognorm(norm_mean=law.mu, norm_sd=law.sigma)
    if isinstance(law, d.Pert):
        return sq.pert(law.low, law.mode, law.high, lam=law.lam)
    if isinstance(law, d.Beta):
        base = sq.beta(law.alpha, law.beta)
        return base if (law.low, law.high) == (0.0, 1.0) else base * (law.high - law.low) + law.low
    if isinstance(law, d.Uniform):
        return sq.uniform(law.low, law.high)
    if isinstance(law, d.Bernoulli):
        return sq.bernoulli(law.probs[1])
    if isinstance(law, d.Discrete):
        return sq.discrete({v: p for v, p in zip(law.values, law.probs, strict=True)})
    raise NotImplementedError(type(law).__name__)


def _scipy_dist(law):
    import scipy.stats as st

    from nplv_sim.core import distributions as d

    if isinstance(law, d.LogNormal):
        return st.lognorm, {"s": law.sigma, "scale": math.exp(law.mu)}
    if isinstance(law, d.Pert):
        a, b = law.shape
        return st.beta, {"a": a, "b": b, "loc": law.low, "scale": law.high - law.low}
    if isinstance(law, d.Beta):
        return st.beta, {"a": law.alpha, "b": law.beta, "loc": law.low, "scale": law.high - law.low}
    if isinstance(law, d.Uniform):
        return st.uniform, {"loc": law.low, "scale": law.high - law.low}
    if isinstance(law, d.Discrete):  # Bernoulli included
        return st.rv_discrete, {"values": (np.asarray(law.values), np.asarray(law.probs))}
    raise NotImplementedError(type(law).__name__)


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def _quantiles_and_se(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q = np.asarray(PROBS)
    n = x.shape[0]
    half = np.sqrt(q * (1 - q) / n)
    est = np.quantile(x, q)
    se = (np.quantile(x, np.clip(q + half, 0, 1)) - np.quantile(x, np.clip(q - half, 0, 1))) / 2
    return est, se


def _run(kind: str, draws: int, seed: int, tmp: str, memory_limit: int | None = None) -> tuple[dict, np.ndarray]:
    out = os.path.join(tmp, f"{kind}.npy")

    def limit() -> None:  # in the child: fail with MemoryError instead of exhausting the machine
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(draws), str(seed), out],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=limit,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), np.load(out)


def main(argv: list[str] | None = None) -> int:
    """Run every library, compare percentiles, print speeds, memory and ratios."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--draws", type=float, default=1e6, help="draws for nplv-sim, vectorised squigglepy and the floor")
    p.add_argument(
        "--n-squiggle",
        type=float,
        default=None,
        help="draws for per-draw squigglepy (default: --draws; fewer are extrapolated)",
    )
    p.add_argument(
        "--n-monaco",
        type=float,
        default=None,
        help="draws for monaco (default: --draws; fewer are extrapolated). Monaco keeps every case in memory: "
        "a run that exceeds --monaco-memory is redone at 1e5 draws",
    )
    p.add_argument(
        "--monaco-memory", type=float, default=20, help="address-space limit of the monaco run, GiB (default 20)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, draws, seed, out = args.child
        print(json.dumps(child(kind, int(draws), int(seed), out)))
        return 0

    draws = int(args.draws)
    plan = [
        ("nplv-sim", "nplv", draws),
        ("nplv-sim (1 thread)", "nplv1", draws),
        ("squigglepy (vectorised)", "squiggle_vec", draws),
        ("squigglepy (per draw)", "squiggle_draw", int(args.n_squiggle or draws)),
        ("monaco", "monaco", int(args.n_monaco or draws)),
        ("numpy floor", "floor", draws),
    ]
    print(f"reference model: default assumptions without correlations; load average {os.getloadavg()[0]:.2f}")
    results, samples = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, kind, n in plan:
            if kind == "monaco":
                try:
                    res, sample = _run(kind, n, args.seed, tmp, int(args.monaco_memory * 2**30))
                except RuntimeError as exc:
                    reason = str(exc).strip().splitlines()[-1]
                    print(
                        f"monaco at {n:,} draws did not finish within {args.monaco_memory:g} GiB ({reason}); "
                        "measuring 100,000"
                    )
                    res, sample = _run(kind, 100_000, args.seed, tmp)
            else:
                res, sample = _run(kind, n, args.seed, tmp)
            res["draws_per_s"] = res["draws"] / res["wall_s"]
            res["extrapolated"] = res["draws"] < draws
            results[label], samples[label] = res, sample
    nplv_rate = results["nplv-sim"]["draws_per_s"]
    print(
        f"\n{'library':<26} {'draws':>10} {'wall s':>8} {'draws/s':>12} {'x slower':>9} "
        f"{'tracemalloc':>12} {'rss delta':>10}"
    )
    for label, res in results.items():
        flag = " (extrapolated)" if res["extrapolated"] else ""
        print(
            f"{label:<26} {res['draws']:>10,} {res['wall_s']:>8.2f} {res['draws_per_s']:>12,.0f} "
            f"{nplv_rate / res['draws_per_s']:>8.1f}x {res['tracemalloc_peak_bytes'] / 2**20:>9,.0f} MiB "
            f"{res['rss_peak_delta_bytes'] / 2**20:>7,.0f} MiB{flag}"
        )
    floor = results["numpy floor"]
    for label in ("nplv-sim", "nplv-sim (1 thread)"):
        ratio = floor["draws_per_s"] / results[label]["draws_per_s"]
        print(
            f"{label} / one-thread floor: {ratio:.1f}x the floor's time (target <= 2x: "
            f"{'met' if ratio <= 2 else 'MISSED'})"
        )
    for label, target in TARGETS.items():
        ratio = nplv_rate / results[label]["draws_per_s"]
        print(
            f"nplv-sim vs {label}: {ratio:,.0f}x faster "
            f"(target >= {target:g}x: {'met' if ratio >= target else 'MISSED'})"
        )
    for label in ("squigglepy (per draw)", "monaco"):
        r = results[label]
        print(
            f"  {label}: model function alone {r['scalar_model_s_per_draw'] * 1e6:.0f} us/draw of "
            f"{1e6 / r['draws_per_s']:.0f} us/draw "
            f"(scalar model vs evaluate: max rel diff {r['scalar_model_max_rel_diff']:.1e})"
        )

    print("\npercentiles of shortfall 2026-2035 (pillar netting) [EUR million], vs nplv-sim within 4 combined MC s.e.:")
    ok_all = True
    ref = samples["nplv-sim"]
    for col, scope in ((0, "total"), (1, "rijk")):
        ref_q, ref_se = _quantiles_and_se(ref[:, col])
        print(f"  scope {scope}: nplv-sim P5/P50/P95 = {', '.join(f'{v:,.0f}' for v in ref_q)}")
        for label in ("squigglepy (vectorised)", "squigglepy (per draw)", "monaco"):
            x = samples[label][:, col]
            if np.isnan(x).all():
                continue
            q, se = _quantiles_and_se(x)
            z = np.abs(q - ref_q) / np.sqrt(se**2 + ref_se**2)
            ok = bool(np.all(z <= 4))
            ok_all &= ok
            print(
                f"    {label:<24} {', '.join(f'{v:,.0f}' for v in q)}  "
                f"max |z| {z.max():.1f} {'ok' if ok else 'DIFFERENT'}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps({"load_average": os.getloadavg(), "results": results}, indent=2))
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
