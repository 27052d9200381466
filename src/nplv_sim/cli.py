"""Command line: ``nplv-sim run | baseline``. Errors in input: one line on stderr, exit 2.

Exit codes: 0 success; 2 bad input or refused output (message names file and entry);
130 interrupted (Ctrl-C; no partial results are left); 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import os
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from ._entry import report_interrupt
from .core.methods import CLI_DEFAULT_METHOD, METHODS
from .errors import NplvError, one_line
from .tomlreader import MAX_AMOUNT


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported on first call: the command modules load numpy, scipy,
    xarray and matplotlib, so `nplv-sim --help` and argument errors answer at once."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module, __package__), name)(*args, **kwargs)

    call.__name__ = name
    return call


load_assumptions = _lazy(".assumptions", "load_assumptions")
simulate = _lazy(".simulation", "simulate")
summarize = _lazy(".summary", "summarize")
write_netcdf = _lazy(".output", "write_netcdf")
write_text = _lazy(".output", "write_text")
summary_csv = _lazy(".tables", "summary_csv")
summary_text = _lazy(".tables", "summary_text")
reconcile = _lazy(".baseline", "reconcile")
reconciliation_csv = _lazy(".baseline", "reconciliation_csv")
reconciliation_table = _lazy(".baseline", "reconciliation_table")
reconciliation_notes = _lazy(".baseline", "reconciliation_notes")
notes_csv = _lazy(".baseline", "notes_csv")
notes_table = _lazy(".baseline", "notes_table")

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

FLOAT_WARNINGS = r"(overflow|invalid value|divide by zero) encountered"
ALLOW_OUTSIDE_HELP = "let the uncertainty file name a facts file outside its own folder"
FORCE_FOLDER_HELP = "with --force, also write into a folder that holds other files (they are kept)"


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings from nplv-sim on the command line: one line, no source path or code echo."""
    return f"nplv-sim: warning: {message}\n"


warnings.formatwarning = _one_line_warning


def _argument(parse_name: str) -> Callable[[str], Any]:
    """An argparse type from a parser in :mod:`nplv_sim.validation` (imported on first use, so
    that ``--help`` stays light); its one-line message becomes argparse's."""

    def convert(text: str) -> Any:
        from . import validation

        try:
            return getattr(validation, parse_name)(text)
        except validation.InvalidArgument as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse_name.removeprefix("parse_")
    return convert


_positive_int = _argument("parse_count")
_seed = _argument("parse_seed")
_quantiles = _argument("parse_probabilities")


