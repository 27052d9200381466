"""End to end: the command an analyst types against the engine inside it.

Every figure is measured in this one run, each in a fresh subprocess:

* ``simulate``: ``nplv_sim.simulate(load_assumptions(), draws, rng=1, method=...)`` in one
  process, with the command line's default method (the very draws ``run`` makes), both
  *warm* (after a small warm-up run: what the engine costs) and *cold* (the first call of
  a fresh process, imports included: what any script pays);
* ``run``: ``nplv-sim run --draws N --seed 1 --quiet --out TMP`` as a user types it
  (wall time, peak resident memory from ``wait4``), and the size of its ``results.nc``;
  warm ``simulate`` and ``run`` are timed ``--repeat`` times (default 3), alternately,
  and compared by their medians;
* ``--help``: ``nplv-sim --help`` (best of 5);
* with ``--precision-race``: for random, LHS and Sobol sampling, the draws and seconds
  ``nplv-sim run --precision 1`` needs to bring every headline P85 (both pillars, P1, P2
  and the whole horizon, total and Rijk, pillar netting) to a Monte Carlo error of at
  most EUR 1 M.

Printed ratios (targets of the pipeline issue): run / simulate wall time (<= 2x), run's
peak memory / the arrays it keeps (<= 1.5x), results.nc bytes per draw / the 0.1
release's 1,216 (<= 0.5), ``--help`` (<= 0.3 s).

Usage::

    .venv/bin/python benchmarks/bench_cli.py                     # 1e6 draws
    .venv/bin/python benchmarks/bench_cli.py --draws 100000 --precision-race
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "nplv_sim"]
# Bytes per draw of results.nc in release 0.1 (every variable, NetCDF3).
BYTES_PER_DRAW_0_1 = 1216
TARGETS = {"run / simulate": 2.0, "peak / kept arrays": 1.5, "results.nc / 0.1": 0.5, "--help s": 0.3}

CHILD = """
import json, sys, time
t0 = time.perf_counter()
import nplv_sim
from nplv_sim.simulation import estimate_bytes, plan_run
from nplv_sim import outputs
from nplv_sim.core.methods import CLI_DEFAULT_METHOD
a = nplv_sim.load_assumptions()
draws, warm = int(sys.argv[1]), sys.argv[2] == "warm"
if warm:
    nplv_sim.simulate(a, 1_000, rng=0, method=CLI_DEFAULT_METHOD)
t = time.perf_counter()
ds = nplv_sim.simulate(a, draws, rng=1, method=CLI_DEFAULT_METHOD)  # the draws `run --seed 1` makes
wall = time.perf_counter() - t
print(json.dumps({"wall_s": wall, "with_imports_s": time.perf_counter() - t0}))
"""

KEPT = """
import json, sys
import nplv_sim
from nplv_sim import outputs
from nplv_sim.simulation import plan_run, stored_variables
detail = False
wanted = set(stored_variables(detail)) | set(outputs.table_variables())
plan = plan_run(nplv_sim.load_assumptions(), 1, variables=sorted(wanted))
print(json.dumps({"kept_bytes_per_draw": outputs.bytes_per_draw(plan.layout, plan.variables)}))
"""


def _py(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes and stdout of one command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-300:]}")
    return wall, usage.ru_maxrss * 1024, out


def measure(draws: int, repeat: int = 3) -> dict:
    """Every end-to-end figure for ``draws`` draws.

    ``simulate()`` (warm) and ``run`` are timed ``repeat`` times, alternately, so that a
    passing load on the shared machine falls on both; the ratio is that of the medians,
    and the range of the ratios of each round is printed beside it.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    warm_s, run_s, peaks = [], [], []
    try:
        help_s = min(_timed([*CLI, "--help"])[0] for _ in range(5))
        cold = _py(CHILD, str(draws), "cold")
        for i in range(repeat):
            warm_s.append(_py(CHILD, str(draws), "warm")["wall_s"])
            wall, peak, _ = _timed(
                [*CLI, "run", "--draws", str(draws), "--seed", "1", "--quiet", "--out", str(folder / f"r{i}")]
            )
            run_s.append(wall)
            peaks.append(peak)
            nc_bytes = (folder / f"r{i}" / "results.nc").stat().st_size
            shutil.rmtree(folder / f"r{i}")
        kept = _py(KEPT)["kept_bytes_per_draw"] * draws
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rounds = [r / w for r, w in zip(run_s, warm_s, strict=True)]
    return {
        "draws": draws,
        "repeat": repeat,
        "help_s": help_s,
        "simulate_warm_s": statistics.median(warm_s),
        "simulate_warm_each_s": warm_s,
        "simulate_cold_s": cold["with_imports_s"],
        "run_s": statistics.median(run_s),
        "run_each_s": run_s,
        "run_peak_bytes": max(peaks),
        "kept_array_bytes": kept,
        "results_nc_bytes_per_draw": nc_bytes / draws,
        "ratio_run_to_simulate_warm": statistics.median(run_s) / statistics.median(warm_s),
        "ratio_each_round": rounds,
        "ratio_run_to_simulate_cold": statistics.median(run_s) / cold["with_imports_s"],
        "ratio_peak_to_kept": max(peaks) / kept,
        "ratio_nc_to_0_1": nc_bytes / draws / BYTES_PER_DRAW_0_1,
    }


