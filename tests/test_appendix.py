"""The appendix table in machine CSV, Dutch CSV and XLSX (appendix.py)."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pytest

import nplv_sim
from nplv_sim.appendix import appendix_csv, appendix_rows, appendix_table, report_figure, write_appendix
from nplv_sim.errors import NplvError, OutputExistsError


@pytest.fixture(scope="module")
def run():
    a = nplv_sim.load_assumptions()
    ds = nplv_sim.simulate(a, 3000, rng=5)
    return a, ds, nplv_sim.summarize(ds)


def test_rows_hold_the_summary_and_the_report(run):
    a, ds, s = run
    rows = appendix_rows(s, a, ds)
    assert len(rows) == 2 * 3 * 2 * 2  # basis x pillar x period x scope (a summary has no whole horizon)
    assert {r["basis"] for r in rows} == {"excl_addons", "incl_addons"}
    assert [(r["pillar"], r["period"], r["scope"]) for r in rows[:3]] == [
        ("physical", "P1", "total"),
        ("physical", "P1", "rijk"),
        ("physical", "P2", "total"),
    ]
    both = next(
        r for r in rows if (r["basis"], r["pillar"], r["period"], r["scope"]) == ("excl_addons", "all", "P1", "total")
    )
    cell = s["shortfall_all_pillars"].sel(period="P1", scope="total", netting="pillar")
    assert both["p85"] == pytest.approx(float(cell.sel(quantile=0.85)))
    sel = {"period": "P1", "scope": "total", "netting": "pillar"}
    assert both["mean"] == pytest.approx(float(s["shortfall_all_pillars_mean"].sel(sel)))
    assert both["report"] == 2940.0  # Table 1
    draws = ds["shortfall_all_pillars"].sel(period="P1", scope="total", netting="pillar").values
    assert both["report_percentile"] == pytest.approx(np.mean(draws <= 2940.0))
    assert both["mcse_max"] == pytest.approx(float(s["shortfall_all_pillars_mcse"].sel(sel).max()))
    for r in rows:
        assert r["p05"] <= r["p15"] <= r["p50"] <= r["p85"] <= r["p95"]
    social = next(
        r for r in rows if (r["basis"], r["pillar"], r["period"], r["scope"]) == ("excl_addons", "social", "P2", "rijk")
    )
    assert social["report"] == 1585.0  # Table 16
    with_fh = next(
        r for r in rows if (r["basis"], r["pillar"], r["period"], r["scope"]) == ("incl_addons", "all", "P1", "total")
    )
    fh = ds["shortfall_all_pillars_incl_addons"].sel(period="P1", scope="total", netting="pillar")
    assert with_fh["p50"] == pytest.approx(float(np.quantile(fh.values, 0.5)), rel=1e-3)
    assert with_fh["p50"] > both["p50"]  # funderingsherstel adds EUR 1-1.5 bn over the horizon


def test_whole_horizon_is_the_sum_of_the_periods_draw_by_draw(run):
    a, ds, _ = run
    rows = appendix_rows(ds, a)
    whole = next(
        r for r in rows if (r["basis"], r["pillar"], r["period"], r["scope"]) == ("excl_addons", "all", "whole", "rijk")
    )
    draws = ds["shortfall_all_pillars"].sel(scope="rijk", netting="pillar").sum("period").values
    assert whole["p85"] == pytest.approx(float(np.quantile(draws, 0.85)), rel=2e-3)
    assert (whole["first_year"], whole["last_year"]) == (a.facts.periods[0].first_year, a.facts.periods[-1].last_year)
    assert len(rows) == 2 * 3 * 3 * 2


def test_rows_from_draws_equal_rows_from_the_summary(run):
    a, ds, s = run
    from_draws = [r for r in appendix_rows(ds, a) if r["period"] != "whole"]
    from_summary = appendix_rows(s, a, ds)
    for x, y in zip(from_draws, from_summary, strict=True):
        assert x["p50"] == pytest.approx(y["p50"])
        assert x["report_percentile"] == pytest.approx(y["report_percentile"], nan_ok=True)


def test_machine_csv_reads_back(run):
    a, _, s = run
    rows = appendix_rows(s, a)
    back = list(csv.DictReader(io.StringIO(appendix_csv(rows))))
    assert len(back) == 24
    assert back[0]["pillar"] == "physical" and back[0]["units"] == "million EUR"
    assert float(back[0]["p50"]) == pytest.approx(rows[0]["p50"], rel=1e-5)
    assert back[0]["report_percentile"] == ""  # no draws given: unknown, not zero


def test_dutch_table_and_csv(run):
    a, ds, s = run
    rows = appendix_rows(s, a, ds)
    head, body = appendix_table(rows, s)
    assert head[:5] == ["Grondslag", "Pijler", "Periode", "Reikwijdte", "P5 (€ mln.)"]
    both = body[8]
    assert both[:4] == ["Zonder funderingsherstel", "Beide pijlers", "2026\u20132029", "Totaal"]
    assert both[head.index("Rapport Rebel (€ mln.)")] == "2.940"
    assert both[-1].endswith(" %")
    text = appendix_csv(rows, s, dutch=True)
    assert text.startswith("\ufeff")  # UTF-8 BOM: Dutch Excel reads the euro sign and the en dash
    lines = text[1:].splitlines()
    assert lines[0].startswith("Grondslag;Pijler;Periode;Reikwijdte;P5 (€ mln.)")
    assert "Zonder funderingsherstel;Beide pijlers;2026\u20132029;Totaal;" in text and ";2940;" in text
    mcse = next(line for line in lines if line.startswith("Zonder funderingsherstel;Beide pijlers;2026")).split(";")[10]
    assert "," in mcse and "." not in mcse  # decimal comma, no grouping dot
    head_en, body_en = appendix_table(rows, s, "en")
    assert head_en[0] == "Basis" and body_en[8][2] == "2026\u20132029"
    assert body_en[8][head_en.index("Rebel report (€ million)")] == "2,940"


def test_write_appendix_files(run, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    a, ds, s = run
    paths = write_appendix(s, tmp_path / "bijlage", a, ds)
    assert [p.name for p in paths] == ["bijlage.csv", "bijlage_nl.csv", "bijlage.xlsx"]
    wb = openpyxl.load_workbook(paths[2])
    assert wb.sheetnames == ["Bijlage", "data", "Toelichting", "Herkomst"]
    sheet = list(wb["Bijlage"].iter_rows(values_only=True))
    assert len(sheet) == 25 and sheet[0][0] == "Grondslag"
    row = next(r for r in sheet if r[:4] == ("Zonder funderingsherstel", "Beide pijlers", "2026\u20132029", "Rijk"))
    assert row[11] == 1110  # Table 1: EUR 1,11 mld.
    assert isinstance(row[6], float) and wb["Bijlage"]["G2"].number_format == "#,##0"
    data = list(wb["data"].iter_rows(values_only=True))
    assert data[0][:3] == ("variable", "basis", "pillar") and len(data) == 25
    prov = {r[2]: r[1] for r in wb["Herkomst"].iter_rows(values_only=True)}
    assert prov["assumptions_sha256"] == s.attrs["assumptions_sha256"]
    assert prov["assumptions"] == "rebel_2026_uncertainty.toml"  # a file name, never a local path
    with pytest.raises(OutputExistsError):
        write_appendix(s, tmp_path / "bijlage", a)
    assert paths[0].read_text(encoding="utf-8").startswith("variable,basis,pillar,period")


def test_text_from_input_files_never_becomes_a_formula(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from nplv_sim.appendix import _append
    from nplv_sim.safetext import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")' and spreadsheet_safe(-3.0) == -3.0
    assert spreadsheet_safe("-3") == "-3"  # a formatted number stays a number
    wb = openpyxl.Workbook()
    _append(wb.active, ["=1+1", "@SUM(A1)", 2.5])
    wb.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert [c.data_type for c in back[1]] == ["s", "s", "n"] and back["A1"].value == "'=1+1"


def test_missing_openpyxl_is_a_clear_error(run, tmp_path, monkeypatch):
    _, _, s = run
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(NplvError, match="openpyxl"):
        write_appendix(s, tmp_path / "x", formats=("xlsx",))
    assert not list(tmp_path.iterdir())
    write_appendix(s, tmp_path / "x", formats=("csv",))  # CSV needs no openpyxl
    assert (tmp_path / "x.csv").exists()


def test_report_figure_lookup(run):
    a, _, _ = run
    assert report_figure(a, "shortfall", "physical", "P1", "total") == 2375.0
    assert report_figure(a, "shortfall", "physical", "P1", "total", "component") == 2425.0
    assert report_figure(a.facts.published, "shortfall_per_year", "all", "P2", "rijk") == 450.0
    assert report_figure({("P1", "rijk"): 1.0}, "shortfall", "all", "P1", "rijk") == 1.0
    assert report_figure(None, "shortfall", "all", "P1", "rijk") is None
    assert report_figure(a, "shortfall", "physical", "P9", "total") is None
    with pytest.raises(NplvError, match="quantiles"):
        appendix_rows(nplv_sim.summarize(run[1], quantiles=(0.5,)))


def test_english_workbook(run, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    a, ds, s = run
    paths = write_appendix(s, tmp_path / "bijlage", a, ds, formats=("xlsx",), lang="en")
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["Appendix", "data", "Notes", "Provenance"]
    head = next(wb["Appendix"].iter_rows(values_only=True))
    assert head[:4] == ("Basis", "Pillar", "Period", "Scope")
    row = next(
        r
        for r in wb["Appendix"].iter_rows(min_row=2, values_only=True)
        if r[:4] == ("Without foundation repair", "Both pillars", "2026\u20132029", "Rijk")
    )
    assert row[11] == 1110
