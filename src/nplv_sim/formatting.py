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

This module formats numbers only; words (pillars, scopes, bases, groups) live in
:mod:`nplv_sim.glossary`. Plain Python (no numpy needed) so that tables, figures and the
CLI share it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MISSING", "format_eur", "format_number", "format_percent", "format_significant"]

MISSING = "\u2013"  # en dash for NaN / not available

_SEPARATORS = {"nl": (".", ","), "en": (",", ".")}  # (thousands, decimal)

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


def format_percent(value: float, decimals: int = 0, lang: str = "nl", space: str = " ") -> str:
    """Format a fraction as a percentage.

    Parameters
    ----------
    value : float
        Fraction (0.85 means 85 %).
    decimals : int
        Digits after the decimal separator.
    lang : {"nl", "en"}
        ``"nl"``: ``"85 %"`` (space, decimal comma); ``"en"``: ``"85%"``.
    space : str
        The Dutch space before ``%``; ``"\u00a0"`` (no-break space) keeps number and sign
        on one line in running text.

    Returns
    -------
    str
        The percentage, or :data:`MISSING` for NaN.
    """
    number = format_number(100.0 * float(value), decimals, lang)
    if number == MISSING:
        return MISSING
    return f"{number}{space}%" if lang == "nl" else f"{number}%"


def format_significant(value: float, digits: int = 3, lang: str = "nl") -> str:
    """A parameter value with about ``digits`` significant digits, trailing zeros dropped.

    ``format_significant(0.25)`` -> ``"0,25"``; ``format_significant(1250)`` -> ``"1.250"``;
    ``format_significant(0.0196)`` -> ``"0,0196"``; whole numbers of 10 ** digits and more are
    written out in full.
    """
    value = float(value)
    if value == 0 or math.isnan(value) or math.isinf(value):
        return format_number(value, 0, lang)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = format_number(value, min(decimals, 6), lang)
    point = _SEPARATORS[lang][1]
    if point in text:
        text = text.rstrip("0").rstrip(point)
    return text