def _load(args: argparse.Namespace):
    """The assumptions named on the command line (the facts file confined unless --allow-outside)."""
    return load_assumptions(args.assumptions, allow_outside=args.allow_outside)


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs a simulation."""
    p.add_argument("assumptions", nargs="?", help="assumptions file (default: the shipped Rebel 2026 register)")
    p.add_argument("--allow-outside", action="store_true", help=ALLOW_OUTSIDE_HELP)
    p.add_argument("--draws", type=_positive_int, default=100_000, help="Monte Carlo draws (default 100000)")
    p.add_argument(
        "--seed", type=_seed, default=None, help="seed for a repeatable run (default: fresh, recorded in the output)"
    )
    p.add_argument(
        "--method", choices=METHODS, default=CLI_DEFAULT_METHOD,
        help=f"sampling method (default {CLI_DEFAULT_METHOD}: the first to a precise P85, docs/performance.md)"
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="threads (default: one per core; results do not depend on it)",
    )
    p.add_argument(
        "--quantiles", type=_quantiles, default=None, help="comma-separated, default 0.05,0.15,0.5,0.85,0.95"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nplv-sim",
        description="Monte Carlo uncertainty of the NPLV remaining need (restopgave).",
        epilog="Exit codes: 0 ok, 2 bad input or refused output, 130 interrupted, 1 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"nplv-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="simulate and write results.nc and summary.csv",
        description="Simulate and write DIR/results.nc (all draws) and DIR/summary.csv.",
    )
    add_run_options(run)
    run.add_argument("--out", help="output folder (default: a new folder under results/)")
    run.add_argument("--force", action="store_true", help="replace existing output files")
    run.add_argument("--force-folder", action="store_true", help=FORCE_FOLDER_HELP)
    run.add_argument("--detail", action="store_true", help="also keep need, funding and shortfall per component")
    run.add_argument(
        "--keep",
        type=_keep_groups,
        default=(),
        help="also store in results.nc what the seed regenerates: 'derived' (sums over pillars and periods, per "
             "year), 'inputs' (drawn input values) or 'inputs,derived'",
    )
    run.add_argument("--quiet", action="store_true", help="no progress or summary table")
    run.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where blocks are computed (dask: a LocalCluster, or --scheduler); identical numbers",
    )
    run.add_argument(
        "--scheduler", help="address of an existing dask scheduler, e.g. tcp://host:8786 (with --engine dask)"
    )
    run.add_argument(
        "--stream",
        action="store_true",
        help="summaries only, merged block by block in bounded memory (for 1e7+ draws); writes summary.nc and "
             "summary.csv",
    )
    run.add_argument(
        "--precision",
        help="keep drawing blocks until the Monte Carlo s.e. of P50 and P85 of the 2026-2035 shortfall is at most "
             "this: an amount (5 = EUR 5 M) or a share (0.5%%); --draws is then the maximum",
    )
    run.set_defaults(func=_cmd_run)

    budget = sub.add_parser(
        "budget",
        help="budget needed for a confidence level",
        description="Budget that covers the remaining need with the given probability (the shortfall's quantile), per "
                    "period, scope and the whole horizon.",
    )
    add_run_options(budget)
    budget.add_argument(
        "--confidence", type=_quantiles, default=(0.5, 0.85, 0.95), help="comma-separated, default 0.5,0.85,0.95"
    )
    _policy_options(budget)
    budget.set_defaults(func=_cmd_budget)

    cover = sub.add_parser(
        "cover",
        help="probability that a budget covers the remaining need",
        description="Probability that a budget covers the remaining need, per period, scope and the whole horizon, "
                    "and for a per-year budget over exactly its --years. BUDGET is EUR million: a total (945) or per "
                    "year (135/yr, with --years).",
    )
    add_run_options(cover)
    cover.add_argument("--budget", required=True, help="EUR million: a total (e.g. 945) or per year (e.g. 135/yr)")
    cover.add_argument(
        "--years", help="years of a per-year budget, FIRST-LAST, e.g. 2029-2035 (default: every year of the periods)"
    )
    _policy_options(cover)
    cover.set_defaults(func=_cmd_cover)

    scen = sub.add_parser(
        "scenarios",
        help="compare scenarios with common random numbers",
        description="Simulate the baseline and scenarios with the same random numbers; print each scenario's "
                    "difference from the baseline with its uncertainty and write DIR/scenarios.nc.",
    )
    add_run_options(scen)
    scen.add_argument(
        "--scenario", action="append", help="scenario file or shipped name (repeatable; default: all shipped scenarios)"
    )
    scen.add_argument("--out", help="output folder (default: a new folder under results/)")
    scen.add_argument("--force", action="store_true", help="replace existing output files")
    scen.add_argument("--force-folder", action="store_true", help=FORCE_FOLDER_HELP)
    scen.set_defaults(func=_cmd_scenarios)

    rep = sub.add_parser(
        "report",
        help="one folder: figures, tables, NetCDF and an HTML appendix draft",
        description="Run (or read with --results) a simulation and write one folder with figures (PNG/PDF/SVG), "
                    "tables (CSV, XLSX), results.nc and report.html.",
    )
    add_run_options(rep)
    rep.add_argument("--results", help="report on an existing results.nc instead of running")
    rep.add_argument(
        "--lang", choices=("nl", "en"), default="nl", help="language of the report and figures (default nl)"
    )
    rep.add_argument("--out", help="report folder (default: a new folder under results/)")
    rep.add_argument(
        "--force",
        action="store_true",
        help="replace the files of an existing report (figures/, tables/, results.nc, report.html)",
    )
    rep.add_argument("--force-folder", action="store_true", help=FORCE_FOLDER_HELP)
    rep.set_defaults(func=_cmd_report)

    reg = sub.add_parser(
        "register",
        help="write the assumptions register (Markdown)",
        description="Write the assumptions register generated from the files to DIR/assumptions.md.",
    )
    reg.add_argument("assumptions", nargs="?", help="assumptions file (default: the shipped one)")
    reg.add_argument("--allow-outside", action="store_true", help=ALLOW_OUTSIDE_HELP)
    reg.add_argument("--out", default="docs", help="output folder (default docs)")
    reg.add_argument("--force", action="store_true", help="replace an existing assumptions.md")
    reg.add_argument(
        "--lang",
        choices=("en", "nl"),
        default="en",
        help="en: the bilingual docs register (default); nl: Dutch only, as assumptions_nl.md",
    )
    reg.set_defaults(func=_cmd_register)

    _add_bridge_parser(sub)

    base = sub.add_parser(
        "baseline",
        help="reconcile the deterministic baseline with the report",
        description="Print the reconciliation of every published figure and write it as CSV.",
    )
    base.add_argument("assumptions", nargs="?", help="assumptions file (default: the shipped one)")
    base.add_argument("--allow-outside", action="store_true", help=ALLOW_OUTSIDE_HELP)
    base.add_argument("--out", help="output folder for reconciliation.csv (default: a new folder under results/)")
    base.add_argument("--force", action="store_true", help="replace an existing reconciliation.csv")
    base.add_argument("--force-folder", action="store_true", help=FORCE_FOLDER_HELP)
    base.set_defaults(func=_cmd_baseline)
    return parser


def default_out(prefix: str) -> Path:
    """A fresh folder name under ./results for this run."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / f"{prefix}-{stamp}-{uuid.uuid4().hex[:6]}"


def _keep_groups(text: str) -> tuple[str, ...]:
    groups = tuple(g.strip() for g in text.split(",") if g.strip())
    bad = [g for g in groups if g not in ("derived", "inputs")]
    if bad or not groups:
        raise argparse.ArgumentTypeError(f"must be 'derived', 'inputs' or 'inputs,derived', got {text!r}")
    return groups


