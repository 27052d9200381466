"""`nplv-sim report`: the folder holds what it promises; the HTML has no broken references."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import nplv_sim
from nplv_sim.cli import main
from nplv_sim.oat import make_evaluator


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
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "appendix"
    assert main(["report", "--draws", "3000", "--seed", "4", "--out", str(out)]) == 0
    return out


def test_report_folder_contents(report: Path):
    for rel in ("report.html", "results.nc", "tables/bijlage.csv", "tables/bijlage_nl.csv", "tables/bijlage.xlsx", "tables/reconciliation.csv", "tables/summary.csv"):
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
    for needle in ("Sobol", "Werkwijze", "3.000 trekkingen", "Gaussische copula", "Aansluiting met het rapport", "Funderingsherstel", "sha256", "seed"):
        assert needle in text, needle
    assert text.count("<figure") >= 10


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
