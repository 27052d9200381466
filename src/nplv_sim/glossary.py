"""The one glossary: every word a reader sees for a label in the results, in Dutch and English.

Code keeps English identifiers (``physical``, ``rijk``, ``pillar`` netting, group ``U1``);
readers see the words below. Tables, figures, the register, the HTML appendix and the
terminal all take their words from here, so a pillar, a scope, a netting method, a basis
or an uncertainty group is named the same way everywhere. Period names come from the
facts file (their years), never from here: see :func:`period_label`.

Numbers are formatted by :mod:`nplv_sim.formatting`; this module holds words only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .outputs import REGISTRY

__all__ = [
    "BASES",
    "COORD_LABELS",
    "GROUPS",
    "LANGS",
    "PILLARS",
    "TERMS",
    "basis_note",
    "check_lang",
    "group_label",
    "horizon_label",
    "label_from_attrs",
    "period_label",
    "period_years",
    "short_term",
    "term",
    "unit_label",
    "word",
]

LANGS = ("nl", "en")
# The pillars a facts file may declare: their words are TERMS' (a facts file holds no pillar labels).
PILLARS = ("physical", "social")

# Coordinate values and domain words: key -> (Dutch, English)
TERMS: dict[str, tuple[str, str]] = {
    # pillars
    "physical": ("fysiek", "physical"),
    "social": ("sociaal-maatschappelijk", "social"),
    "all": ("beide pijlers", "both pillars"),
    # scopes
    "total": ("totaal", "total"),
    "rijk": ("Rijk", "Rijk"),
    # netting methods (how a surplus on one component is treated)
    "pillar": ("verrekend per pijler", "pillar netting"),
    "component": ("verrekend per onderdeel", "component netting"),
    # bases: with or without the add-ons (funderingsherstel)
    "excl_addons": ("zonder funderingsherstel", "without foundation repair"),
    "incl_addons": ("met funderingsherstel", "with foundation repair"),
    # measures (published figures)
    "measure_shortfall": ("restopgave", "remaining need"),
    "measure_shortfall_per_year": ("restopgave per jaar", "remaining need per year"),
    "measure_need": ("opgave", "gross need"),
    "measure_funding": ("dekking", "funding"),
    # sampling methods (the run's ``sampling_method``)
    "method_random": ("pseudo-aselect", "pseudo-random"),
    "method_lhs": ("Latin hypercube-steekproef", "Latin hypercube sampling"),
    "method_sobol": ("gescrambelde Sobol-reeks (quasi-Monte Carlo)", "a scrambled Sobol sequence (quasi-Monte Carlo)"),
    "method_deterministic": ("basiswaarden", "baseline values"),
    # the run without a scenario
    "scenario_baseline": ("basis", "baseline"),
    # what Rebel's figures are taken to be (the calibration anchor)
    "anchor_median": ("mediaan", "median"),
    "anchor_mean": ("verwachtingswaarde", "mean"),
    # dimension names
    "dim_pillar": ("pijler", "pillar"),
    "dim_period": ("periode", "period"),
    "dim_scope": ("reikwijdte", "scope"),
    "dim_netting": ("verrekening", "netting"),
    "dim_basis": ("grondslag", "basis"),
    "dim_horizon": ("horizon", "horizon"),
}

# Longer explanations of the same words, for table notes and the methods section.
EXPLAIN: dict[str, tuple[str, str]] = {
    "pillar": (
        "verrekend per pijler: opgave min dekking over alle onderdelen van een pijler samen, zodat een overschot "
        "op het ene onderdeel een tekort op een ander aanvult (de methode van de hoofdcijfers van Rebel)",
        "pillar netting: need minus funding over all components of a pillar together, so a surplus on one "
        "component offsets a shortfall on another (the method of Rebel's headline figures)",
    ),
    "component": (
        "verrekend per onderdeel: per onderdeel alleen het tekort, een overschot vult niets aan",
        "component netting: only the shortfall per component; a surplus offsets nothing",
    ),
    "total": ("totaal: de hele opgave, ongeacht wie betaalt", "total: the whole need, whoever pays"),
    "rijk": ("Rijk: het deel dat het Rijk draagt volgens de verdeelsleutels van Rebel",
             "Rijk: the national government's share under Rebel's keys"),
    "excl_addons": ("zonder funderingsherstel: de grondslag van de hoofdcijfers van Rebel",
                    "without foundation repair: the basis of Rebel's headline figures"),
    "incl_addons": ("met funderingsherstel: inclusief de aanvullende raming funderingsherstel (€ 1–1,5 mld., kader "
                    "in hoofdstuk 2 van Rebel) en elke andere aanvullende raming die aan staat",
                    "with foundation repair: including the add-on estimate for foundation repair (€1–1.5 bn, box in "
                    "chapter 2 of Rebel) and any other add-on switched on"),
    "wbi": ("Wbi-geld telt als dekking alleen voor zover het in een trekking wordt toegekend (onzekere invoer U2)",
            "Wbi money counts as funding only as far as a draw allocates it (uncertain input U2)"),
}

# Dimension names as long_name attributes of coordinates: name -> (English, Dutch)
COORD_LABELS: dict[str, tuple[str, str]] = {
    "draw": ("Monte Carlo draw", "Trekking"),
    "pillar": ("Pillar", "Pijler"),
    "period": ("Period", "Periode"),
    "scope": ("Scope (total or Rijk share)", "Reikwijdte (totaal of Rijksdeel)"),
    "netting": ("Netting method", "Verrekeningsmethode"),
    "component": ("Component or theme", "Onderdeel of thema"),
    "input": ("Uncertain input", "Onzekere invoer"),
    "quantile": ("Quantile", "Kwantiel"),
}

# Uncertainty groups (``input_group``; MODEL.md section 3): id -> (Dutch, English)
GROUPS: dict[str, tuple[str, str]] = {
    "U1": ("Funderingsherstel", "Foundation repair"),
    "U2": ("Toekenning Woningbouwimpuls (Wbi)", "Housing-grant (Wbi) allocation"),
    "U3": ("Btw", "VAT"),
    "U4": ("Ramingsonzekerheid per onderdeel en periode", "Estimation error per component and period"),
    "U5": ("Doortrekking sociale opgave naar de tweede periode", "Social need extrapolated to the second period"),
    "U6": ("Grootschalige bereikbaarheidsingrepen", "Large-scale accessibility works"),
    "U7": ("Realisatie van de dekking", "Realisation of the funding"),
    "U8": ("Nog niet meegerekende dekking", "Funding not yet counted"),
    "U9": ("Rijkssleutels", "Rijk keys"),
    "U10": ("Correlatie", "Correlation"),
    "uplift": ("Opslag optimisme-bias", "Optimism-bias uplift"),
    "R": ("Aansluiting met Rebel (afronding en aansluitingskeuzes)",
          "Reconciliation with Rebel (rounding and reconciliation switches)"),
}

# Bases of a shortfall variable: variable name -> basis key (declared in the output registry)
BASES: dict[str, str] = {v.name: v.basis for v in REGISTRY if v.basis}

# Units attribute -> (Dutch, English) as shown to a reader
_UNITS: dict[str, tuple[str, str]] = {
    "million EUR": ("€ mln.", "€ million"),
    "million EUR per year": ("€ mln. per jaar", "€ million per year"),
    "1": ("", ""),
    "areas": ("gebieden", "areas"),
    "percent": ("%", "%"),
}

# Fixed words of tables and notes: key -> (Dutch, English)
WORDS: dict[str, tuple[str, str]] = {
    "whole_horizon": ("hele looptijd", "whole horizon"),
    "basis": ("Grondslag", "Basis"),
    "per_year": ("per jaar", "per year"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    # the uplift layer (nplv_sim.uplift): its state and its effect shown apart
    "uplift_layer": ("opslag optimisme-bias", "optimism-bias uplift"),
    "on": ("aan", "on"),
    "off": ("uit", "off"),
    "without_uplift": ("zonder opslag", "without uplift"),
    "without_uplift_layer": ("zonder opslag optimisme-bias", "without the optimism-bias uplift"),
    "with_uplift": ("met opslag", "with uplift"),
    "uplift_of_which": ("waarvan opslag optimisme-bias", "of which optimism-bias uplift"),
    "uplift_of_which_short": ("waarvan opslag", "of which uplift"),
    "not_recorded": ("(niet vastgelegd)", "(not recorded)"),
    "budgets_do_not_add": (
        "Budgetten per periode tellen niet op tot het budget voor de hele looptijd: een percentiel van een som "
        "is niet de som van de percentielen. Lees het budget voor de hele looptijd in de eigen rij.",
        "Per-period budgets do not add up to the budget for the whole horizon: a percentile of a sum is not the "
        "sum of the percentiles. Read the whole-horizon budget from its own row.",
    ),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"nl"`` or ``"en"``; raise ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'nl' or 'en', got {lang!r}")
    return lang


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if check_lang(lang) == "nl" else pair[1]


def term(key: str, lang: str = "nl") -> str:
    """Reader's word for a coordinate value (``"rijk"`` -> ``"Rijk"``, ``"physical"`` -> ``"fysiek"``)."""
    return _pick(TERMS.get(str(key), (str(key), str(key))), lang)