def _outputs(args: argparse.Namespace, prefix: str, names: list[str]):
    """The command's outputs in ``--out`` (default a new folder), checked before any work."""
    from .output import OutputSet

    folder = args.out if args.out is not None else default_out(prefix)
    return OutputSet(folder, names, args.force, getattr(args, "force_folder", False))


def Progress(enabled: bool):  # noqa: N802 - kept as the name the commands call
    """The progress line of a command (see :mod:`nplv_sim.progress`)."""
    from .progress import Progress as _Progress

    return _Progress(enabled)


def _parse_precision(text: str) -> tuple[float | None, float | None]:
    t = text.strip()
    try:
        if t.endswith("%"):
            value = float(t[:-1]) / 100.0
            if not 0 < value < 1:  # nan fails this too
                raise ValueError
            return None, value
        value = float(t)
        if not 0 < value <= MAX_AMOUNT:  # refuses nan and inf
            raise ValueError
        return value, None
    except ValueError:
        raise NplvError(
            f"--precision {text!r}: give a positive amount in EUR million (e.g. 5) or a share (e.g. 0.5%)"
        ) from None


def _cmd_run_summary_only(args: argparse.Namespace, a) -> int:
    """--stream and --precision: summaries merged block by block, no draws kept."""
    outputs = _outputs(args, "run", ["summary.nc", "summary.csv"])
    show = not args.quiet
    progress = Progress(show)
    with outputs:
        progress.phase("drawing")
        summary, note = _summary_only(args, a, progress)
        progress.phase("writing")
        write_netcdf(summary, outputs.path("summary.nc"))
        write_text(outputs.path("summary.csv"), summary_csv(summary))
    progress.finish()
    if show:
        print(summary_text(summary))
    from .uplift import is_on

    if is_on(summary.attrs):
        print("the uplift layer is on; its part (without / with / of which) needs the draws: run without --stream "
              "and --precision")
    targets = outputs.targets
    print(f"{note}\nwrote {targets[0]} and {targets[1]}")
    return EXIT_OK


def _summary_only(args: argparse.Namespace, a, progress):
    """The streamed or precision-controlled summary and a line that describes it."""
    from .summary import DEFAULT_QUANTILES

    if args.precision:
        from .precision import simulate_to_precision

        target_abs, target_rel = _parse_precision(args.precision)
        summary = simulate_to_precision(
            a,
            target_abs=target_abs,
            target_rel=target_rel,
            max_draws=args.draws,
            rng=args.seed,
            method=args.method,
            workers=args.workers,
            variables=("shortfall", "shortfall_all_pillars", "shortfall_all_periods"),
            progress=progress.precision,
        )
        note = (
            f"precision target {args.precision}: {'met' if summary.attrs.get('precision_met') else 'NOT met'} after "
            f"{summary.attrs.get('n_draws'):,} draws; largest s.e. {summary.attrs.get('precision_achieved_se'):.3g}"
        )
    else:
        from .streaming import simulate_summary

        summary = simulate_summary(
            a,
            args.draws,
            rng=args.seed,
            method=args.method,
            quantiles=args.quantiles or DEFAULT_QUANTILES,
            workers=args.workers,
            progress=progress,
        )
        note = "streamed summary (quantiles from fine histograms; see *_quantile_error_bound)"
    return summary, note


