"""Number formatting for readers: Dutch by default, English on request.

Dutch convention (as in the Rebel report and Kamerbrieven): thousands separated by a
full stop, decimals by a comma, a space between the euro sign and the amount and before
the percent sign: ``€ 2,94 mld.``, ``€ 2.375 mln.``, ``85 %``. English uses ``€2.94 bn``,
``€2,375 mln``, ``85%``. Amounts in nplv-sim are in million EUR, so ``format_eur`` takes
million EUR and shows them in millions (``unit="mln"``, the default) or billions
(``unit="mld"``); it never switches unit by itself unless asked (``unit="auto"``).

Rounding is half away from zero on the decimal value as written (2,935 -> 2,94), as a
reader rounds, not binary round-half-even. Negative amounts carry a leading minus on the
number: ``€ -120 mln.``. Missing values (NaN) print as an en dash.

This module is plain Python (no numpy needed) so that tables, figures and the CLI share it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "MISSING",
    "format_eur",
    "format_number",
    "format_percent",
    "SOURCE_LABELS",
    "TERMS",
    "label_from_attrs",
    "period_years",
    "term",
    "unit_label",
]

MISSING = "\u2013"  # en dash for NaN / not available

_SEPARATORS = {"nl": (".", ","), "en": (",", ".")}  # (thousands, decimal)

# units attribute -> (Dutch, English) as shown to a reader
_UNITS: dict[str, tuple[str, str]] = {
    "million EUR": ("€ mln.", "€ million"),
    "million EUR per year": ("€ mln. per jaar", "€ million per year"),
    "1": ("", ""),
    "areas": ("gebieden", "areas"),
    "percent": ("%", "%"),
}


# Short reader terms for coordinate values: key -> (Dutch, English)
TERMS: dict[str, tuple[str, str]] = {
    "total": ("totaal", "total"),
    "rijk": ("Rijk", "Rijk"),
    "physical": ("fysiek", "physical"),
    "social": ("sociaal", "social"),
    "all": ("beide pijlers", "both pillars"),
    "pillar": ("per pijler verrekend", "pillar netting"),
    "component": ("per onderdeel verrekend", "component netting"),
}

# Uncertainty sources of MODEL.md section 3 (``input_group``): id -> (Dutch, English)
SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "U1": ("Funderingsherstel", "Foundation repair"),
    "U2": ("Toekenning Woningbouwimpuls", "Wbi allocation"),
    "U3": ("Btw", "VAT"),
    "U4": ("Ramingsonzekerheid per onderdeel", "Estimation error per component"),
    "U5": ("Extrapolatie sociaal 2030-2035", "Social P2 extrapolation"),
    "U6": ("Grootschalige bereikbaarheidsingrepen", "Large accessibility works"),
    "U7": ("Realisatie dekking", "Funding realisation"),
    "U8": ("Nog niet meegerekende dekking", "Funding not yet counted"),
    "U9": ("Rijkssleutels", "Rijk keys"),
    "U10": ("Correlatie", "Correlation"),
    "uplift": ("Opslag optimisme-bias", "Optimism-bias uplift"),
}


def term(key: str, lang: str = "nl") -> str:
    """Reader's word for a coordinate value (``"rijk"`` -> ``"Rijk"``, ``"physical"`` -> ``"fysiek"``)."""
    nl, en = TERMS.get(str(key), (str(key), str(key)))
    return nl if _check_lang(lang) == "nl" else en


def period_years(ds: Any) -> list[str]:
    """``"2026\u20132029"`` per period, from the ``period_first_year``/``period_last_year`` coords.

    Falls back to the period names when those coords are absent.
    """
    if "period_first_year" not in ds.coords:
        return [str(p) for p in ds["period"].values]
    return [f"{int(f)}\u2013{int(last)}" for f, last in
            zip(ds["period_first_year"].values, ds["period_last_year"].values, strict=True)]


def _check_lang(lang: str) -> str:
    if lang not in _SEPARATORS:
        raise ValueError(f"lang must be 'nl' or 'en', got {lang!r}")
    return lang


