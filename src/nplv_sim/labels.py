"""Variable names -> English and Dutch long names, units, descriptions (words for values: :mod:`.glossary`).

English identifiers in code, Dutch terms for readers: *opgave* (gross need), *dekking*
(arranged funding), *restopgave* (shortfall = need - funding), *Rijk* (national
government share), *verrekening per pijler/onderdeel* (pillar/component netting).
"""

from __future__ import annotations

from .glossary import COORD_LABELS  # the words live in the glossary; re-exported here for results.py

__all__ = ["COORD_LABELS", "UNITS", "VARIABLES"]

UNITS = "million EUR"

# name -> (long_name English, long_name Dutch, description)
VARIABLES: dict[str, tuple[str, str, str]] = {
    "shortfall": (
        "Remaining need (shortfall)",
        "Restopgave",
        "Gross need minus arranged funding, Rebel's headline basis (excluding add-ons such as funderingsherstel). Negative = surplus.",
    ),
    "shortfall_incl_addons": (
        "Remaining need including add-ons",
        "Restopgave inclusief aanvullende ramingen",
        "As shortfall, including add-ons (funderingsherstel and any other enabled add-on).",
    ),
    "shortfall_all_pillars": (
        "Remaining need, both pillars",
        "Totale restopgave (beide pijlers)",
        "Sum of the shortfall over pillars (Table 1 of the report).",
    ),
    "shortfall_all_pillars_incl_addons": (
        "Remaining need, both pillars, including add-ons",
        "Totale restopgave inclusief aanvullende ramingen",
        "Sum over pillars, including add-ons.",
    ),
    "shortfall_per_year": (
        "Remaining need per year, both pillars",
        "Resterende jaarlijkse opgave",
        "shortfall_all_pillars divided by the number of years in the period.",
    ),
    "shortfall_2026_2035": (
        "Remaining need 2026-2035, both pillars",
        "Totale restopgave 2026 t/m 2035",
        "Sum of shortfall_all_pillars over the periods.",
    ),
    "need": ("Gross need", "Opgave", "Gross need by pillar, headline basis."),
    "funding": ("Arranged funding", "Dekking", "Funding already arranged, by pillar, after realisation."),
    "need_incl_addons": ("Gross need including add-ons", "Opgave inclusief aanvullende ramingen", "Gross need by pillar with add-ons."),
    "component_need": ("Gross need by component", "Opgave per onderdeel", "Gross need per component or theme."),
    "component_funding": ("Arranged funding by component", "Dekking per onderdeel", "Funding allocated to each component or theme."),
    "component_shortfall": ("Remaining need by component", "Restopgave per onderdeel", "Need minus funding per component."),
    "input_value": ("Drawn input value", "Getrokken invoerwaarde", "The value of each uncertain input in each draw; units in the input_unit coordinate."),
}
