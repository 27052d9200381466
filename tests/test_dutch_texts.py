"""Texts a reader sees in two languages: the shipped files give every Dutch text, in Dutch
conventions; the Dutch output shows them, the English output the English ones; a user file
without a Dutch text falls back to the English one, marked."""

from __future__ import annotations

import dataclasses
import re

from nplv_sim import report as report_module
from nplv_sim.baseline import reconcile
from nplv_sim.register import register_markdown_nl, untranslated
from nplv_sim.schema import in_language

# Words of the English citations that have no place in a Dutch text.
ENGLISH_WORDS = ("Table", "fn.", "par.", "ch. ", "box", "seed", "EUR", "million", "rounded", " and ", " the ")


def _bilingual(a):
    """(entry, field, English text, Dutch text) of every text a reader sees, shipped files."""
    out = []
    for i, p in enumerate(a.facts.published):
        out += [(f"published[{i}]", f, getattr(p, f), getattr(p, f"{f}_nl")) for f in ("source", "note")]
    for i, n in enumerate(a.facts.notes):
        out += [(f"notes[{i}]", f, getattr(n, f), getattr(n, f"{f}_nl")) for f in ("topic", "source", "note")]
    out += [(f"documents.{d.key}", "title", d.title, d.title_nl) for d in a.facts.documents]
    entries = [(f"inputs.{x.name}", x) for x in a.inputs] + [(f"addons.{x.name}", x) for x in a.addons]
    entries += [(f"extra_funding.{x.name}", x) for x in a.extra_funding]
    entries += [(f"correlation[{i}]", x) for i, x in enumerate(a.correlations)] + [("calibration", a.calibration)]
    for name, x in entries:
        out += [(name, f, getattr(x, f), getattr(x, f"{f}_nl")) for f in ("source", "rationale")]
    return out


def test_shipped_files_give_every_dutch_text(default_assumptions):
    texts = _bilingual(default_assumptions)
    assert len(texts) > 150
    for entry, field, english, dutch in texts:
        assert bool(dutch) == bool(english), f"{entry}: {field}_nl missing (or given without {field})"
    assert untranslated(default_assumptions) == []


def test_shipped_dutch_texts_follow_dutch_conventions(default_assumptions):
    for entry, field, _, dutch in _bilingual(default_assumptions):
        where = f"{entry}.{field}_nl: {dutch}"
        for w in ENGLISH_WORDS:
            assert w not in dutch, where
        # year ranges take an en dash: 2026–2035, never 2026-2035
        assert not re.search(r"\b20\d\d-(20)?\d\d\b", dutch), where
        # no English number formats: 1,358.75 or 2,340 (section numbers such as § 2.2 and WoKT 2.0 aside)
        plain = re.sub(r"§ \d+\.\d+|WoKT 2\.0|37\(3\)", "", dutch)
        assert not re.search(r"\d\.(\d{1,2}|\d{4,})(?!\d)", plain), where
        assert not re.search(r"\d,\d{3}(?!\d)", plain), where
        assert not re.search(r"\d ?%", dutch.replace(" %", "")), where  # 24 %, with a space


def test_dutch_texts_say_what_the_seeds_say(default_assumptions):
    """A few Dutch texts against the cost report (002), written out by hand from it."""
    f = default_assumptions.facts
    by_figure = {p.figure: p for p in f.published}
    assert by_figure["Totale restopgave tot 2030"].source_nl == "002, tabel 1 (€ 2,94 mld., afgerond op € 10 mln.)"
    assert by_figure["Totale Rijksrestopgave 2030 t/m 2035"].source_nl == "002, tabel 1 (€ 2,68 mld.)"
    # Table 4: 50 % x 445 + 30 % x 1.735 + 70 % x 475 + 75 % x 265 + 65 % x 130 = 1.358,75
    assert "1.358,75" in by_figure["Rijksrestopgave fysiek tot 2030"].note_nl
    assert "1.191,25" in by_figure["Rijksrestopgave fysiek 2030 t/m 2035"].note_nl
    assert "2.450 (155 + 1.735 + 475 + 85)" in by_figure["Restopgave fysiek tot 2030, per onderdeel verrekend"].note_nl
    wbi = default_assumptions.extra_funding[0]
    assert "ca. € 43 mln. Rijk voor 2030–2035" in wbi.source_nl