def _cmd_run(args: argparse.Namespace) -> int:
    from .outputs import table_variables
    from .provenance import public_attrs
    from .results_writer import writing_while_drawing
    from .simulation import (
        estimate_bytes,
        kept_arrays,
        plan_run,
        run_kept,
        stored,
        stored_skeleton,
        stored_variables,
        to_dataset,
    )
    from .validation import check_memory

    a = _load(args)
    if args.scheduler and args.engine != "dask":
        raise NplvError("--scheduler goes with --engine dask")
    if args.stream or args.precision:
        if args.engine == "dask":
            raise NplvError("--stream and --precision run locally; drop --engine dask")
        if args.detail:
            raise NplvError("--detail keeps every draw per component, --stream and --precision keep no draws: drop one")
        if args.precision:  # before any folder is made
            from .validation import check_replicate_draws

            _parse_precision(args.precision)
            check_replicate_draws(args.method, args.draws)
        return _cmd_run_summary_only(args, a)
    # Only what the command writes: the stored variables and those of the summary table.
    wanted = set(stored_variables(args.detail, args.keep)) | set(table_variables())
    plan = plan_run(a, args.seed, args.method, detail=args.detail, variables=sorted(wanted))
    from .uplift import is_on, layer_state

    # With the uplift layer on, the same draws are run again without it, beside the first.
    check_memory(estimate_bytes(plan, args.draws) * (2 if is_on(layer_state(a)) else 1), args.draws)
    outputs = _outputs(args, "run", ["results.nc", "summary.csv"])
    progress = Progress(not args.quiet and args.draws >= 200_000)
    with outputs:
        progress.phase("drawing")
        if args.engine == "dask":
            from .distributed import simulate_dask

            ds = simulate_dask(
                a,
                args.draws,
                rng=args.seed,
                method=args.method,
                client=args.scheduler,
                detail=args.detail,
                progress=progress,
            )
            progress.phase("summarising and writing")
            summary, table = _summary_while_writing(args, a, ds, outputs.path("results.nc"))
        else:
            # results.nc is written while the engine draws: each chunk of draws as soon as
            # it is final, then what only the finished run knows (results_writer).
            arrays = kept_arrays(plan, args.draws)
            skeleton, fed = stored_skeleton(plan, arrays, args.keep)
            with writing_while_drawing(
                outputs.path("results.nc"), public_attrs(skeleton), fed, args.draws
            ) as results_file:

                def drawn(done: int, total: int) -> None:
                    progress(done, total)
                    results_file.drawn(done)

                x, engine = run_kept(plan, args.draws, args.workers, progress=drawn, into=arrays)
                ds = to_dataset(plan, x, engine)
                progress.phase("summarising and writing")
                results_file.finish(public_attrs(stored(ds, args.keep)))
                results_file.check()  # a write that failed already (a full disk): say so before summarising
                summary, table = _summary(args, a, ds)  # the rest of results.nc is written meanwhile
        write_text(outputs.path("summary.csv"), table)
    progress.finish()
    targets = outputs.targets
    if not args.quiet:
        print(summary_text(summary))
        print(f"\nseed entropy {ds.attrs['seed_entropy']}; method {args.method}; assumptions {a.path}")
    print(f"wrote {targets[0]} and {targets[1]}")
    return EXIT_OK


def _summary(args: argparse.Namespace, a, ds):
    """The run's summary (the draws' statistics, the uplift layer apart when on) and its CSV text."""
    from .outputs import table_variables
    from .summary import DEFAULT_QUANTILES
    from .uplift import split_summary

    summary = summarize(ds, args.quantiles or DEFAULT_QUANTILES, variables=table_variables(), workers=args.workers)
    summary = split_summary(summary, ds, a, table_variables(), args.workers)
    return summary, summary_csv(summary)


def _summary_while_writing(args: argparse.Namespace, a, ds, target):
    """:func:`_summary`, with results.nc written to ``target`` in a thread meanwhile (it waits
    on the disk): the dask engine's path, whose draws arrive all at once."""
    from concurrent.futures import ThreadPoolExecutor

    from .provenance import public_attrs
    from .simulation import stored

    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.submit(write_netcdf, public_attrs(stored(ds, args.keep)), target)
        summary, table = _summary(args, a, ds)
        written.result()
    return summary, table


def _policy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", help="apply a scenario first (file or shipped name, e.g. coalition_135)")
    p.add_argument("--incl-addons", action="store_true", help="include add-ons such as funderingsherstel")
    p.add_argument(
        "--netting", choices=("pillar", "component"), default="pillar", help="netting method (default pillar)"
    )
    p.add_argument("--out", help="also write the table (CSV) and provenance.csv to this folder")
    p.add_argument("--force", action="store_true", help="replace existing output files")


def _policy_run(args: argparse.Namespace):
    a = _load(args)
    if args.scenario:
        from .scenarios import load_scenario

        a = load_scenario(args.scenario, a)
    ds = simulate(
        a, args.draws, rng=args.seed, method=args.method, workers=args.workers, progress=Progress(args.draws >= 200_000)
    )
    variable = "shortfall_all_pillars_incl_addons" if args.incl_addons else "shortfall_all_pillars"
    return a, ds, variable


def _horizon_name(a, h: str) -> str:
    from .glossary import horizon_label

    return horizon_label(a.facts.periods, str(h), "en")


def _horizon_table(title: str, rows: dict[str, list[str]], columns: list[str]) -> str:
    head = f"{'horizon':<28}{'scope':<7}" + "".join(f"{c:>16}" for c in columns)
    return "\n".join([title, head, *(f"{k:<35}" + "".join(f"{v:>16}" for v in vals) for k, vals in rows.items())])


def _policy_targets(args: argparse.Namespace, name: str):
    """With --out, the command's table and provenance as one output set (checked now)."""
    if not args.out:
        return None
    return _outputs(args, name, [f"{name}.csv", "provenance.csv"])


def _write_policy(outputs, names: list[str], rows: list[dict[str, object]], ds) -> None:
    """The command's table (CSV) and the run's provenance into ``outputs`` (an open set)."""
    import csv
    import io

    from .provenance import provenance_csv, public_attrs
    from .safetext import spreadsheet_safe

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {k: (f"{v:.6g}" if isinstance(v, float) else spreadsheet_safe(v)) for k, v in r.items()} for r in rows
    )
    write_text(outputs.path(names[0]), buf.getvalue())
    write_text(outputs.path(names[1]), provenance_csv(public_attrs(ds)))