def format_number(value: float, decimals: int = 0, lang: str = "nl", grouping: bool = True) -> str:
    """Format a number with the reader's separators.

    Parameters
    ----------
    value : float
        The number.
    decimals : int
        Digits after the decimal separator.
    lang : {"nl", "en"}
        ``"nl"``: ``1.234,5``; ``"en"``: ``1,234.5``.
    grouping : bool
        Separate thousands.

    Returns
    -------
    str
        E.g. ``format_number(2375)`` -> ``"2.375"``, ``format_number(-1234.56, 1)`` ->
        ``"-1.234,6"``. NaN gives :data:`MISSING`.
    """
    thousands, point = _SEPARATORS[_check_lang(lang)]
    value = float(value)
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return ("-" if value < 0 else "") + "\u221e"
    q = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # no "-0"
    text = f"{q:,.{decimals}f}" if grouping else f"{q:.{decimals}f}"
    # Python writes 1,234.5: swap to the reader's separators via a placeholder
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def format_eur(value: float, unit: str = "mln", decimals: int | None = None, lang: str = "nl") -> str:
    """Format an amount given in million EUR.

    Parameters
    ----------
    value : float
        Amount [€ mln].
    unit : {"mln", "mld", "auto"}
        Show in millions or in billions (*miljard*); ``"auto"`` uses billions from
        1,000 million upwards (absolute value).
    decimals : int, optional
        Digits after the decimal separator; default 0 for millions, 2 for billions.
    lang : {"nl", "en"}
        Reader's language.

    Returns
    -------
    str
        ``format_eur(2940, "mld")`` -> ``"€ 2,94 mld."``; ``format_eur(2375)`` ->
        ``"€ 2.375 mln."``; ``format_eur(2375, lang="en")`` -> ``"€2,375 mln"``.
    """
    _check_lang(lang)
    if unit == "auto":
        unit = "mld" if abs(float(value)) >= 1000 else "mln"
    if unit not in ("mln", "mld"):
        raise ValueError(f"unit must be 'mln', 'mld' or 'auto', got {unit!r}")
    scale = 1000.0 if unit == "mld" else 1.0
    if decimals is None:
        decimals = 2 if unit == "mld" else 0
    number = format_number(float(value) / scale, decimals, lang)
    if lang == "nl":
        return f"€ {number} {unit}."
    return f"€{number} {'bn' if unit == 'mld' else 'mln'}"


def format_percent(value: float, decimals: int = 0, lang: str = "nl") -> str:
    """Format a fraction as a percentage.

    Parameters
    ----------
    value : float
        Fraction (0.85 means 85 %).
    decimals : int
        Digits after the decimal separator.
    lang : {"nl", "en"}
        ``"nl"``: ``"85 %"`` (space, decimal comma); ``"en"``: ``"85%"``.

    Returns
    -------
    str
        The percentage, or :data:`MISSING` for NaN.
    """
    number = format_number(100.0 * float(value), decimals, lang)
    if number == MISSING:
        return MISSING
    return f"{number} %" if lang == "nl" else f"{number}%"


def unit_label(units: str, lang: str = "nl") -> str:
    """The reader's name of a ``units`` attribute (``"million EUR"`` -> ``"€ mln."``)."""
    _check_lang(lang)
    nl, en = _UNITS.get(units, (units, units))
    return nl if lang == "nl" else en


def label_from_attrs(obj: Any, lang: str = "nl", with_units: bool = True) -> str:
    """Axis or column label from a variable's attributes.

    Parameters
    ----------
    obj : DataArray or mapping
        Anything with ``.attrs`` (or the attrs mapping itself). Uses ``long_name``
        (Dutch by convention; falling back to ``long_name_nl``) for Dutch and
        ``long_name_en`` for English, and ``units``.
    lang : {"nl", "en"}
        Reader's language.
    with_units : bool
        Append the units in brackets.

    Returns
    -------
    str
        E.g. ``"Restopgave [€ mln.]"`` or ``"Remaining need (shortfall) [€ million]"``.
    """
    _check_lang(lang)
    attrs: Mapping[str, Any] = getattr(obj, "attrs", obj)
    if lang == "nl":  # long_name is Dutch by convention and is what derived variables update
        name = attrs.get("long_name") or attrs.get("long_name_nl") or getattr(obj, "name", "") or ""
    else:
        name = attrs.get("long_name_en") or attrs.get("long_name") or getattr(obj, "name", "") or ""
    units = unit_label(str(attrs.get("units", "")), lang) if with_units else ""
    return f"{name} [{units}]" if units else str(name)
