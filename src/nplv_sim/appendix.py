"""The appendix table: quantiles per pillar, period and scope beside the report's figure.

One row per basis (without and with funderingsherstel) x pillar (physical, social, both) x
horizon (each period and, given the draws, the whole horizon) x scope, with P5, P15, P50,
P85, P95, the mean, the Monte Carlo error and the report's published figure (and, given
the draws, the percentile at which the report's figure falls). Written as

* ``<stem>.csv`` — machine format: ``,`` separated, ``.`` decimal point, no grouping;
* ``<stem>_nl.csv`` — for Dutch Excel: UTF-8 with a byte-order mark, ``;`` separated,
  decimal commas and no thousands separator (so Excel reads every number as a number);
* ``<stem>.xlsx`` — sheet *Bijlage* (Dutch headers, numbers as numbers with a thousands
  format, shown in the reader's locale), sheet *data* (machine columns), sheet
  *Toelichting* (basis and notes) and sheet *Herkomst* (provenance). Needs the optional
  ``openpyxl``. Text that comes from input files can never become a formula.
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
from .formatting import MISSING, format_number, format_percent
from .glossary import basis_note, term, word
from .output import check_targets, write_text, write_with
from .provenance import provenance, provenance_rows
from .safetext import spreadsheet_safe
from .uplift import EFFECT, merge_rows, split_header, split_values

__all__ = ["APPENDIX_QUANTILES", "WHOLE", "appendix_csv", "appendix_rows", "appendix_table", "report_figure",
           "with_whole_horizon", "write_appendix"]

APPENDIX_QUANTILES = (0.05, 0.15, 0.5, 0.85, 0.95)
_Q = ("p05", "p15", "p50", "p85", "p95")
WHOLE = "whole"  # key of the whole horizon beside the periods; its years come from the facts
# the shortfall variables per basis (pillar-level name; "_all_pillars" is inserted for both pillars)
BASIS_VARIABLES = {"excl_addons": "shortfall", "incl_addons": "shortfall_incl_addons"}
_HORIZON_VARIABLES = ("shortfall", "shortfall_incl_addons", "shortfall_all_pillars",
                      "shortfall_all_pillars_incl_addons")


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


def with_whole_horizon(ds: xr.Dataset) -> xr.Dataset:
    """The four shortfall variables of the draws ``ds`` with the whole horizon as an extra period.

    The period :data:`WHOLE` is the draw-by-draw sum over the periods; its
    ``period_first_year``/``period_last_year`` are the first and last year of the periods
    (from the facts file, through the Dataset's coords).
    """
    keep = [v for v in _HORIZON_VARIABLES if v in ds]
    sub = ds[keep]
    whole = sub.sum("period", keep_attrs=True).expand_dims(period=[WHOLE])
    out = xr.concat([sub.drop_vars([c for c in sub.coords if c.startswith("period_")]), whole], dim="period",
                    coords="minimal", compat="override", combine_attrs="override")
    if "period_first_year" in ds.coords:
        firsts = [int(v) for v in ds["period_first_year"].values]
        lasts = [int(v) for v in ds["period_last_year"].values]
        out = out.assign_coords(period_first_year=("period", [*firsts, min(firsts)]),
                                period_last_year=("period", [*lasts, max(lasts)]))
    out.attrs = dict(ds.attrs)
    return out


def appendix_rows(summary: xr.Dataset, published: Any = None, draws: xr.Dataset | None = None,
                  variable: str | Sequence[str] = ("shortfall", "shortfall_incl_addons"), netting: str = "pillar",
                  pillars: Sequence[str] = ("physical", "social", "all")) -> list[dict[str, Any]]:
    """Rows of the appendix in machine form (numbers as floats, keys in English).

    Parameters
    ----------
    summary : Dataset
        Output of :func:`nplv_sim.summarize` (with quantiles 0.05 ... 0.95), or the draws:
        then the whole horizon is added (:func:`with_whole_horizon`) and summarised here.
    published : Assumptions, sequence of Published or mapping, optional
        The report's figures (see :func:`report_figure`).
    draws : Dataset, optional
        The draws, to place the report's figure on the distribution (``report_percentile``
        = share of draws at or below it).
    variable : str or sequence of str
        ``"shortfall"`` (without funderingsherstel), ``"shortfall_incl_addons"`` (with),
        or both (the default: both bases side by side).
    netting : str
        Netting method.
    pillars : sequence of str
        Pillars; ``"all"`` = both pillars.

    Returns
    -------
    list of dict
        Keys: variable, basis, pillar, period (a period name or ``"whole"``), first_year,
        last_year, scope, netting, p05 ... p95, mean, mcse_max (the largest Monte Carlo
        standard error of the five quantiles), report, report_percentile, units [million EUR].
    """
    from .summary import summarize

    variables = [variable] if isinstance(variable, str) else list(variable)
    if "draw" in summary.dims:
        draws = with_whole_horizon(summary) if draws is None else draws
        summary = summarize(with_whole_horizon(summary), APPENDIX_QUANTILES)
    if draws is not None and WHOLE not in draws["period"].values and WHOLE in summary["period"].values:
        draws = with_whole_horizon(draws)
    have = np.asarray(summary["quantile"].values, dtype=float)
    if not all(np.isclose(have, q).any() for q in APPENDIX_QUANTILES):
        raise NplvError(f"the summary needs quantiles {APPENDIX_QUANTILES}, has {have.tolist()}")
    first = summary.coords.get("period_first_year")
    last = summary.coords.get("period_last_year")
    rows = []
    for var in variables:
        basis = next((b for b, v in BASIS_VARIABLES.items() if v == var), var)
        for pillar in pillars:
            for period in [str(p) for p in summary["period"].values]:
                years = ({"first_year": int(first.sel(period=period)), "last_year": int(last.sel(period=period))}
                         if first is not None else {"first_year": None, "last_year": None})
                for scope in [str(s) for s in summary["scope"].values]:
                    sel = {"period": period, "scope": scope, "netting": netting}
                    qs = {"quantile": list(APPENDIX_QUANTILES), "method": "nearest"}
                    qv = _cell(summary, var, pillar, sel).sel(**qs)
                    se = _cell(summary, f"{var}_mcse", pillar, sel).sel(**qs)
                    ref = report_figure(published, var, pillar, period, scope, netting)
                    pct = float("nan")
                    if ref is not None and draws is not None:
                        pct = float((_cell(draws, var, pillar, sel) <= ref).mean())
                    rows.append({"variable": var, "basis": basis, "pillar": pillar, "period": period, **years,
                                 "scope": scope, "netting": netting,
                                 **dict(zip(_Q, map(float, qv.values), strict=True)),
                                 "mean": float(_cell(summary, f"{var}_mean", pillar, sel)),
                                 "mcse_max": float(np.max(se.values)),
                                 "report": float("nan") if ref is None else ref, "report_percentile": pct,
                                 "units": summary[var].attrs.get("units", "million EUR")})
    return rows


def _horizon_text(row: Mapping[str, Any], lang: str) -> str:
    if row.get("first_year") is None:
        return str(row["period"])
    years = f"{row['first_year']}\u2013{row['last_year']}"
    return f"{years} ({word('whole_horizon', lang)})" if row["period"] == WHOLE else years


def _header(lang: str, money: str, csv_percent: bool = False) -> list[str]:
    pct = " (%)" if csv_percent else ""
    quantiles = [f"{q.upper().replace('P0', 'P')} {money}" for q in _Q]
    if lang == "nl":
        return ["Grondslag", "Pijler", "Periode", "Reikwijdte", *quantiles, f"Gemiddelde {money}", f"MC-fout {money}",
                f"Rapport Rebel {money}", f"Rapportcijfer als percentiel{pct}"]
    return ["Basis", "Pillar", "Period", "Scope", *quantiles,
            f"Mean {money}", f"MC error {money}", f"Rebel report {money}", f"Report figure as percentile{pct}"]


def _labels(r: Mapping[str, Any], lang: str) -> list[str]:
    return [term(r["basis"], lang).capitalize(), term(r["pillar"], lang).capitalize(), _horizon_text(r, lang),
            term(r["scope"], lang).capitalize()]


def appendix_table(rows: Sequence[Mapping[str, Any]], summary: xr.Dataset | None = None,
                   lang: str = "nl") -> tuple[list[str], list[list[str]]]:
    """Reader's version of :func:`appendix_rows`: headers and formatted cells.

    Amounts in € mln. without decimals (``2.375``), the percentile as ``21 %``, missing
    values as an en dash. ``summary`` is accepted for compatibility; the years come from
    the rows.
    """
    money = "(€ mln.)" if lang == "nl" else "(€ million)"
    body = []
    for r in rows:
        cells = _labels(r, lang)
        cells += [format_number(r[k], 0, lang) for k in (*_Q, "mean")]
        cells.append(format_number(r["mcse_max"], 1, lang))
        cells.append(format_number(r["report"], 0, lang))
        pct = r["report_percentile"]
        cells.append(MISSING if np.isnan(pct) else format_percent(pct, 0, lang))
        body.append(cells)
    return _header(lang, money), body


def appendix_csv(rows: Sequence[Mapping[str, Any]], summary: xr.Dataset | None = None, dutch: bool = False) -> str:
    """CSV text: machine format (default) or the Dutch table for Dutch Excel.

    Dutch: a byte-order mark, ``;`` separated, decimal commas, no thousands separator and
    no unit signs in cells (units are in the headers), so Excel reads numbers as numbers.
    """
    buf = io.StringIO()
    if dutch:
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        split = bool(rows) and f"p50{EFFECT}" in rows[0]
        writer.writerow(_header("nl", "(€ mln.)", csv_percent=True) + (split_header(_Q, "nl", "(€ mln.)") if split
                                                                        else []))
        for r in rows:
            nums = [format_number(r[k], 0, "nl", grouping=False) for k in (*_Q, "mean")]
            nums.append(format_number(r["mcse_max"], 1, "nl", grouping=False))
            nums.append("" if np.isnan(r["report"]) else format_number(r["report"], 0, "nl", grouping=False))
            pct = r["report_percentile"]
            nums.append("" if np.isnan(pct) else format_number(100 * pct, 0, "nl", grouping=False))
            if split:
                nums += [format_number(v, 0, "nl", grouping=False) for v in split_values(r, _Q)]
            writer.writerow([spreadsheet_safe(c) for c in _labels(r, "nl")] + nums)
        return "\ufeff" + buf.getvalue()
    fields = list(rows[0]) if rows else ["variable"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.6g}"
                             if isinstance(v, float) else spreadsheet_safe(v)) for k, v in r.items()})
    return buf.getvalue()


def _append(ws: Any, values: Sequence[Any]) -> None:
    """Append a row; every string is stored as text, never as a formula."""
    ws.append([spreadsheet_safe(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


_SHEETS = {"nl": ("Bijlage", "data", "Toelichting", "Herkomst"), "en": ("Appendix", "data", "Notes", "Provenance")}
_NOTES = {
    "nl": ("Bedragen in miljoenen euro (€ mln.), nominaal; MC-fout = grootste Monte Carlo-standaardfout van de vijf "
           "percentielen.",
           "Rapportcijfer als percentiel = aandeel trekkingen met een restopgave op of onder het rapportcijfer."),
    "en": ("Amounts in million euros (€ million), nominal; MC error = the largest Monte Carlo standard error of the "
           "five percentiles.",
           "Report figure as percentile = share of draws with a remaining need at or below the report's figure."),
}


def _xlsx(path: Path, rows: Sequence[Mapping[str, Any]], summary: xr.Dataset | None,
          attrs: Mapping[str, Any] | None = None, lang: str = "nl") -> None:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise NplvError("writing XLSX needs openpyxl: pip install 'nplv-sim[xlsx]' (or openpyxl)") from None
    sheets = _SHEETS[lang]
    wb = Workbook()
    ws = wb.active
    ws.title = sheets[0]
    _append(ws, _header(lang, "(€ mln.)" if lang == "nl" else "(€ million)"))
    for r in rows:
        _append(ws, _labels(r, lang)
                  + [None if np.isnan(r[k]) else round(r[k], 1) for k in (*_Q, "mean", "mcse_max", "report")]
                  + [None if np.isnan(r["report_percentile"]) else r["report_percentile"]])
    for row in ws.iter_rows(min_row=2):
        for cell in row[4:10]:
            cell.number_format = "#,##0"
        row[10].number_format = "#,##0.0"
        row[11].number_format = "#,##0"
        row[12].number_format = "0%"
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGHIJKLM", (26, 24, 26, 11, *([11] * 8), 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "E2"
    data = wb.create_sheet(sheets[1])
    fields = list(rows[0]) if rows else []
    _append(data, fields)
    for r in rows:
        _append(data, [None if isinstance(v, float) and np.isnan(v) else v for v in r.values()])
    if rows and f"p50{EFFECT}" in rows[0]:  # the uplift layer apart: without, of which (with = sheet 1)
        sheet = wb.create_sheet(word("uplift_layer", lang).capitalize()[:31], 1)
        money = "(€ mln.)" if lang == "nl" else "(€ million)"
        _append(sheet, _header(lang, money)[:4] + split_header(_Q, lang, money))
        for r in rows:
            _append(sheet, _labels(r, lang) + [round(v, 1) for v in split_values(r, _Q)])
        for row in sheet.iter_rows(min_row=2):
            for cell in row[4:]:
                cell.number_format = "#,##0"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "E2"
    notes = wb.create_sheet(sheets[2])
    netting = str(rows[0]["netting"]) if rows else "pillar"
    uplift = (attrs or {}).get("uplift_layer")
    for line in (*_NOTES[lang], basis_note(lang, netting, uplift=uplift), word("budgets_do_not_add", lang)):
        _append(notes, [line])
    notes.column_dimensions["A"].width = 120
    prov = wb.create_sheet(sheets[3])
    source = attrs if attrs is not None else (summary.attrs if summary is not None else {})
    _append(prov, ["Gegeven", "Waarde", "sleutel"] if lang == "nl" else ["Item", "Value", "key"])
    for (label, value), key in zip(provenance_rows(source, lang), provenance(source), strict=True):
        _append(prov, [label, value, key])
    for cell in (*ws[1], *prov[1]):
        cell.font = Font(bold=True)
    prov.column_dimensions["A"].width = 30
    prov.column_dimensions["B"].width = 70
    wb.properties.creator = "nplv-sim"
    wb.save(path)


def write_appendix(summary: xr.Dataset, stem: str | Path, published: Any = None, draws: xr.Dataset | None = None,
                   formats: Sequence[str] = ("csv", "csv_nl", "xlsx"), force: bool = False, lang: str = "nl",
                   without: xr.Dataset | None = None, **kwargs: Any) -> list[Path]:
    """Write the appendix table as machine CSV, Dutch CSV and XLSX.

    Parameters
    ----------
    summary : Dataset
        Output of :func:`nplv_sim.summarize`, or the draws (then the whole horizon is included).
    stem : str or Path
        File name without suffix: ``out/bijlage`` gives ``out/bijlage.csv``,
        ``out/bijlage_nl.csv`` and ``out/bijlage.xlsx``.
    published, draws
        See :func:`appendix_rows`.
    formats : sequence of {"csv", "csv_nl", "xlsx"}
        Which files to write.
    force : bool
        Replace existing files (otherwise nothing is written if one exists).
    lang : {"nl", "en"}
        Language of the XLSX (sheets, headers, notes). ``bijlage_nl.csv`` is always Dutch
        and ``bijlage.csv`` always machine format.
    without : Dataset, optional
        With the uplift layer on: the draws of the same run without it
        (:func:`nplv_sim.uplift.simulate_without`). Each quantile then also appears without
        the layer and as "of which the layer" (extra columns, and an XLSX sheet of its own).
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
    if without is not None:  # the uplift layer apart: the same cells without it
        rows = merge_rows(rows, appendix_rows(without, published, None, **kwargs))
    attrs = dict(summary.attrs)
    for f, target in targets.items():
        if f == "xlsx":
            write_with(target, lambda tmp: _xlsx(tmp, rows, None, attrs, lang), force)
        else:
            write_text(target, appendix_csv(rows, None, dutch=f == "csv_nl"), force)
    return list(targets.values())