# Short forms for tight places (tick labels); the full word is in TERMS.
SHORT: dict[str, tuple[str, str]] = {"social": ("sociaal", "social")}


def short_term(key: str, lang: str = "nl") -> str:
    """The short form of a term where one exists (``"social"`` -> ``"sociaal"``), else :func:`term`."""
    return _pick(SHORT[key], lang) if key in SHORT else term(key, lang)


def explain(key: str, lang: str = "nl") -> str:
    """One-clause explanation of a term (netting method, scope, basis, Wbi)."""
    return _pick(EXPLAIN[key], lang)


def word(key: str, lang: str = "nl") -> str:
    """A fixed word or sentence of tables and notes."""
    return _pick(WORDS[key], lang)


def group_label(group: str, lang: str = "nl") -> str:
    """Reader's name of an uncertainty group (``"U1"`` -> ``"Funderingsherstel"``)."""
    return _pick(GROUPS.get(str(group), (str(group), str(group))), lang)


def unit_label(units: str, lang: str = "nl") -> str:
    """The reader's name of a ``units`` attribute (``"million EUR"`` -> ``"€ mln."``)."""
    return _pick(_UNITS.get(units, (units, units)), lang)


def year_range(first: int, last: int) -> str:
    """``2026–2035`` with an en dash (Dutch and English alike)."""
    return f"{int(first)}\u2013{int(last)}"