def _write_policy_set(outputs, name: str, rows: list[dict[str, object]], ds) -> None:
    """With --out: write and commit the policy command's set, then say so."""
    if outputs is None:
        return
    with outputs:
        _write_policy(outputs, [f"{name}.csv", "provenance.csv"], rows, ds)
    print(f"wrote {outputs.targets[0]} and {outputs.targets[1]}")


def _without_uplift(ds, a, variable: str, measure: Callable[[Any], Any]):
    """``measure`` of the same draws without the uplift layer, when it is on (else None)."""
    from .uplift import is_on, simulate_without

    if not is_on(ds.attrs):
        return None
    return measure(simulate_without(ds, a, [variable]))


def _print_uplift(ds, records: list[dict[str, Any]], key: str, columns: list[str], fmt: str) -> None:
    """The uplift layer's state and, when on, each figure without it, with it and of which it."""
    from .uplift import state_text

    print(f"\n{state_text(ds.attrs, 'en').capitalize()}")
    if f"{key}_uplift" not in (records[0] if records else {}):
        return
    per_row = len(columns)
    print("  the same draws with the uplift inputs held at 1: without / with / of which the uplift")
    for i in range(0, len(records), per_row):
        group = records[i : i + per_row]
        head = f"  {group[0].get('horizon_years', group[0]['horizon']):<28}{group[0]['scope']:<7}"
        def show(v: float) -> str:
            return "-" if v != v else fmt.format(v)

        cells = [f"{col}: {show(r[key + '_without_uplift'])} / {show(r[key])} / {show(r[key + '_uplift'])}"
                 for col, r in zip(columns, group, strict=True)]
        print(head + "   ".join(cells))


def _basis(variable: str, netting: str) -> str:
    return f"{'with' if 'incl_addons' in variable else 'without'} funderingsherstel, {netting} netting"


def _cmd_budget(args: argparse.Namespace) -> int:
    from .glossary import word
    from .policy import budget_for_confidence
    from .uplift import split_fields

    targets = _policy_targets(args, "budget")
    a, ds, variable = _policy_run(args)
    res = budget_for_confidence(ds, args.confidence, variable, args.netting)
    res_without = _without_uplift(ds, a, variable, lambda d: budget_for_confidence(d, args.confidence, variable,
                                                                                      args.netting))
    rows, records = {}, []
    for h in res["horizon"].values:
        for scope in res["scope"].values:
            cells = res["budget"].sel(horizon=h, scope=scope).values
            errs = res["budget_mcse"].sel(horizon=h, scope=scope).values
            rows[f"{_horizon_name(a, h):<28}{scope:<7}"] = [
                f"{v:,.0f} ±{e:,.0f}" for v, e in zip(cells, errs, strict=True)
            ]
            for i, (c, v, e) in enumerate(zip(args.confidence, cells, errs, strict=True)):
                record = {
                    "horizon": str(h),
                    "horizon_years": _horizon_name(a, h),
                    "scope": str(scope),
                    "confidence": float(c),
                    "budget": float(v),
                    "budget_mcse": float(e),
                    "variable": variable,
                    "netting": args.netting,
                    "scenario": a.scenario,
                    "uplift_layer": ds.attrs["uplift_layer"],
                    "units": "million EUR",
                }
                if res_without is not None:  # the uplift layer apart: the same draws without it
                    w = float(res_without["budget"].sel(horizon=h, scope=scope).values[i])
                    record.update(split_fields("budget", float(v), w))
                records.append(record)
    cols = [f"{100 * c:g} %" for c in args.confidence]
    print(
        _horizon_table(
            f"Budget needed (EUR million, ± Monte Carlo s.e.), both pillars, {_basis(variable, args.netting)}, "
            f"scenario {a.scenario}, {ds.sizes['draw']:,} draws",
            rows,
            cols,
        )
    )
    _print_uplift(ds, records, "budget", [f"{100 * c:g} %" for c in args.confidence], "{:,.0f}")
    print(f"\n{word('budgets_do_not_add', 'en')}")
    print(f"seed {ds.attrs['seed_entropy']} (repeat with --seed {ds.attrs['seed_entropy']})")
    _write_policy_set(targets, "budget", records, ds)
    return EXIT_OK


