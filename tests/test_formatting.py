"""Dutch and English number formatting for readers (formatting.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nplv_sim.formatting import MISSING, format_eur, format_number, format_percent
from nplv_sim.glossary import label_from_attrs, period_years, term, unit_label


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((2940, "mld"), {}, "€ 2,94 mld."),  # Table 1 of the report
        ((2375,), {}, "€ 2.375 mln."),  # Table 7
        ((1110, "mld"), {}, "€ 1,11 mld."),
        ((730, "mld"), {}, "€ 0,73 mld."),
        ((2935, "mld"), {}, "€ 2,94 mld."),  # half away from zero, as a reader rounds
        ((-120,), {}, "€ -120 mln."),
        ((-2940, "mld"), {}, "€ -2,94 mld."),
        ((61,), {}, "€ 61 mln."),
        ((1234567.4,), {}, "€ 1.234.567 mln."),
        ((2375, "auto"), {}, "€ 2,38 mld."),
        ((999, "auto"), {}, "€ 999 mln."),
        ((2375,), {"lang": "en"}, "€2,375 mln"),
        ((2940, "mld"), {"lang": "en"}, "€2.94 bn"),
        ((2375.5,), {"decimals": 1}, "€ 2.375,5 mln."),
    ],
)
def test_format_eur(args, kwargs, expected):
    assert format_eur(*args, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "expected"),
    [
        (0.85, 0, "nl", "85 %"),
        (0.125, 1, "nl", "12,5 %"),
        (1.0, 0, "nl", "100 %"),
        (-0.05, 0, "nl", "-5 %"),
        (0.85, 0, "en", "85%"),
        (0.125, 1, "en", "12.5%"),
    ],
)
def test_format_percent(value, decimals, lang, expected):
    assert format_percent(value, decimals, lang) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "expected"),
    [
        (2375, 0, "nl", "2.375"),
        (-1234.56, 1, "nl", "-1.234,6"),
        (-1234.56, 1, "en", "-1,234.6"),
        (1234567.891, 2, "nl", "1.234.567,89"),
        (2.5, 0, "nl", "3"),  # not banker's rounding
        (-2.5, 0, "nl", "-3"),
        (-0.4, 0, "nl", "0"),  # no "-0"
        (999.96, 1, "nl", "1.000,0"),
        (0.0, 2, "nl", "0,00"),
    ],
)
def test_format_number(value, decimals, lang, expected):
    assert format_number(value, decimals, lang) == expected


def test_missing_and_bad_arguments():
    assert format_number(math.nan) == MISSING
    assert format_percent(math.nan) == MISSING
    assert format_eur(math.nan) == f"€ {MISSING} mln."
    with pytest.raises(ValueError, match="unit"):
        format_eur(1, unit="bn")
    with pytest.raises(ValueError, match="lang"):
        format_number(1, lang="de")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_dutch_number_reads_back_as_the_rounded_value(x, decimals):
    text = format_number(x, decimals, "nl")
    back = float(text.replace(".", "").replace(",", "."))
    assert abs(back - x) <= 0.5 * 10**-decimals + 4 * math.ulp(abs(x) + 1.0)
    digits = text.lstrip("-").split(",")[0].split(".")
    assert all(len(g) == 3 for g in digits[1:]) and 1 <= len(digits[0]) <= 3


def test_labels_from_attrs_and_units():
    attrs = {"long_name": "Restopgave", "long_name_en": "Remaining need (shortfall)", "units": "million EUR"}
    assert label_from_attrs(attrs) == "Restopgave [€ mln.]"
    assert label_from_attrs(attrs, "en") == "Remaining need (shortfall) [€ million]"
    assert label_from_attrs({**attrs, "units": "1"}) == "Restopgave"
    assert unit_label("million EUR per year") == "€ mln. per jaar"
    assert unit_label("something else") == "something else"
    assert term("rijk") == "Rijk" and term("physical", "en") == "physical" and term("unknown") == "unknown"


def test_period_years_from_coords(baseline_ds):
    assert period_years(baseline_ds) == ["2026\u20132029", "2030\u20132035"]


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (0.25, "nl", "0,25"), (1250.0, "nl", "1.250"), (0.0196103, "nl", "0,0196"), (1.0, "nl", "1"),
    (0.8625, "nl", "0,863"), (-0.3, "nl", "-0,3"), (0.25, "en", "0.25"), (1025.4, "en", "1,025"), (0.0, "nl", "0"),
])
def test_format_significant(value, lang, expected):
    from nplv_sim.formatting import format_significant

    assert format_significant(value, 3, lang) == expected


def test_percent_in_running_text_keeps_number_and_sign_together():
    from nplv_sim.formatting import format_percent

    assert format_percent(0.24, 0, "nl", space="\u00a0") == "24\u00a0%"
    assert format_percent(0.24, 0, "nl") == "24 %" and format_percent(0.24, 0, "en", space="\u00a0") == "24%"