def test_english_output_keeps_english_and_dutch_output_falls_back_marked(default_assumptions):
    a = default_assumptions
    p = a.facts.published[0]
    assert p.text("note", "en") == p.note and p.text("note", "nl") == p.note_nl
    assert in_language("Table 7", "", "nl") == "[en] Table 7"
    assert in_language("", "", "nl") == "" and in_language("Table 7", "tabel 7", "en") == "Table 7"
    # a user file without Dutch texts: the Dutch appendix shows the English ones, marked
    bare = dataclasses.replace(p, note_nl="", source_nl="")
    user = dataclasses.replace(a, facts=dataclasses.replace(a.facts, published=(bare, *a.facts.published[1:])))
    row = report_module._reconciliation(reconcile(user), user, "nl")["rows"][0]
    assert row[4:] == [f"[en] {p.source}", f"[en] {p.note}"]


def test_english_report_parts_hold_no_dutch_text(default_assumptions):
    a = default_assumptions
    dutch = {d for _, _, e, d in _bilingual(a) if d and d != e}
    cells = []
    rec = report_module._reconciliation(reconcile(a), a, "en")
    cells += [c for r in rec["rows"] + rec["notes"] for c in r]
    reg = report_module._register(a, "en")
    cells += [c for g in reg["groups"] for r in g["rows"] for c in r]
    cells += [c for s in reg["sections"] for r in s["rows"] for c in r] + list(reg["calibration"])
    text = "\n".join(cells)
    assert not [d for d in dutch if d in text]
    assert "[en]" not in text


def test_dutch_register_lists_every_section_in_dutch(default_assumptions):
    text = register_markdown_nl(default_assumptions)
    for needle in (
        "**Kalibratie: de cijfers van Rebel zijn de mediaan van elke factor voor ramingsonzekerheid.**",
        "## U10 — Correlatie (Spearman-rangcorrelatie, Gaussische copula)",
        "## Aanvullende ramingen buiten de hoofdcijfers",
        "| Funderingsherstel | ja |",
        "| Grootschalige bovenplanse bereikbaarheidsingrepen | nee |",
        "## Voorwaardelijke dekking",
        "| Nieuwbouw | 2026–2029: 0; 2030–2035: 43 |",
        "002: Rebel, Totaalbeeld opgave NPLV, 28 januari 2026; 003: Verslag van een schriftelijk overleg",
        "In de toelichtingen staat P1 voor 2026–2029 en P2 voor 2030–2035.",
    ):
        assert needle in text, needle
    assert "[en]" not in text
    english = {e for _, _, e, d in _bilingual(default_assumptions) if e and e != d}
    assert not [e for e in english if e in text]


def test_committed_dutch_register_is_up_to_date(default_assumptions):
    from pathlib import Path

    committed = (Path(__file__).resolve().parent.parent / "docs" / "assumptions_nl.md").read_text(encoding="utf-8")
    assert committed == register_markdown_nl(default_assumptions), (
        "run `nplv-sim register --lang nl --out docs --force` and commit docs/assumptions_nl.md"
    )


def test_pillar_words_come_from_the_glossary(default_assumptions, baseline_ds):
    assert [p.name for p in default_assumptions.facts.pillars] == ["physical", "social"]
    assert not hasattr(default_assumptions.facts.pillars[0], "label_nl")
    assert list(baseline_ds["pillar_label_nl"].values) == ["fysiek", "sociaal-maatschappelijk"]


def test_provenance_rows_are_in_the_readers_words():
    from nplv_sim.provenance import provenance_rows

    attrs = {"n_draws": 5000, "sampling_method": "lhs", "scenario": "baseline", "seed_entropy": 1}
    nl = dict(provenance_rows(attrs, "nl"))
    assert (nl["Aantal trekkingen"], nl["Steekproefmethode"], nl["Scenario"]) == (
        "5.000", "Latin hypercube-steekproef", "basis")
    en = dict(provenance_rows({**attrs, "scenario": "azwa"}, "en"))
    assert (en["Number of draws"], en["Sampling method"], en["Scenario"]) == (
        "5,000", "Latin hypercube sampling", "azwa")


def test_backticked_names_become_code_and_the_rest_stays_escaped():
    assert str(report_module._code("zet `year_weights` op <b>&")) == "zet <code>year_weights</code> op &lt;b&gt;&amp;"