def _cmd_cover(args: argparse.Namespace) -> int:
    from .policy import (
        coverage_over_years,
        coverage_probability,
        double_counting,
        parse_budget,
        point_estimate_probability,
    )
    from .uplift import split_fields

    targets = _policy_targets(args, "cover")
    a0 = _load(args)
    budget = parse_budget(args.budget, a0, args.years)  # bad --budget/--years fail before any simulation
    a, ds, variable = _policy_run(args)
    warning = double_counting(a, budget)
    if warning:
        print(f"nplv-sim: warning: {warning}", file=sys.stderr)
    prob = coverage_probability(ds, budget, variable, args.netting)
    prob_without = _without_uplift(ds, a, variable, lambda d: coverage_probability(d, budget, variable, args.netting))
    n = ds.sizes["draw"]
    records = []
    exact = (
        coverage_over_years(ds, budget) if variable == "shortfall_all_pillars" and args.netting == "pillar" else None
    )
    if exact is not None:
        first, last = exact.attrs["first_year"], exact.attrs["last_year"]
        print(
            f"Budget {budget.text} = EUR {exact.attrs['budget']:,.0f} million against the remaining need of exactly "
            f"{first}-{last} "
            "(year profile: each period spread evenly over its years), both pillars, "
            f"{_basis(variable, args.netting)}, scenario {a.scenario}, {n:,} draws"
        )
        for scope in exact["scope"].values:
            p = float(exact.sel(scope=scope))
            se = (p * (1 - p) / n) ** 0.5
            print(f"  {scope:<7} P(covered) = {p:.3f} ±{se:.3f}")
            records.append(
                {
                    "horizon": f"{first}-{last}",
                    "scope": str(scope),
                    "budget": float(exact.attrs["budget"]),
                    "probability_covered": p,
                    "mcse": se,
                    "basis": "same years (year profile)",
                }
            )
        print("\nPer period (the money that falls in each period against that period's whole remaining need):")
    elif budget.years is not None:
        print("(the year-by-year comparison needs pillar netting without add-ons; shown per period only)")
    rows = {}
    for h in prob["horizon"].values:
        for scope in prob["scope"].values:
            p = float(prob.sel(horizon=h, scope=scope))
            amount = budget.amounts[str(h)]
            se = (p * (1 - p) / n) ** 0.5 if p == p else float("nan")
            rows[f"{_horizon_name(a, h):<28}{scope:<7}"] = [
                "-" if amount != amount else f"{amount:,.0f}",
                "-" if p != p else f"{p:.3f} ±{se:.3f}",
            ]
            record = {
                "horizon": _horizon_name(a, h),
                "scope": str(scope),
                "budget": amount,
                "probability_covered": p,
                "mcse": se,
                "basis": "whole period",
            }
            if prob_without is not None:  # the uplift layer apart: the same draws without it
                w = float(prob_without.sel(horizon=h, scope=scope))
                record.update(split_fields("probability_covered", p, w))
            records.append(record)
    print(
        _horizon_table(
            f"Budget {budget.text} (EUR million) against {variable}, {args.netting} netting, scenario {a.scenario}, "
            f"{n:,} draws",
            rows,
            ["budget", "P(covered)"],
        )
    )
    _print_uplift(ds, [r for r in records if r["basis"] == "whole period"], "probability_covered", ["P(covered)"],
                  "{:.3f}")
    print(f"\nWhere the report's own figures sit on the S-curve of scenario {a.scenario} (P(shortfall <= published)):")
    for r in point_estimate_probability(ds, a):
        print(f"  {r['figure']:<42} {r['published']:>8,.0f}  {r['cumulative_probability']:.3f}")
    print(f"seed {ds.attrs['seed_entropy']} (repeat with --seed {ds.attrs['seed_entropy']})")
    for r in records:
        r.update(variable=variable, netting=args.netting, scenario=a.scenario, uplift_layer=ds.attrs["uplift_layer"],
                 units="million EUR")
    _write_policy_set(targets, "cover", records, ds)
    return EXIT_OK


