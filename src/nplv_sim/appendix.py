"""The appendix table: quantiles per pillar, period and scope beside the report's figure.

One row per pillar (physical, social, both) x period x scope with P5, P15, P50, P85,
P95, the mean, the Monte Carlo error and the report's published figure (and, given the
draws, the percentile at which the report's figure falls). Written as

* ``<stem>.csv`` — machine format: ``,`` separated, ``.`` decimal point, no grouping;
* ``<stem>_nl.csv`` — Dutch format for readers and Dutch Excel: ``;`` separated,
  ``2.375`` / ``2,5`` / ``85 %``;
* ``<stem>.xlsx`` — sheet *Bijlage* (Dutch headers, numbers as numbers with a thousands
  format, shown in the reader's locale), sheet *data* (machine columns) and sheet
  *Toelichting* (units, provenance). Needs the optional ``openpyxl``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .errors import NplvError
from .formatting import MISSING, format_number, format_percent, term
from .output import check_targets, write_text, write_with
from .safetext import spreadsheet_safe

__all__ = ["APPENDIX_QUANTILES", "appendix_csv", "appendix_rows", "appendix_table", "report_figure", "write_appendix"]

APPENDIX_QUANTILES = (0.05, 0.15, 0.5, 0.85, 0.95)
_Q = ("p05", "p15", "p50", "p85", "p95")
_PILLAR_NL = {"physical": "Fysiek", "social": "Sociaal-maatschappelijk", "all": "Beide pijlers"}
_PILLAR_EN = {"physical": "Physical", "social": "Social", "all": "Both pillars"}


def report_figure(published: Any, measure: str, pillar: str, period: str, scope: str,
                  netting: str = "pillar") -> float | None:
    """The report's published figure for one cell, or None.

    ``published`` may be None, a number, a mapping ``{(pillar, period, scope): value}``
    or ``{(period, scope): value}``, Assumptions (``.facts.published``), Facts
    (``.published``) or a sequence of :class:`nplv_sim.schema.Published` (pillar
    ``"all"`` means both pillars).
    """
    if published is None:
        return None
    if isinstance(published, (int, float, np.number)):
        return float(published)
    if isinstance(published, Mapping):
        for key in ((pillar, period, scope), (period, scope), period):
            if key in published:
                return float(published[key])
        return None
    records = getattr(getattr(published, "facts", published), "published", published)
    for p in records:
        if (p.measure, p.pillar, p.period, p.scope, p.netting) == (measure, pillar, period, scope, netting):
            return float(p.value)
    return None


def _cell(summary: xr.Dataset, name: str, pillar: str, sel: dict[str, str]) -> xr.DataArray:
    if pillar == "all":
        name = name.replace("shortfall", "shortfall_all_pillars", 1)
    da = summary[name]
    if pillar != "all":
        sel = {**sel, "pillar": pillar}
    return da.sel({k: v for k, v in sel.items() if k in da.dims})


def appendix_rows(summary: xr.Dataset, published: Any = None, draws: xr.Dataset | None = None,
                  variable: str = "shortfall", netting: str = "pillar",
                  pillars: Sequence[str] = ("physical", "social", "all")) -> list[dict[str, Any]]:
    """Rows of the appendix in machine form (numbers as floats, keys in English).

    Parameters
    ----------
    summary : Dataset
        Output of :func:`nplv_sim.summarize` (with quantiles 0.05 ... 0.95), or the draws
        (then summarised here).
    published : Assumptions, sequence of Published or mapping, optional
        The report's figures (see :func:`report_figure`).
    draws : Dataset, optional
        The draws, to place the report's figure on the distribution (``report_percentile``
        = share of draws at or below it).
    variable : str
        ``"shortfall"`` or ``"shortfall_incl_addons"``.
    netting : str
        Netting method.
    pillars : sequence of str
        Pillars; ``"all"`` = both pillars.

    Returns
    -------
    list of dict
        Keys: variable, pillar, period, scope, netting, p05 ... p95, mean, mcse_max (the
        largest Monte Carlo standard error of the five quantiles), report,
        report_percentile, units [million EUR].
    """
    if "draw" in summary.dims:
        from .summary import summarize

        draws = summary if draws is None else draws
        summary = summarize(summary, APPENDIX_QUANTILES)
    have = np.asarray(summary["quantile"].values, dtype=float)
    if not all(np.isclose(have, q).any() for q in APPENDIX_QUANTILES):
        raise NplvError(f"the summary needs quantiles {APPENDIX_QUANTILES}, has {have.tolist()}")
    rows = []
    for pillar in pillars:
        for period in [str(p) for p in summary["period"].values]:
            for scope in [str(s) for s in summary["scope"].values]:
                sel = {"period": period, "scope": scope, "netting": netting}
                qs = {"quantile": list(APPENDIX_QUANTILES), "method": "nearest"}
                qv = _cell(summary, variable, pillar, sel).sel(**qs)
                se = _cell(summary, f"{variable}_mcse", pillar, sel).sel(**qs)
                ref = report_figure(published, variable, pillar, period, scope, netting)
                pct = float("nan")
                if ref is not None and draws is not None:
                    pct = float((_cell(draws, variable, pillar, sel) <= ref).mean())
                rows.append({"variable": variable, "pillar": pillar, "period": period, "scope": scope,
                             "netting": netting, **dict(zip(_Q, map(float, qv.values), strict=True)),
                             "mean": float(_cell(summary, f"{variable}_mean", pillar, sel)),
                             "mcse_max": float(np.max(se.values)),
                             "report": float("nan") if ref is None else ref, "report_percentile": pct,
                             "units": summary[variable].attrs.get("units", "million EUR")})
    return rows


def _period_text(summary: xr.Dataset, period: str, lang: str) -> str:
    if "period_first_year" not in summary.coords:
        return period
    first = int(summary["period_first_year"].sel(period=period))
    last = int(summary["period_last_year"].sel(period=period))
    return f"{first} t/m {last}" if lang == "nl" else f"{first}\u2013{last}"


def appendix_table(rows: Sequence[Mapping[str, Any]], summary: xr.Dataset | None = None,
                   lang: str = "nl") -> tuple[list[str], list[list[str]]]:
    """Reader's version of :func:`appendix_rows`: headers and formatted cells.

    Amounts in € mln. without decimals (``2.375``), the percentile as ``21 %``, missing
    values as an en dash.
    """
    money = "(€ mln.)" if lang == "nl" else "(€ million)"
    if lang == "nl":
        head = ["Pijler", "Periode", "Reikwijdte", *[f"{q.upper().replace('P0', 'P')} {money}" for q in _Q],
                f"Gemiddelde {money}", f"MC-fout {money}", f"Rapport Rebel {money}", "Rapportcijfer als percentiel"]
    else:
        head = ["Pillar", "Period", "Scope", *[f"{q.upper().replace('P0', 'P')} {money}" for q in _Q],
                f"Mean {money}", f"MC error {money}", f"Rebel report {money}", "Report figure as percentile"]
    names = _PILLAR_NL if lang == "nl" else _PILLAR_EN
    body = []
    for r in rows:
        period = _period_text(summary, r["period"], lang) if summary is not None else r["period"]
        cells = [names.get(r["pillar"], r["pillar"]), period, term(r["scope"], lang).capitalize()]
        cells += [format_number(r[k], 0, lang) for k in (*_Q, "mean")]
        cells.append(format_number(r["mcse_max"], 1, lang))
        cells.append(format_number(r["report"], 0, lang))
        pct = r["report_percentile"]
        cells.append(MISSING if np.isnan(pct) else format_percent(pct, 0, lang))
        body.append(cells)
    return head, body


def appendix_csv(rows: Sequence[Mapping[str, Any]], summary: xr.Dataset | None = None, dutch: bool = False) -> str:
    """CSV text: machine format (default) or the Dutch reader's table (``;``-separated)."""
    buf = io.StringIO()
    if dutch:
        head, body = appendix_table(rows, summary, "nl")
        writer = csv.writer(buf, delimiter=";", lineterminator="\n")
        writer.writerow(head)
        writer.writerows([[spreadsheet_safe(c) for c in row] for row in body])
        return buf.getvalue()
    fields = list(rows[0]) if rows else ["variable"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if isinstance(v, float) and np.isnan(v) else f"{v:.6g}" if isinstance(v, float)
                             else spreadsheet_safe(v)) for k, v in r.items()})
    return buf.getvalue()