def precision_race(max_draws: int) -> list[dict]:
    """Draws and seconds each method needs for every headline P85 to reach EUR 1 M."""
    rows = []
    for method in ("random", "lhs", "sobol"):
        folder = Path(tempfile.mkdtemp(prefix="bench-prec-"))
        try:
            code = (
                "import json, time, warnings\n"
                "import nplv_sim\n"
                "from nplv_sim.precision import simulate_to_precision\n"
                "a = nplv_sim.load_assumptions()\n"
                "t = time.perf_counter()\n"
                "with warnings.catch_warnings():\n"
                "    warnings.simplefilter('ignore')\n"
                f"    s = simulate_to_precision(a, quantiles=(0.85,), target_abs=1.0, max_draws={max_draws}, rng=1,\n"
                f"        method={method!r}, variables=('shortfall_all_pillars', 'shortfall_all_periods'),\n"
                "        select={'netting': 'pillar'}, workers=os.cpu_count())\n"
                "print(json.dumps({'draws': int(s.attrs['n_draws']), 'seconds': time.perf_counter() - t,\n"
                "    'met': int(s.attrs['precision_met']), 'largest_se': float(s.attrs['precision_achieved_se'])}))\n"
            )
            rows.append({"method": method, **_py("import os\n" + code)})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    """Measure and print."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--draws", type=float, default=1e6)
    p.add_argument("--repeat", type=int, default=3, help="rounds of simulate() and run, alternately (default 3)")
    p.add_argument("--precision-race", action="store_true", help="also the draws and seconds to a EUR 1 M P85 error")
    p.add_argument("--max-draws", type=float, default=2e7, help="cap of the precision race (default 2e7)")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    res = measure(int(args.draws), args.repeat)
    load = os.getloadavg()[0]
    print(f"end to end, {res['draws']:,} draws, {os.cpu_count()} cores, load average {load:.1f} at the end")
    print(f"  nplv-sim --help                 {res['help_s']:7.2f} s   (target <= {TARGETS['--help s']} s)")
    each = ", ".join(f"{x:.2f}" for x in res["simulate_warm_each_s"])
    print(f"  simulate(), warm                {res['simulate_warm_s']:7.2f} s   median of {each}")
    print(f"  simulate(), cold with imports   {res['simulate_cold_s']:7.2f} s")
    each = ", ".join(f"{x:.2f}" for x in res["run_each_s"])
    print(f"  nplv-sim run                    {res['run_s']:7.2f} s   median of {each}")
    print(f"  ratio run / simulate (warm)     {res['ratio_run_to_simulate_warm']:7.2f} x (target <= 2; rounds "
          f"{min(res['ratio_each_round']):.2f}-{max(res['ratio_each_round']):.2f})")
    print(f"  ratio run / simulate (cold)     {res['ratio_run_to_simulate_cold']:7.2f} x")
    print(
        f"  peak / kept arrays              {res['ratio_peak_to_kept']:7.2f} x (target <= 1.5; highest peak "
        f"{res['run_peak_bytes'] / 2**30:.2f} GiB, kept "
        f"{res['kept_array_bytes'] / 2**30:.2f} GiB)"
    )
    print(
        f"  results.nc bytes per draw       {res['results_nc_bytes_per_draw']:7.0f}   "
        f"= {res['ratio_nc_to_0_1']:.2f} of 0.1's {BYTES_PER_DRAW_0_1} (target <= 0.5)"
    )
    if args.precision_race:
        res["precision_race"] = precision_race(int(args.max_draws))
        print("draws and seconds until every headline P85 has a Monte Carlo error <= EUR 1 M")
        for r in res["precision_race"]:
            state = "met" if r["met"] else f"NOT met (largest s.e. {r['largest_se']:.2f})"
            print(f"  {r['method']:<7} {r['draws']:>12,} draws {r['seconds']:8.1f} s  {state}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
