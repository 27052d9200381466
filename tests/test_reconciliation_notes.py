"""The new reconciliation notes of `nplv-sim baseline` and their scenarios, by hand."""

from __future__ import annotations

import pytest

from nplv_sim.baseline import notes_table, reconciliation_notes
from nplv_sim.cli import main


@pytest.fixture(scope="module")
def notes(default_assumptions):
    return {r["scenario"] or r["topic"]: r for r in reconciliation_notes(default_assumptions)}


def test_every_note_is_listed(notes):
    assert set(notes) == {
        "p1_six_years",
        "wokt_once",
        "woontop_full",
        "volkshuisvestingsfonds",
        "Beslisnota calls the Rijk share the 'totale resterende opgave'",
    }
    beslis = notes["Beslisnota calls the Rijk share the 'totale resterende opgave'"]
    assert "seed 000" in beslis["source"] and beslis["shift_P1_total"] is None


def test_p1_six_years_cuts_the_bottom_up_parts_to_four_sixths(notes):
    r = notes["p1_six_years"]
    # Social 1,300 and Leefomgeving 265 lose 2/6; of the housing rows only the bottom-up
    # 1,070 does (Table 2). Rijk: 75 % keys, housing keys x need = 222.5 + 520.5 + 332.5.
    assert r["shift_P1_total"] == pytest.approx(-(1300 + 265 + 1070) * 2 / 6, abs=0.01)
    assert r["shift_P1_rijk"] == pytest.approx(-(975 + 198.75) * 2 / 6 - 1075.5 * 1070 / 2655 * 2 / 6, abs=0.01)
    assert r["shift_P2_total"] == 0.0


def test_wokt_counted_once_adds_its_p2_money_back(notes):
    r = notes["wokt_once"]
    assert (r["shift_P2_total"], r["shift_P2_rijk"], r["shift_P1_total"]) == (140.0, 90.0, 0.0)


def test_woontop_and_vhf_are_rijk_money_in_p1(notes):
    assert (notes["woontop_full"]["shift_P1_total"], notes["woontop_full"]["shift_P1_rijk"]) == (-225.0, -225.0)
    assert (notes["volkshuisvestingsfonds"]["shift_P1_rijk"], notes["volkshuisvestingsfonds"]["shift_P2_rijk"]) == (
        -129.1,
        0.0,
    )


def test_baseline_command_prints_and_writes_the_notes(tmp_path, capsys):
    assert main(["baseline", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "WoKT 2.0 in both periods" in out
        and "scenario `wokt_once`: P1 total +0.0, P1 rijk +0.0, P2 total +140.0" in out
    )
    text = (tmp_path / "reconciliation_notes.csv").read_text()
    assert text.count("\n") == 6 and "volkshuisvestingsfonds" in text
    assert main(["baseline", "--out", str(tmp_path)]) == 2  # no silent overwrite


def test_notes_table_names_each_scenario(default_assumptions):
    text = notes_table(reconciliation_notes(default_assumptions))
    assert text.count("scenario `") == 4 and "no number moves" in text
