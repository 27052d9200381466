"""`nplv-sim report`: the folder holds what it promises; the HTML has no broken references."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from PIL import Image

import nplv_sim
from nplv_sim import report as report_module
from nplv_sim.cli import main
from nplv_sim.evaluator import make_evaluator


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        for key in ("href", "src"):
            if d.get(key):
                self.refs.append(d[key])
        if d.get("id"):
            self.ids.add(d["id"])


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """A copy of the shipped assumptions with one rationale changed (a different sha256), and its run."""
    src = Path(nplv_sim.load_assumptions().path).parent
    d = tmp_path_factory.mktemp("edited")
    shutil.copy(src / "rebel_2026_facts.toml", d)
    text = (src / "rebel_2026_uncertainty.toml").read_text(encoding="utf-8")
    (d / "mine.toml").write_text(text + "\n# edited by the test\n", encoding="utf-8")
    assert (
        main(["run", str(d / "mine.toml"), "--draws", "3000", "--seed", "4", "--out", str(d / "run"), "--quiet"]) == 0
    )
    return d


@pytest.fixture(scope="module")
def report(tmp_path_factory, edited):
    """The report on the edited run, given only --results: it must find and use mine.toml."""
    out = tmp_path_factory.mktemp("rep") / "appendix"
    with pytest.MonkeyPatch.context() as mp:  # smaller Sobol designs: the section's content, not its precision
        mp.setattr(report_module, "SOBOL_N", 1024)
        mp.setattr(report_module, "SOBOL_N_GROUP", 1024)
        mp.setattr(report_module, "SOBOL_BOOTSTRAP", 50)
        assert main(["report", "--results", str(edited / "run" / "results.nc"), "--out", str(out)]) == 0
    return out


def test_report_on_results_uses_the_recorded_assumptions(report: Path, edited: Path):
    want = hashlib.sha256((edited / "mine.toml").read_bytes()).hexdigest()
    shipped = nplv_sim.load_assumptions().sha256
    assert want != shipped
    text = (report / "report.html").read_text(encoding="utf-8")
    assert want in text and shipped not in text and "mine.toml" in text
    assert str(edited) not in text  # file names, never local folders
    nc = xr.open_dataset(report / "results.nc")
    assert nc.attrs["assumptions_sha256"] == want and nc.attrs["assumptions_file"] == "mine.toml"
    nc.close()
    prov = dict(csv.reader(io.StringIO((report / "tables" / "provenance.csv").read_text(encoding="utf-8"))))
    assert prov["assumptions_sha256"] == want and prov["assumptions"] == "mine.toml"
    assert (report / "tables" / "provenance_nl.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    png = Image.open(report / "figures" / "scurve.png")
    assert want in png.info["Source"] and "seed 4" in png.info["Source"]
    openpyxl = pytest.importorskip("openpyxl")
    sheet = {
        r[2]: r[1]
        for r in openpyxl.load_workbook(report / "tables" / "bijlage.xlsx")["Herkomst"].iter_rows(values_only=True)
    }
    assert sheet["assumptions_sha256"] == want and sheet["seed"] == "4"


def test_report_refuses_assumptions_that_differ_from_the_results(edited: Path, tmp_path, capsys):
    results = str(edited / "run" / "results.nc")
    want = hashlib.sha256((edited / "mine.toml").read_bytes()).hexdigest()
    shipped = nplv_sim.load_assumptions()
    assert main(["report", shipped.path, "--results", results, "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and want in err and shipped.sha256 in err
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(edited / "run" / "results.nc", moved / "results.nc")
    (edited / "mine.toml").rename(edited / "mine.bak")
    try:
        assert main(["report", "--results", str(moved / "results.nc"), "--out", str(tmp_path / "b")]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "mine.toml" in err and want in err and "not found" in err
    finally:
        (edited / "mine.bak").rename(edited / "mine.toml")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_report_refuses_foreign_results_in_one_line(tmp_path, capsys):
    xr.Dataset({"x": ("draw", np.arange(3.0))}).to_netcdf(tmp_path / "foreign.nc", engine="scipy")
    assert main(["report", "--results", str(tmp_path / "foreign.nc"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not an nplv-sim results file" in err
    # A file that lacks a stored (engine) variable cannot be completed: refused in one line.
    ds = nplv_sim.simulate(nplv_sim.load_assumptions(), 50, rng=1).drop_vars("need")
    ds.to_netcdf(tmp_path / "old.nc", engine="scipy")
    assert main(["report", "--results", str(tmp_path / "old.nc"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'need'" in err and "Traceback" not in err


def test_report_folder_contents(report: Path):
    for rel in (
        "report.html",
        "results.nc",
        "tables/bijlage.csv",
        "tables/bijlage_nl.csv",
        "tables/bijlage.xlsx",
        "tables/reconciliation.csv",
        "tables/summary.csv",
    ):
        assert (report / rel).is_file(), rel
    for name in ("scurve", "intervals", "fan", "waterfall_P1", "tornado_P1", "variance_P1", "scenarios", "convergence"):
        for ext in ("png", "pdf", "svg"):
            assert (report / "figures" / f"{name}.{ext}").stat().st_size > 1000, name
    assert not list(report.parent.glob(".*part"))


def test_report_html_has_no_broken_references(report: Path):
    text = (report / "report.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(text)
    assert parser.refs
    for ref in parser.refs:
        if ref.startswith("data:image/png;base64,"):
            continue
        if ref.startswith("#"):
            assert ref[1:] in parser.ids
            continue
        assert not re.match(r"^[a-z]+://", ref), f"external reference {ref}"
        assert (report / ref).is_file(), f"broken reference {ref}"


def test_report_html_carries_methods_register_reconciliation_and_provenance(report: Path):
    text = (report / "report.html").read_text(encoding="utf-8")
    for needle in (
        "Sobol",
        "Werkwijze",
        "3.000 trekkingen",
        "Gaussische copula",
        "Aansluiting met het rapport",
        "Funderingsherstel",
        "sha256",
        "seed",
    ):
        assert needle in text, needle
    assert text.count("<figure") >= 10
    # the methods paragraph is Dutch prose from a template, not English with commas replaced
    assert "per onderdeel en periode, doortrekking sociale opgave" in text and "hoogstens 0," in text
    methods = text.split('id="werkwijze"')[1].split("</section>")[0]
    assert "Rebel. Totaalbeeld" not in methods and "EUR" not in methods
    scenarios = text.split('id="scenarios"')[1].split("</section>")[0]
    assert "EUR" not in scenarios and "\u20ac 135 mln. per jaar" in scenarios
    # every horizon, both bases
    for needle in (
        "2026\u20132029",
        "2030\u20132035",
        "2026\u20132035 (hele looptijd)",
        "Zonder funderingsherstel",
        "Met funderingsherstel",
        "tellen niet op tot het budget voor de hele looptijd",
    ):
        assert needle in text, needle


def test_dutch_report_holds_none_of_the_english_texts(report: Path):
    """The Dutch appendix of the shipped defaults: every text from the files in Dutch."""
    import html

    from test_dutch_texts import _bilingual

    a = nplv_sim.load_assumptions()
    text = html.unescape((report / "report.html").read_text(encoding="utf-8"))
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)  # the figures' bytes are no text
    english = sorted({e for _, _, e, d in _bilingual(a) if e and e != d})
    assert len(english) > 60
    assert [e for e in english if e in text] == []
    assert "[en]" not in text and "EUR" not in text
    # Dutch texts written out by hand from the seeds, in each section that shows them
    for needle in (
        "002, tabel 1 (€ 2,94 mld., afgerond op € 10 mln.)",  # position and reconciliation tables
        "Verdeelsleutels × opgave geven 1.191,25 tegenover de vermelde 1.190.",
        "Punten waarop de bronnen elkaar tegenspreken",
        "WoKT 2.0 in beide periodes",
        "Kalibratie: de cijfers van Rebel zijn de mediaan van elke factor voor ramingsonzekerheid.",
        "Dezelfde bottom-up raming, geëxtrapoleerd.",
        "2026–2029: 0; 2030–2035: 43",
        "Bronnen waarnaar verwezen wordt: 000: Beslisnota TK brief Financiële situatie NPLV, 27 maart 2026;",
    ):
        assert needle in text, needle


def test_report_refuses_to_overwrite(report: Path, capsys):
    assert main(["report", "--draws", "500", "--seed", "4", "--out", str(report)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_oat_evaluator_matches_hand_arithmetic():
    a = nplv_sim.load_assumptions()
    f = make_evaluator(a, period="P1", scope="rijk")
    base = f({})
    # +30 % on the top-down part of social-housing restructuring P1 (1 - 1,070 / 2,655 of
    # the row, Table 2) adds 0.3 x (0.30 x 1,735) x that share to the Rijk need
    assert f({"est_social_housing_p1": 1.3}) - base == pytest.approx(0.3 * 0.30 * 1735 * (1 - 1070 / 2655), rel=1e-6)


def test_sobol_section_names_its_estimator_and_marks_indices_that_may_be_zero(report: Path):
    text = (report / "report.html").read_text(encoding="utf-8")
    sobol = text.split('id="sobol"')[1].split("</section>")[0]
    assert "scipy.stats.sobol_indices" in sobol and "Saltelli 2010" in sobol and "Jansen 1999" in sobol
    assert "per bron van onzekerheid" in sobol and 'class="num zero"' in sobol
    # every index is printed with Dutch decimals: 0,41 [0,39; 0,43]
    assert re.search(r"\d,\d\d \[-?\d,\d\d; -?\d,\d\d\]", sobol) and not re.search(r"\d\.\d\d \[", sobol)


def test_report_refuses_a_streamed_summary_in_one_line(tmp_path, capsys):
    assert main(["run", "--stream", "--draws", "2000", "--seed", "1", "--out", str(tmp_path / "s"), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["report", "--results", str(tmp_path / "s" / "summary.nc"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "summaries, not draws" in err


def test_where_rebels_figure_sits_names_the_calibration(report: Path):
    """The report says Rebel's figures are taken as the median (the file's calibration anchor)."""
    text = (report / "report.html").read_text(encoding="utf-8")
    section = text.split('id="positie"')[1].split("</section>")[0]
    assert "genomen als de mediaan van de ramingsonzekerheid" in section and "optimistisch" not in section


def test_report_bridge_section_adds_up_and_names_its_draws(report: Path):
    """The bridge section: one table per basis and scope, its CSV, its figure; each cell's
    contributions add up to simulated minus Rebel's figure (checked on the CSV, to its rounding)."""
    text = (report / "report.html").read_text(encoding="utf-8")
    section = text.split('id="brug"')[1].split("</section>")[0]
    for needle in ("Cijfer Rebel", "Gesimuleerd kwantiel", "U4 Ramingsonzekerheid", "3.000 trekkingen",
                   "genomen als de mediaan", "Shapley", 'src="data:image/png;base64,'):
        assert needle in section, needle
    assert section.count("<table>") == 4
    for ext in ("png", "pdf", "svg"):
        assert (report / "figures" / f"bridge.{ext}").stat().st_size > 1000
    rows = list(csv.DictReader(io.StringIO((report / "tables" / "bridge.csv").read_text(encoding="utf-8-sig")),
                               delimiter=";"))
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        cells.setdefault((r["pillar"], r["period"], r["scope"], r["basis"], r["quantile"]), []).append(r)

    def num(s: str) -> float:
        return float(s.replace(",", "."))

    assert len(cells) == 3 * 3 * 2 * 2 * 2
    for group_rows in cells.values():
        total = sum(num(r["contribution"]) for r in group_rows)
        target = num(group_rows[0]["simulated"]) - num(group_rows[0]["reference"])
        assert total == pytest.approx(target, abs=0.005 * len(group_rows) + 0.01)