def _xlsx(path: Path, rows: Sequence[Mapping[str, Any]], summary: xr.Dataset | None) -> None:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise NplvError("writing XLSX needs openpyxl: pip install 'nplv-sim[xlsx]' (or openpyxl)") from None
    wb = Workbook()
    ws = wb.active
    ws.title = "Bijlage"
    head, _ = appendix_table(rows, summary, "nl")
    names = _PILLAR_NL
    ws.append(head)
    for r in rows:
        period = _period_text(summary, r["period"], "nl") if summary is not None else r["period"]
        ws.append([spreadsheet_safe(names.get(r["pillar"], r["pillar"])), spreadsheet_safe(period),
                   term(r["scope"], "nl").capitalize(),
                   *[None if np.isnan(r[k]) else round(r[k], 1) for k in (*_Q, "mean", "mcse_max", "report")],
                   None if np.isnan(r["report_percentile"]) else r["report_percentile"]])
    for row in ws.iter_rows(min_row=2):
        for cell in row[3:9]:
            cell.number_format = "#,##0"
        row[9].number_format = "#,##0.0"
        row[10].number_format = "#,##0"
        row[11].number_format = "0%"
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGHIJKL", (24, 15, 11, *([11] * 8), 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "D2"
    data = wb.create_sheet("data")
    fields = list(rows[0]) if rows else []
    data.append(fields)
    for r in rows:
        data.append([None if isinstance(v, float) and np.isnan(v) else spreadsheet_safe(v) for v in r.values()])
    notes = wb.create_sheet("Toelichting")
    attrs = dict(summary.attrs) if summary is not None else {}
    notes.append(["Bedragen in miljoenen euro (€ mln.); MC-fout = grootste Monte Carlo-standaardfout "
                  "van de vijf percentielen."])
    notes.append(["Rapportcijfer als percentiel = aandeel trekkingen met een restopgave op of onder "
                  "het rapportcijfer."])
    for key in ("title", "references", "nplv_sim_version", "assumptions_file", "assumptions_sha256", "seed_entropy",
                "n_draws", "sampling_method", "correlation", "created"):
        if key in attrs:
            notes.append([key, spreadsheet_safe(str(attrs[key]))])  # e.g. the facts file's `report`
    wb.properties.creator = "nplv-sim"
    wb.save(path)


