"""Text from assumptions files made safe for spreadsheets.

Labels, sources and notes come from files a user may have been sent. In a spreadsheet a
cell that starts with ``=``, ``+``, ``-`` or ``@`` is read as a formula (``=HYPERLINK(...)``
becomes a live link). (Figures are safe by their style: ``text.parse_math`` is off in
:data:`nplv_sim.figures.style.RC`, so ``$`` in a label is shown as it is.)
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FORMULA_PREFIXES", "spreadsheet_safe"]

# Characters with which Excel, LibreOffice and Google Sheets start a formula; tab and
# carriage return are on OWASP's list because some programs strip them first.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A number as the tables write it (machine 1234.5 or Dutch 1.234,5; signs; percent).
_NUMBER = re.compile(r"^[+-]?(\d[\d.,]*)(e[+-]?\d+)?\s?%?$", re.IGNORECASE)


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Numbers, and text that is a formatted number (``-1.234,5``) or a lone dash, pass
    unchanged; anything else is returned as given.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        The value, or ``"'" + value`` for text that starts with ``= + - @`` (or tab, CR).
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if value.strip() == "-" or _NUMBER.match(value.strip()):
        return value
    return "'" + value