def test_report_states_the_uplift_layer_off(report: Path):
    text = (report / "report.html").read_text(encoding="utf-8")
    headline = text.split('id="kerncijfers"')[1].split("</section>")[0]
    assert "Opslag optimisme-bias: uit." in headline and "Waarvan opslag" not in text
    provenance = text.split('id="herkomst"')[1].split("</section>")[0]
    assert "<td>Opslag optimisme-bias</td><td>uit</td>" in provenance
    assert "p50_uplift" not in (report / "tables" / "summary.csv").read_text(encoding="utf-8")


def test_report_with_the_uplift_layer_on_shows_it_apart(tmp_path):
    """A report on the scenario optimism_bias (figures and Sobol left out to keep it quick):
    per headline cell P50/P85 without the layer + of which the layer = with the layer, and
    'with' is the headline table's figure."""
    from nplv_sim.scenarios import load_scenario

    a = load_scenario("optimism_bias", nplv_sim.load_assumptions())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_module, "_figures", lambda *args, **kw: ([], None))
        mp.setattr(report_module, "_sobol", lambda *args, **kw: None)
        folder = report_module.build_report(a, tmp_path / "r", 3000, rng=8, method="lhs")
    text = (folder / "report.html").read_text(encoding="utf-8")
    headline = text.split('id="kerncijfers"')[1].split("</section>")[0]
    assert "Opslag optimisme-bias: aan (optimism_bias_uplift)." in headline
    main_table, split = headline.split("<h3>Waarvan opslag optimisme-bias</h3>")

    def numbers(row: str) -> list[float]:
        return [float(v.replace(".", "")) for v in re.findall(r'<td class="num">([-\d.]+)</td>', row)]

    main_rows = [numbers(r) for r in main_table.split("<tr")[3:]]  # P15 P50 P85 excl, incl, Rebel
    tables = split.split("<table>")[1:]
    assert len(tables) == 2 and len(main_rows) == 6
    for basis, tab in enumerate(tables):
        rows = [numbers(r) for r in tab.split("<tr")[3:]]
        assert len(rows) == 6
        for row, head in zip(rows, main_rows, strict=True):
            for q, (without, with_, of_which) in enumerate((row[0:3], row[3:6])):
                assert with_ == head[3 * basis + 1 + q]  # P50 and P85 of the headline table
                assert abs(without + of_which - with_) <= 1  # each rounded to a whole million
                assert of_which > 0
    assert "p85_uplift,p95_uplift,p05_uplift_mcse" in (folder / "tables" / "summary.csv").read_text(encoding="utf-8")
    assert "Monte Carlo-standaardfout van het opslagdeel ten hoogste" in split
    assert "Opslag optimisme-bias" in text.split('id="brug"')[1].split("</section>")[0]
