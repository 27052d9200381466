"""Reconciliation: every published figure beside the deterministic baseline."""

from __future__ import annotations

import csv
import io

import xarray as xr

from .errors import AssumptionsError
from .safetext import spreadsheet_safe
from .schema import Assumptions
from .simulation import simulate

__all__ = [
    "NOTE_COLUMNS",
    "NOTE_SHIFTS",
    "has_shift",
    "RECONCILIATION_COLUMNS",
    "notes_csv",
    "notes_table",
    "reconcile",
    "reconciliation_csv",
    "reconciliation_notes",
    "reconciliation_table",
]

RECONCILIATION_COLUMNS = ("figure", "source", "published", "computed", "difference", "note")
# Shift of the deterministic remaining need (both pillars, pillar netting) per period and scope.
NOTE_SHIFTS = (("P1", "total"), ("P1", "rijk"), ("P2", "total"), ("P2", "rijk"))
NOTE_COLUMNS = ("topic", "source", "note", "scenario", *(f"shift_{p}_{s}" for p, s in NOTE_SHIFTS))
TOLERANCE = 10.0  # the report rounds to 5 or 10 million


def _computed(ds: xr.Dataset, measure: str, pillar: str, period: str, scope: str, netting: str) -> float:
    if measure in ("shortfall", "shortfall_per_year"):
        if pillar == "all":
            name = "shortfall_per_year" if measure == "shortfall_per_year" else "shortfall_all_pillars"
            da = ds[name].sel(period=period, scope=scope, netting=netting)
        else:
            da = ds["shortfall"].sel(pillar=pillar, period=period, scope=scope, netting=netting)
            if measure == "shortfall_per_year":
                da = da / float(ds["period_years"].sel(period=period))
    else:
        da = ds[measure].sel(period=period, scope=scope)
        da = da.sum("pillar") if pillar == "all" else da.sel(pillar=pillar)
    return float(da.squeeze())


def reconcile(assumptions: Assumptions) -> list[dict[str, object]]:
    """Rows of the reconciliation table (see :data:`RECONCILIATION_COLUMNS`).

    Parameters
    ----------
    assumptions : Assumptions
        Any assumptions; only their facts and baselines matter.

    Returns
    -------
    list of dict
        One row per published figure, plus ``within_rounding`` (bool).
    """
    ds = simulate(assumptions, draws=1, rng=0, deterministic=True)
    rows = []
    for p in assumptions.facts.published:
        got = _computed(ds, p.measure, p.pillar, p.period, p.scope, p.netting)
        diff = got - p.value
        rows.append(
            {
                "figure": p.figure,
                "source": p.source,
                "published": p.value,
                "computed": round(got, 2),
                "difference": round(diff, 2),
                "note": p.note,
                "within_rounding": abs(diff) <= TOLERANCE,
            }
        )
    return rows


def reconciliation_csv(rows: list[dict[str, object]]) -> str:
    """The reconciliation as CSV text."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*RECONCILIATION_COLUMNS, "within_rounding"], lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: spreadsheet_safe(v) for k, v in r.items()} for r in rows])  # names and notes from files
    return buf.getvalue()


def reconciliation_table(rows: list[dict[str, object]], width: int = 46) -> str:
    """The reconciliation as a fixed-width text table for the terminal."""
    head = f"{'figure':<{width}} {'published':>10} {'computed':>10} {'diff':>8}  source / note"
    lines = [head, "-" * len(head)]
    for r in rows:
        flag = "" if r["within_rounding"] else "  ** beyond rounding"
        lines.append(
            f"{str(r['figure'])[:width]:<{width}} {r['published']:>10,.0f} {r['computed']:>10,.2f} "
            f"{r['difference']:>8,.2f}  {r['source']}{flag}"
        )
        if r["note"]:
            lines.append(f"{'':<{width}} {'':>10} {'':>10} {'':>8}  note: {r['note']}")
    return "\n".join(lines)


def reconciliation_notes(assumptions: Assumptions) -> list[dict[str, object]]:
    """The facts file's notes on points where the sources disagree, each with the shift its
    scenario gives the deterministic remaining need (both pillars, pillar netting).

    Parameters
    ----------
    assumptions : Assumptions
        The base; each note's ``scenario`` (a shipped scenario) is applied to it.

    Returns
    -------
    list of dict
        One row per note (see :data:`NOTE_COLUMNS`); shifts are None where no number moves,
        or where the scenario does not apply to these assumptions (it changes an input that a
        facts file alone, say, does not have).
    """
    from .scenarios import load_scenario  # scenarios import this package's loaders

    base = simulate(assumptions, draws=1, rng=0, deterministic=True)["shortfall_all_pillars"].sel(netting="pillar")
    rows = []
    for n in assumptions.facts.notes:
        row: dict[str, object] = {"topic": n.topic, "source": n.source, "note": n.note, "scenario": n.scenario}
        shifted = None
        if n.scenario:
            try:
                variant = load_scenario(n.scenario, assumptions)
            except AssumptionsError:
                variant = None
            if variant is not None:
                shifted = simulate(variant, draws=1, rng=0, deterministic=True)
                shifted = shifted["shortfall_all_pillars"].sel(netting="pillar")
        for p, scope in NOTE_SHIFTS:
            diff = None if shifted is None else float((shifted - base).sel(period=p, scope=scope).squeeze())
            row[f"shift_{p}_{scope}"] = None if diff is None else round(diff, 2)
        rows.append(row)
    return rows


def has_shift(row: dict[str, object]) -> bool:
    """Whether a row of :func:`reconciliation_notes` carries its scenario's shifts."""
    return all(row[f"shift_{p}_{s}"] is not None for p, s in NOTE_SHIFTS)


def notes_csv(rows: list[dict[str, object]]) -> str:
    """The notes as CSV text."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(NOTE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def notes_table(rows: list[dict[str, object]]) -> str:
    """The notes for the terminal: topic, source, note and the scenario's shifts."""
    lines = ["Points where the sources disagree (shift of the deterministic remaining need, both pillars):"]
    for r in rows:
        lines.append(f"- {r['topic']}  [{r['source']}]")
        lines.append(f"    {r['note']}")
        if r["scenario"] and not has_shift(r):
            lines.append(f"    scenario `{r['scenario']}` does not apply to these assumptions")
        elif r["scenario"]:
            shifts = ", ".join(f"{p} {s} {r[f'shift_{p}_{s}']:+,.1f}" for p, s in NOTE_SHIFTS)
            lines.append(f"    scenario `{r['scenario']}`: {shifts}")
        else:
            lines.append("    no number moves (no scenario)")
    return "\n".join(lines)