def _cmd_scenarios(args: argparse.Namespace) -> int:
    import numpy as np

    from .comparison import simulate_scenarios
    from .provenance import public_attrs
    from .scenarios import list_scenarios
    from .uplift import is_on as uplift_on
    from .uplift import split_fields, state_text

    a = _load(args)
    names = args.scenario or [p.stem for p in list_scenarios()]
    outputs = _outputs(args, "scenarios", ["scenarios.nc", "scenarios.csv", "provenance.csv"])
    ds = simulate_scenarios(a, names, args.draws, rng=args.seed, method=args.method, workers=args.workers)
    print(
        f"Difference from the baseline, both pillars, pillar netting (EUR million; P5 / P50 / P95), {args.draws:,} "
        "draws, common random numbers; without and with funderingsherstel"
    )
    print(
        f"{'scenario':<28}{'horizon':<28}{'scope':<7}{'basis':<8}{'P5':>9}{'P50':>9}{'P95':>9}   shortfall left P50 "
        "[P5-P95]"
    )
    records = []
    for sc in ds["scenario"].values[1:]:
        for h in [*map(str, ds["period"].values), "whole"]:
            for scope in ds["scope"].values:
                for basis, var in (("without", "shortfall_all_pillars"), ("with", "shortfall_all_pillars_incl_addons")):
                    da = ds[var].sel(netting="pillar", scope=scope)
                    da = da.sum("period") if h == "whole" else da.sel(period=h)
                    diff = (da.sel(scenario=sc) - da.sel(scenario="baseline")).values
                    q = np.quantile(diff, [0.05, 0.5, 0.95])
                    r = np.quantile(da.sel(scenario=sc).values, [0.05, 0.5, 0.95])
                    name = _horizon_name(a, h)
                    state = str(ds["scenario_uplift_layer"].sel(scenario=sc).values)
                    record = {
                        "scenario": str(sc),
                        "horizon": h,
                        "horizon_years": name,
                        "scope": str(scope),
                        "funderingsherstel": basis,
                        "uplift_layer": state,
                        "difference_p05": q[0],
                        "difference_p50": q[1],
                        "difference_p95": q[2],
                        "left_p05": r[0],
                        "left_p50": r[1],
                        "left_p95": r[2],
                    }
                    of_which = ""
                    if f"{var}_without_uplift" in ds:  # the uplift layer apart: the same draws without it
                        wo = ds[f"{var}_without_uplift"].sel(netting="pillar", scope=scope)
                        wo = wo.sum("period") if h == "whole" else wo.sel(period=h)
                        w = np.quantile(wo.sel(scenario=sc).values, [0.05, 0.5, 0.95])
                        for k, v, x in zip(("p05", "p50", "p95"), r, w, strict=True):
                            record.update(split_fields(f"left_{k}", v, x))
                        of_which = f"   of which uplift {r[1] - w[1]:,.0f}" if uplift_on(state) else ""
                    record["units"] = "million EUR"
                    print(
                        f"{str(sc)[:27]:<28}{name:<28}{scope:<7}{basis:<8}{q[0]:>9,.0f}{q[1]:>9,.0f}{q[2]:>9,.0f}   "
                        f"{r[1]:,.0f} [{r[0]:,.0f}-{r[2]:,.0f}]{of_which}"
                    )
                    records.append(record)
    for sc, state in zip(ds["scenario"].values, ds["scenario_uplift_layer"].values, strict=True):
        print(f"{sc}: {state_text(str(state), 'en')}")
    with outputs:
        write_netcdf(public_attrs(ds), outputs.path("scenarios.nc"))
        _write_policy(outputs, ["scenarios.csv", "provenance.csv"], records, ds)
    print(f"seed {ds.attrs['seed_entropy']} (repeat with --seed {ds.attrs['seed_entropy']})")
    print("wrote " + ", ".join(str(t) for t in outputs.targets))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    results = None
    if args.results:
        from .provenance import assumptions_for_results, check_facts

        path = Path(args.results)
        results = _read_results(path)
        a = load_assumptions(assumptions_for_results(results, path, args.assumptions), allow_outside=args.allow_outside)
        check_facts(results, path, a.facts.path, a.facts.sha256)
        from .simulation import regenerate

        try:
            results = regenerate(results, a)  # what the file leaves out, bit for bit
        except NplvError as exc:
            raise NplvError(f"{path}: {exc}") from None
    else:
        a = _load(args)
    out = args.out if args.out is not None else default_out("report")  # '' is refused, not taken as '.'
    start = time.perf_counter()

    def say(msg: str) -> None:
        print(f"  [{time.perf_counter() - start:6.1f} s] {msg}", file=sys.stderr, flush=True)

    folder = build_report(
        a,
        out,
        args.draws,
        rng=args.seed,
        method=args.method,
        workers=args.workers,
        lang=args.lang,
        force=args.force,
        force_folder=args.force_folder,
        progress=say,
        results=results,
    )
    import xarray as xr

    with xr.open_dataset(folder / "results.nc") as written:
        seed = written.attrs["seed_entropy"]
    print(f"wrote {folder}/report.html (and figures/, tables/, results.nc); seed {seed}")
    return EXIT_OK


def _read_results(path: Path):
    """Read a results NetCDF or refuse in one line (missing, unreadable, foreign, incompatible)."""
    import xarray as xr

    from .provenance import check_results

    if not path.is_file():
        raise NplvError(f"{path}: results file not found")
    try:
        ds = xr.load_dataset(path)
    except Exception as exc:  # any unreadable file is the user's input
        raise NplvError(f"{path}: cannot be read as NetCDF results ({type(exc).__name__})") from None
    check_results(ds, path)
    from .output import draws_first

    return draws_first(ds)


def _cmd_register(args: argparse.Namespace) -> int:
    from .register import register_markdown

    a = _load(args)
    # docs/ holds other documents by design: only the register is replaced.
    from .output import OutputSet

    name = "assumptions_nl.md" if args.lang == "nl" else "assumptions.md"
    outputs = OutputSet(args.out, [name], args.force, own_folder=False)
    with outputs:
        write_text(outputs.path(name), register_markdown(a, args.lang))
    target = outputs.targets[0]
    print(f"wrote {target}")
    return EXIT_OK


def _cmd_baseline(args: argparse.Namespace) -> int:
    a = _load(args)
    outputs = _outputs(args, "baseline", ["reconciliation.csv", "reconciliation_notes.csv"])
    with outputs:
        rows = reconcile(a)
        notes = reconciliation_notes(a)
        write_text(outputs.path("reconciliation.csv"), reconciliation_csv(rows))
        write_text(outputs.path("reconciliation_notes.csv"), notes_csv(notes))
    target, notes_target = outputs.targets
    print(reconciliation_table(rows))
    print("\n" + notes_table(notes))
    beyond = sum(not r["within_rounding"] for r in rows)
    print(
        f"\n{len(rows)} published figures, {len(rows) - beyond} within the report's rounding (10), {beyond} beyond;"
        f" {len(notes)} notes; wrote {target} and {notes_target.name}"
    )
    return EXIT_OK


