"""Shared helpers of the figure modules: selecting cells, quantiles, report figures, words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..appendix import report_figure
from ..errors import NplvError
from ..glossary import BASES, label_from_attrs, term, unit_label

QUANTILES = (0.05, 0.15, 0.5, 0.85, 0.95)

# key -> (Dutch, English): every fixed word on a figure
TEXT: dict[str, tuple[str, str]] = {
    "cum_prob": ("Cumulatieve kans", "Cumulative probability"),
    "report": ("Rapport Rebel 2026", "Rebel report 2026"),
    "report_p": ("Rapport Rebel 2026 (Pxx: kans op een lagere uitkomst)",
                 "Rebel report 2026 (Pxx: probability of a lower outcome)"),
    "report_year": ("Rapport Rebel 2026 (per jaar)", "Rebel report 2026 (per year)"),
    "median": ("Mediaan (P50)", "Median (P50)"),
    "p5_p95": ("90 %-interval (P5\u2013P95)", "90% interval (P5\u2013P95)"),
    "p15_p85": ("70 %-interval (P15\u2013P85)", "70% interval (P15\u2013P85)"),
    "year": ("Jaar", "Year"),
    "per_year": ("per jaar", "per year"),
    "draws": ("Aantal trekkingen (logaritmische schaal)", "Number of draws (log scale)"),
    "even_spread": ("Elk periodebedrag gelijkmatig over de jaren verdeeld",
                    "Each period spread evenly over its years"),
    "budget": ("Beschikbaar budget", "Available budget"),
    "need": ("Opgave", "Need"),
    "funding": ("Dekking", "Funding"),
    "shortfall": ("Restopgave", "Shortfall"),
    "mean": ("gemiddelden", "means"),
    "median_word": ("medianen", "medians"),
    "whisker": ("verticale lijn: P15\u2013P85", "whiskers: P15\u2013P85"),
    "shortfall_both": ("Restopgave beide pijlers", "Remaining need, both pillars"),
    "shortfall_word": ("Restopgave", "Remaining need"),
    "no_effect": ("Zonder effect op deze uitkomst (niet getoond)", "No effect on this output (not shown)"),
    "oat": ("E\u00e9n voor \u00e9\u00e9n, overige invoer op basiswaarde; negeert correlatie",
            "One at a time, other inputs at baseline; ignores correlation"),
    "at_low": ("invoer op P10", "input at P10"),
    "at_high": ("invoer op P90", "input at P90"),
    "baseline": ("alle invoer op basiswaarde", "all inputs at baseline"),
    "ci": ("bootstrap-interval", "bootstrap interval"),
    "final": ("eindwaarde", "final value"),
    "mc_band": ("95 %-betrouwbaarheidsband (Monte Carlo)", "95% Monte Carlo confidence band"),
    "difference": ("Verschil in restopgave t.o.v. basis", "Difference in shortfall from baseline"),
    "prob_lower": ("kans lager", "P(lower)"),
    "others": ("overige", "others"),
    "shared": ("samenhangende invoer deelt variantie: aandelen tellen niet op tot 100 %",
               "related inputs share variance: shares do not add to 100%"),
}


def text(key: str, lang: str) -> str:
    """Fixed figure text in the reader's language."""
    nl, en = TEXT[key]
    return nl if lang == "nl" else en


def check_lang(lang: str) -> str:
    if lang not in ("nl", "en"):
        raise NplvError(f"lang must be 'nl' or 'en', got {lang!r}")
    return lang


def variable_for(obj: xr.Dataset, variable: str, pillar: str) -> xr.DataArray:
    """The DataArray of ``variable`` for ``pillar`` (``"all"``: the both-pillars variable)."""
    if pillar == "all":
        name = variable.replace("shortfall", "shortfall_all_pillars", 1)
        if name in obj:
            return obj[name]
        if variable in obj and "draw" in obj[variable].dims and "pillar" in obj[variable].dims:
            return obj[variable].sum("pillar").assign_attrs(obj[variable].attrs)
        raise NplvError(f"no both-pillars values of {variable!r}: quantiles cannot be summed; pass the draws")
    if variable not in obj:
        raise NplvError(f"the Dataset has no variable {variable!r}")
    return obj[variable].sel(pillar=pillar)


def select(obj: xr.Dataset, variable: str, pillar: str, netting: str = "pillar", **sel: Any) -> xr.DataArray:
    """``variable`` for ``pillar`` with ``netting`` and any other labels (e.g. ``period``) selected."""
    da = variable_for(obj, variable, pillar)
    if "netting" in da.dims:
        da = da.sel(netting=netting)
    return da.sel({k: v for k, v in sel.items() if v is not None})


def quantiles(da: xr.DataArray, qs: Sequence[float] = QUANTILES) -> xr.DataArray:
    """Quantiles along ``draw`` (as :func:`nplv_sim.summarize`), or those already summarised."""
    if "draw" in da.dims:
        return da.quantile(list(qs), dim="draw")
    if "quantile" not in da.dims:
        raise NplvError(f"{da.name!r} has neither draws nor quantiles")
    have = np.asarray(da["quantile"].values, dtype=float)
    missing = [q for q in qs if not np.isclose(have, q).any()]
    if missing:
        raise NplvError(f"the summary lacks quantiles {missing}; summarize with them or pass the draws")
    return da.sel(quantile=list(qs), method="nearest")


published_value = report_figure  # the report's figure for one cell (see nplv_sim.appendix.report_figure)


def wrap(label: str, width: int = 42) -> str:
    """Break a long tick label over lines (so the plot keeps its width)."""
    import textwrap

    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def axis_label(da: xr.DataArray, lang: str, wrap: int = 38) -> str:
    """Label from attrs; units on a second line when the label is longer than ``wrap``."""
    label = label_from_attrs(da, lang)
    return label.replace(" [", "\n[", 1) if len(label) > wrap else label


def cell_title(pillar: str, scope: str | None, netting: str, lang: str, variable: str | None = None) -> str:
    """``Beide pijlers, Rijk, verrekend per pijler`` (and the basis, given the variable)."""
    parts = [term(pillar, lang).capitalize()]
    if scope is not None:
        parts.append(term(scope, lang))
    parts.append(term(netting, lang))
    if variable is not None and variable in BASES:
        parts.append(term(BASES[variable], lang))
    return ", ".join(parts)


def amount_label(key: str, units: str, lang: str) -> str:
    """Axis label: a fixed word and the units, ``Restopgave beide pijlers [€ mln.]``."""
    return f"{text(key, lang)} [{unit_label(units, lang)}]"