def period_years(ds: Any) -> list[str]:
    """``"2026–2029"`` per period, from the ``period_first_year``/``period_last_year`` coords.

    Falls back to the period names when those coords are absent.
    """
    if "period_first_year" not in ds.coords:
        return [str(p) for p in ds["period"].values]
    return [year_range(f, last) for f, last in
            zip(ds["period_first_year"].values, ds["period_last_year"].values, strict=True)]


def period_label(periods: Any, name: str) -> str:
    """Years of period ``name`` (``"2026–2029"``), from the facts' periods or a Dataset's coords.

    ``periods`` is a sequence of :class:`nplv_sim.schema.Period` or a Dataset with
    ``period_first_year``/``period_last_year`` coords. The whole horizon (any name not a
    period) spans the first to the last year.
    """
    if hasattr(periods, "coords"):
        if "period_first_year" not in periods.coords:
            return str(name)
        firsts = [int(v) for v in periods["period_first_year"].values]
        lasts = [int(v) for v in periods["period_last_year"].values]
        names = [str(p) for p in periods["period"].values]
    else:
        firsts = [p.first_year for p in periods]
        lasts = [p.last_year for p in periods]
        names = [p.name for p in periods]
    if name in names:
        i = names.index(name)
        return year_range(firsts[i], lasts[i])
    return year_range(min(firsts), max(lasts))


def horizon_label(periods: Any, name: str, lang: str = "nl") -> str:
    """Like :func:`period_label`, with "(hele looptijd)" for the whole horizon."""
    years = period_label(periods, name)
    names = [str(p) for p in periods["period"].values] if hasattr(periods, "coords") else [p.name for p in periods]
    if name in names:
        return years
    return f"{years} ({word('whole_horizon', lang)})"


def basis_note(lang: str, netting: str = "pillar", basis: str | None = None, scope: str | None = None,
               uplift: str | None = None) -> str:
    """The sentence that states a table's basis: netting, scope, funderingsherstel, Wbi and,
    given ``uplift`` (a run's ``uplift_layer`` attribute), the uplift layer's state.

    ``basis`` None means the table shows both bases side by side; ``scope`` None both scopes.
    """
    check_lang(lang)
    bases = [basis] if basis else ["excl_addons", "incl_addons"]
    scopes = [scope] if scope else ["total", "rijk"]
    if lang == "nl":
        head = "Grondslag: " if basis else "Grondslag: beide, naast elkaar: "
    else:
        head = "Basis: " if basis else "Basis: both, side by side: "
    parts = [explain(netting, lang), "; ".join(explain(s, lang) for s in scopes),
             "; ".join(explain(b, lang) for b in bases), explain("wbi", lang)]
    if uplift is not None:
        from .uplift import state_text

        parts.append(state_text(uplift, lang))
    return head + ". ".join(p[0].upper() + p[1:] for p in parts) + "."


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
    check_lang(lang)
    attrs: Mapping[str, Any] = getattr(obj, "attrs", obj)
    if lang == "nl":  # long_name is Dutch by convention and is what derived variables update
        name = attrs.get("long_name") or attrs.get("long_name_nl") or getattr(obj, "name", "") or ""
    else:
        name = attrs.get("long_name_en") or attrs.get("long_name") or getattr(obj, "name", "") or ""
    units = unit_label(str(attrs.get("units", "")), lang) if with_units else ""
    return f"{name} [{units}]" if units else str(name)