def write_appendix(summary: xr.Dataset, stem: str | Path, published: Any = None, draws: xr.Dataset | None = None,
                   formats: Sequence[str] = ("csv", "csv_nl", "xlsx"), force: bool = False,
                   **kwargs: Any) -> list[Path]:
    """Write the appendix table as machine CSV, Dutch CSV and XLSX.

    Parameters
    ----------
    summary : Dataset
        Output of :func:`nplv_sim.summarize` (or the draws).
    stem : str or Path
        File name without suffix: ``out/bijlage`` gives ``out/bijlage.csv``,
        ``out/bijlage_nl.csv`` and ``out/bijlage.xlsx``.
    published, draws
        See :func:`appendix_rows`.
    formats : sequence of {"csv", "csv_nl", "xlsx"}
        Which files to write.
    force : bool
        Replace existing files (otherwise nothing is written if one exists).
    **kwargs
        Passed to :func:`appendix_rows` (``variable``, ``netting``, ``pillars``).

    Returns
    -------
    list of Path
        The files written.
    """
    bad = set(formats) - {"csv", "csv_nl", "xlsx"}
    if bad:
        raise NplvError(f"unknown appendix format(s) {sorted(bad)}; choose from csv, csv_nl, xlsx")
    stem = Path(stem)
    names = {"csv": f"{stem.name}.csv", "csv_nl": f"{stem.name}_nl.csv", "xlsx": f"{stem.name}.xlsx"}
    targets = {f: stem.parent / names[f] for f in formats}
    check_targets(list(targets.values()), force)
    if "xlsx" in formats:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise NplvError("writing XLSX needs openpyxl: pip install 'nplv-sim[xlsx]' (or openpyxl)") from None
    rows = appendix_rows(summary, published, draws, **kwargs)
    info = summary if "draw" not in summary.dims else None
    for f, target in targets.items():
        if f == "xlsx":
            write_with(target, lambda tmp: _xlsx(tmp, rows, info if info is not None else summary), force)
        else:
            write_text(target, appendix_csv(rows, info if info is not None else summary, dutch=f == "csv_nl"), force)
    return list(targets.values())
