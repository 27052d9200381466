"""Plain tables from a summary Dataset: tidy CSV rows and a terminal table."""

from __future__ import annotations

import csv
import io

import numpy as np
import xarray as xr

from .glossary import BASES, period_label
from .outputs import table_variables
from .safetext import spreadsheet_safe
from .uplift import split_columns, split_text

__all__ = ["SUMMARY_VARIABLES", "summary_rows", "summary_csv", "summary_text"]

# The variables the tables list: those the output registry marks ``in_table``.
SUMMARY_VARIABLES = table_variables()
_LABEL_DIMS = ("pillar", "period", "scope", "netting")
WHOLE = "whole"  # the whole horizon (variables without a period dim that sum the periods)


def _years(summary: xr.Dataset, period: str) -> tuple[object, object]:
    if "period_first_year" not in summary.coords:
        return "", ""
    firsts = [int(v) for v in summary["period_first_year"].values]
    lasts = [int(v) for v in summary["period_last_year"].values]
    if period == WHOLE:
        return min(firsts), max(lasts)
    i = [str(p) for p in summary["period"].values].index(period)
    return firsts[i], lasts[i]


def _qname(q: float) -> str:
    return f"p{round(q * 100):02d}" if abs(q * 100 - round(q * 100)) < 1e-9 else f"p{q * 100:g}"


def summary_rows(summary: xr.Dataset, variables: tuple[str, ...] = SUMMARY_VARIABLES) -> list[dict[str, object]]:
    """One row per variable and label combination, with quantiles, moments and errors."""
    qs = [float(q) for q in summary["quantile"].values]
    rows: list[dict[str, object]] = []
    for name in variables:
        if name not in summary:
            continue
        da = summary[name]
        dims = [d for d in da.dims if d != "quantile"]
        columns = {_qname(q): da.sel(quantile=q, drop=True) for q in qs}
        columns |= split_columns(summary, name, _qname)  # the uplift layer apart, when on
        columns |= {"mean": summary[f"{name}_mean"], "sd": summary[f"{name}_sd"]}
        columns |= {f"mcse_{_qname(q)}": summary[f"{name}_mcse"].sel(quantile=q, drop=True) for q in qs}
        if f"{name}_prob_positive" in summary:
            columns["prob_positive"] = summary[f"{name}_prob_positive"]
        cells = xr.Dataset(columns).drop_vars([c for c in summary.coords if c not in dims], errors="ignore")
        frame = cells.expand_dims(cell=[0]) if not dims else cells
        table = frame.to_dataframe(dim_order=dims or ["cell"]).reset_index()
        whole = "period" not in da.dims and "period" in summary.dims  # a sum over the periods
        for record in table.to_dict("records"):
            row: dict[str, object] = {"variable": name, "basis": BASES.get(name, "")}
            row |= {d: record.get(d, "all" if d == "pillar" else "") for d in _LABEL_DIMS}
            if whole:
                row["period"] = WHOLE
            row["first_year"], row["last_year"] = _years(summary, str(row["period"])) if row["period"] else ("", "")
            row |= {k: float(record[k]) for k in columns}
            row["units"] = da.attrs.get("units", "")
            row["uplift_layer"] = str(summary.attrs.get("uplift_layer", ""))  # "off" or "on: <inputs>"
            rows.append(row)
    return rows


def summary_csv(summary: xr.Dataset) -> str:
    """Tidy CSV of :func:`summary_rows` (machine format: '.' decimal point, no grouping)."""
    rows = summary_rows(summary)
    buf = io.StringIO()
    fields = list(rows[0]) if rows else ["variable"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else spreadsheet_safe(v)) for k, v in r.items()})
    return buf.getvalue()


def summary_text(summary: xr.Dataset, netting: str = "pillar") -> str:
    """Terminal table: shortfall per pillar and horizon (each period and the whole), per scope, on both bases.

    Without funderingsherstel (Rebel's headline basis) per pillar and for both pillars,
    including the whole horizon; with funderingsherstel for both pillars per period (and
    the whole horizon when the summary holds it).
    """
    qs = [float(q) for q in summary["quantile"].values]
    periods = [str(p) for p in summary["period"].values]
    names = {p: period_label(summary, p) for p in periods} | {WHOLE: f"{period_label(summary, WHOLE)} (whole)"}
    head = f"{'':<36}{'scope':<7}" + "".join(f"{_qname(q).upper():>9}" for q in qs) + f"{'mean':>9}{'P(>0)':>7}"
    lines = [f"Remaining need (restopgave), EUR million, {netting} netting, draws: {summary.attrs.get('n_draws')}"]

    def add(name: str, pillar: str | None, horizon: str) -> None:
        if name not in summary:
            return
        for scope in summary["scope"].values:
            sel = {"scope": scope, "netting": netting}
            if horizon != WHOLE:
                sel["period"] = horizon
            if pillar is not None:
                sel["pillar"] = pillar
            sel = {k: v for k, v in sel.items() if k in summary[name].dims}
            vals = summary[name].sel(sel).values
            prob = float(summary[f"{name}_prob_positive"].sel(sel))
            mean = float(summary[f"{name}_mean"].sel(sel))
            label = f"{pillar or 'both pillars'} {names[horizon]}"
            lines.append(f"{label:<36}{scope:<7}" + "".join(f"{v:>9,.0f}" for v in np.atleast_1d(vals))
                         + f"{mean:>9,.0f}{prob:>7.2f}")

    lines += ["", "Without funderingsherstel (Rebel's headline basis)", head]
    for pillar in summary["pillar"].values:
        for p in periods:
            add("shortfall", str(pillar), p)
    for p in periods:
        add("shortfall_all_pillars", None, p)
    add("shortfall_all_periods", None, WHOLE)
    if "shortfall_all_pillars_incl_addons" in summary:
        lines += ["", "With funderingsherstel (and any other add-on switched on)", head]
        for p in periods:
            add("shortfall_all_pillars_incl_addons", None, p)
        add("shortfall_all_periods_incl_addons", None, WHOLE)
    lines += split_text(summary, netting)
    lines += ["", "Per-period figures do not add up to the whole horizon's: a percentile of a sum is not the sum of "
              "the percentiles."]
    return "\n".join(lines)