# --- nplv-sim bridge ----------------------------------------------------------------------
def _add_bridge_parser(sub) -> None:
    br = sub.add_parser(
        "bridge",
        help="from Rebel's figure to the simulated P50/P85, attributed to the uncertainty groups",
        description="Split the distance from Rebel's figure to each simulated quantile over the uncertainty "
        "groups (U1-U10) and the uplift layer (Shapley values, common random numbers) and write DIR/bridge.csv.",
    )
    br.add_argument("assumptions", nargs="?", help="assumptions file (default: the shipped Rebel 2026 register)")
    br.add_argument("--allow-outside", action="store_true", help=ALLOW_OUTSIDE_HELP)
    br.add_argument("--scenario", action="append", help="scenario applied first (repeatable), e.g. optimism_bias")
    br.add_argument("--draws", type=_positive_int, default=100_000, help="Monte Carlo draws (default 100000)")
    br.add_argument("--seed", type=_seed, default=None, help="seed for a repeatable run (default: fresh, recorded)")
    br.add_argument("--method", choices=METHODS, default=CLI_DEFAULT_METHOD, help="sampling method")
    br.add_argument("--quantiles", type=_quantiles, default=(0.5, 0.85), help="comma-separated, default 0.5,0.85")
    br.add_argument("--replicates", type=_positive_int, default=10, help="batches for the standard errors (default 10)")
    br.add_argument("--lang", choices=("nl", "en"), default="nl", help="labels and number format (default nl)")
    br.add_argument("--out", help="output folder for bridge.csv (default: a new folder under results/)")
    br.add_argument("--force", action="store_true", help="replace an existing bridge.csv")
    br.add_argument("--force-folder", action="store_true", help=FORCE_FOLDER_HELP)
    br.set_defaults(func=_cmd_bridge)


def _cmd_bridge(args: argparse.Namespace) -> int:
    from .bridge import bridge, bridge_csv, bridge_rows
    from .formatting import format_number
    from .scenarios import load_scenario

    a = _load(args)
    for name in args.scenario or []:
        a = load_scenario(name, a)
    outputs = _outputs(args, "bridge", ["bridge.csv"])
    ds = bridge(a, args.draws, rng=args.seed, method=args.method, quantiles=args.quantiles, replicates=args.replicates)
    rows = bridge_rows(ds, a, args.lang)
    nl = args.lang == "nl"
    horizon = [r for r in rows if r["pillar"] == rows[-1]["pillar"] and r["period"] == rows[-1]["period"]]

    def num(v: float) -> str:
        return format_number(v, 0, args.lang)

    print(
        (
            "Brug van het cijfer van Rebel naar de gesimuleerde kwantielen, beide pijlers, {p} (€ mln.; ± s.e.)"
            if nl
            else "Bridge from Rebel's figure to the simulated quantiles, both pillars, {p} (EUR million; ± s.e.)"
        ).format(p=horizon[0]["period"])
    )
    cells: dict[tuple, list[dict]] = {}
    for r in horizon:
        cells.setdefault((r["basis"], r["scope"], r["quantile"]), []).append(r)
    for (basis, scope, q), group_rows in cells.items():
        head = group_rows[0]
        print(f"\n{basis} | {scope} | {q}: Rebel {num(head['reference'])} -> {num(head['simulated'])}")
        for r in group_rows:
            if r["contribution"] != 0.0 or r["contribution_se"] != 0.0:
                se = format_number(r["contribution_se"], 1, args.lang)
                print(f"  {r['group']:<7}{r['group_label'][:44]:<46}{num(r['contribution']):>8} ± {se}")
    with outputs:
        write_text(outputs.path("bridge.csv"), bridge_csv(rows, args.lang))
    target = outputs.targets[0]
    from .uplift import state_text

    print(f"\n{state_text(ds.attrs, args.lang).capitalize()}")
    words = ("coalities", "trekkingen", "geschreven") if nl else ("coalitions", "draws", "wrote")
    print(
        f"\n{ds.attrs['players']}: {ds.attrs['n_coalitions']} {words[0]}, {ds.attrs['n_draws']:,} {words[1]},"
        f" {ds.attrs['seconds']} s; {words[2]} {target}"
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if hasattr(args, "workers") and args.workers is None:
        args.workers = os.cpu_count() or 1
    try:
        with warnings.catch_warnings():
            # numpy's floating-point warnings would print several lines; a result they
            # concern is refused by the finiteness check, in one line that names inputs.
            warnings.filterwarnings("ignore", FLOAT_WARNINGS, RuntimeWarning)
            return args.func(args)
    except NplvError as exc:
        print(f"nplv-sim: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except MemoryError:  # a limit the memory check could not see; staging is already removed
        print("nplv-sim: error: out of memory; nothing was written (use fewer draws, or --stream)", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP: outputs were unstaged on the way out
        return report_interrupt(exc)
    except Exception as exc:  # an internal error: one line unless debugging
        if os.environ.get("NPLV_SIM_DEBUG"):
            raise
        print(
            f"nplv-sim: internal error: {type(exc).__name__}: {one_line(str(exc))} (set NPLV_SIM_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
