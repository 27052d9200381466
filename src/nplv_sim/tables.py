"""Plain tables from a summary Dataset: tidy CSV rows and a terminal table."""

from __future__ import annotations

import csv
import io

import numpy as np
import xarray as xr

from .safetext import spreadsheet_safe

__all__ = ["SUMMARY_VARIABLES", "summary_rows", "summary_csv", "summary_text"]

SUMMARY_VARIABLES = (
    "shortfall",
    "shortfall_all_pillars",
    "shortfall_per_year",
    "shortfall_all_periods",
    "shortfall_incl_addons",
    "shortfall_all_pillars_incl_addons",
)
_LABEL_DIMS = ("pillar", "period", "scope", "netting")


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
        stacked = da.stack(cell=dims) if dims else da.expand_dims(cell=[0])
        for i in range(stacked.sizes["cell"]):
            cell = stacked.isel(cell=i)
            sel = {d: cell[d].item() for d in dims}
            row: dict[str, object] = {"variable": name, **{d: sel.get(d, "all" if d == "pillar" else "") for d in _LABEL_DIMS}}
            for q, v in zip(qs, cell.values, strict=True):
                row[_qname(q)] = float(v)
            row["mean"] = float(summary[f"{name}_mean"].sel(sel))
            row["sd"] = float(summary[f"{name}_sd"].sel(sel))
            for q, v in zip(qs, summary[f"{name}_mcse"].sel(sel).values, strict=True):
                row[f"mcse_{_qname(q)}"] = float(v)
            if f"{name}_prob_positive" in summary:
                row["prob_positive"] = float(summary[f"{name}_prob_positive"].sel(sel))
            row["units"] = da.attrs.get("units", "")
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
    """Terminal table: shortfall per pillar, period and scope, and both pillars together."""
    qs = [float(q) for q in summary["quantile"].values]
    head = f"{'':<24}{'scope':<7}" + "".join(f"{_qname(q).upper():>9}" for q in qs) + f"{'mean':>9}{'P(>0)':>7}"
    lines = [f"Remaining need (restopgave), EUR million, {netting} netting, draws: {summary.attrs.get('n_draws')}", head]
    for name, pillars in (("shortfall", list(summary["pillar"].values)), ("shortfall_all_pillars", [None])):
        for pillar in pillars:
            for period in summary["period"].values:
                for scope in summary["scope"].values:
                    sel = {"period": period, "scope": scope, "netting": netting}
                    if pillar is not None:
                        sel["pillar"] = pillar
                    vals = summary[name].sel(sel).values
                    label = f"{pillar or 'both pillars'} {period}"
                    prob = float(summary[f"{name}_prob_positive"].sel(sel))
                    mean = float(summary[f"{name}_mean"].sel(sel))
                    lines.append(f"{label:<24}{scope:<7}" + "".join(f"{v:>9,.0f}" for v in np.atleast_1d(vals)) + f"{mean:>9,.0f}{prob:>7.2f}")
    return "\n".join(lines)
