"""``nplv-sim report``: one folder with figures, tables, NetCDF and an HTML appendix draft.

The folder is built under a temporary name beside the target and renamed into place at
the end, so an interrupted report leaves nothing half-written under the target's name.
Prose comes from jinja2 templates (``templates/``, autoescaped) fed with numbers that
:mod:`nplv_sim.formatting` formats and words from :mod:`nplv_sim.glossary`; every output
carries the same provenance block (:mod:`nplv_sim.provenance`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import uplift
from .appendix import APPENDIX_QUANTILES, WHOLE, appendix_rows, appendix_table, with_whole_horizon, write_appendix
from .baseline import NOTE_SHIFTS, has_shift, reconcile, reconciliation_csv, reconciliation_notes
from .formatting import MISSING, format_eur, format_number, format_percent, format_significant
from .glossary import basis_note, group_label, horizon_label, period_label, term, word
from .output import OutputSet, write_netcdf, write_text
from .policy import point_estimate_probability
from .provenance import provenance_csv, provenance_rows, public_attrs
from .register import calibration_text, count_texts, documents_text, period_codes, register_sections, untranslated
from .schema import ENGLISH_MARK, Assumptions
from .simulation import recorded_seed, simulate, stored
from .summary import summarize
from .tables import summary_csv

__all__ = ["build_report", "render_methods"]

FIGURE_DPI = 300
SCENARIO_DRAWS = 50_000
BRIDGE_DRAWS = 50_000  # the bridge re-evaluates the model once per set of groups (2^G sets)
BRIDGE_MIN_DRAWS = 1_000  # fewer draws give no useful Monte Carlo error for the contributions
SENSITIVITY_DRAWS = 50_000
SOBOL_N = 8192  # base draws per input (rounded to a power of 2)
SOBOL_N_GROUP = 8192  # base draws per source of uncertainty
SOBOL_BOOTSTRAP = 200
SOBOL_TOP = 10
TEMPLATES = Path(__file__).parent / "templates"

_TEXT = {
    "nl": {
        "title": "Bijlage: onzekerheid in de restopgave NPLV",
        "methods": "Werkwijze",
        "headline": "Kerncijfers: restopgave beide pijlers, zonder en met funderingsherstel",
        "results": "Resultaten per pijler, periode en reikwijdte",
        "figures": "Figuren",
        "scenarios": "Scenario's: verschil met de basis",
        "sobol": "Variantiegebaseerde gevoeligheid (Sobol-indices)",
        "register": "Aannames (register)",
        "reconciliation": "Aansluiting met het rapport van Rebel",
        "scurve_position": "Positie van de puntschattingen van Rebel op de S-curve",
        "position_note": "Waar een cijfer van Rebel op de S-curve ligt, volgt uit deze berekening en haar aannames: "
        "elk cijfer van Rebel is genomen als de %s van de ramingsonzekerheid (kalibratie in het "
        "aannamebestand).",
        "position_bridge": "Welke bronnen van onzekerheid het verschil met de gesimuleerde kwantielen veroorzaken, "
        "toont de brug in de volgende paragraaf.",
        "anchor": {"median": "mediaan", "mean": "verwachtingswaarde", "none declared": "(niet opgegeven) waarde"},
        "provenance": "Herkomst van deze berekening",
        "draft": "Concept, gegenereerd door nplv-sim. Controleer de tekst voordat u deze gebruikt.",
        "figure": "Figuur",
        "published": "Gepubliceerd (€ mln.)",
        "computed": "Berekend (€ mln.)",
        "difference": "Verschil (€ mln.)",
        "note": "Toelichting",
        "source": "Bron",
        "figure_name": "Cijfer",
        "probability": "Kans op een lagere of gelijke uitkomst",
        "horizon": "Periode",
        "scope": "Reikwijdte",
        "rebel": "Rapport Rebel (€ mln.)",
        "money_note": "Bedragen in € mln.; P15/P50/P85: 15, 50 en 85 % kans dat de restopgave lager of gelijk uitvalt.",
        "scenario": "Scenario",
        "difference_p50": "Verschil P50 [P5; P95]",
        "left_p50": "Restopgave P50",
        "item": "Gegeven",
        "value": "Waarde",
        "files": "Bestanden in deze map",
        "disagree": "Punten waarop de bronnen elkaar tegenspreken",
        "disagree_note": "Per punt het scenario dat het effect toont: de verschuiving van de deterministische "
        "restopgave van beide pijlers (verrekend per pijler, € mln.).",
        "topic": "Punt",
        "shift": "Effect op de restopgave",
        "no_shift": "Geen getal verandert (geen scenario).",
        "not_applicable": "Scenario '%s' is niet toepasbaar op deze aannames.",
        "bridge": "Brug van het cijfer van Rebel naar P50 en P85",
        "uplift_split": "Waarvan opslag optimisme-bias",
    },
    "en": {
        "title": "Appendix: uncertainty in the NPLV remaining need",
        "methods": "Method",
        "headline": "Key figures: remaining need of both pillars, without and with foundation repair",
        "results": "Results by pillar, period and scope",
        "figures": "Figures",
        "scenarios": "Scenarios: difference from the baseline",
        "sobol": "Variance-based sensitivity (Sobol indices)",
        "register": "Assumptions (register)",
        "reconciliation": "Reconciliation with the Rebel report",
        "scurve_position": "Where Rebel's point estimates sit on the S-curve",
        "position_note": "Where a figure of Rebel's sits on the S-curve follows from this run and its assumptions: "
        "each of Rebel's figures is taken as the %s of the estimation error (the calibration in the "
        "assumptions file).",
        "position_bridge": "Which sources of uncertainty make the difference with the simulated quantiles, the "
        "bridge in the next section shows.",
        "anchor": {"median": "median", "mean": "mean", "none declared": "(undeclared) value"},
        "provenance": "Provenance of this calculation",
        "draft": "Draft generated by nplv-sim. Check the text before use.",
        "figure": "Figure",
        "published": "Published (€ million)",
        "computed": "Computed (€ million)",
        "difference": "Difference (€ million)",
        "note": "Note",
        "source": "Source",
        "figure_name": "Figure",
        "probability": "Probability of a lower or equal outcome",
        "horizon": "Period",
        "scope": "Scope",
        "rebel": "Rebel report (€ million)",
        "money_note": "Amounts in € million; P15/P50/P85: 15, 50 and 85% probability that the remaining need is at "
                      "most this.",
        "scenario": "Scenario",
        "difference_p50": "Difference P50 [P5; P95]",
        "left_p50": "Remaining need P50",
        "item": "Item",
        "value": "Value",
        "files": "Files in this folder",
        "disagree": "Points where the sources disagree",
        "disagree_note": "For each point the scenario that shows its effect: the shift of the deterministic remaining "
        "need of both pillars (pillar netting, € million).",
        "topic": "Point",
        "shift": "Effect on the remaining need",
        "no_shift": "No number moves (no scenario).",
        "not_applicable": "Scenario '%s' does not apply to these assumptions.",
        "bridge": "Bridge from Rebel's figure to P50 and P85",
        "uplift_split": "Of which the optimism-bias uplift",
    },
}
_LAWS = {"nl": {"lognormal": "lognormaal", "pert": "PERT", "uniform": "uniform", "beta": "bèta",
                "bernoulli": "Bernoulli (ja/nee)", "discrete": "discreet", "fixed": "vast", "normal": "normaal",
                "triangular": "driehoek"},
         "en": {}}
_FILES = ("results.nc, tables/bijlage.csv, tables/bijlage_nl.csv, tables/bijlage.xlsx, tables/summary.csv, "
          "tables/bridge.csv, tables/reconciliation.csv, tables/provenance.csv, tables/provenance_nl.csv, figures/*")


def _env(lang: str):
    """A jinja2 environment with autoescape and number filters in the reader's language."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=False,
                             keep_trailing_newline=False, undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda v, d=0: format_number(v, d, lang)
    env.filters["nl_number"] = lambda v, d=0: format_number(v, d, "nl")
    env.filters["eur"] = lambda v, unit="mln", d=None: format_eur(v, unit, d, lang)
    env.filters["pct"] = lambda v, d=0: format_percent(v / 100.0, d, lang, space="\u00a0")  # one line in prose
    env.filters["join_words"] = lambda items: _join(list(items), lang)
    env.filters["code"] = _code
    return env


def _code(text: Any) -> Any:
    """Escape ``text`` and show its `backticked` names (inputs, scenarios) as code."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(escape(text))))


def _join(items: Sequence[str], lang: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + (" en " if lang == "nl" else " and ") + items[-1]


def render_methods(a: Assumptions, ds: xr.Dataset, summary: xr.Dataset, lang: str) -> str:
    """The methods paragraph, from ``templates/methods.<lang>.j2`` (plain text, not escaped)."""
    n = int(ds.attrs["n_draws"])
    random = ds["input_random"].values.astype(bool)
    groups = list(dict.fromkeys(str(g) for g, r in zip(ds["input_group"].values, random, strict=True) if r))
    pairs = len({(x, y) for c in a.correlations for i, x in enumerate(c.inputs) for y in c.inputs[i + 1:]})
    worst = 0.0
    if "correlation_achieved" in ds:
        worst = float(np.nanmax(np.abs(ds["correlation_achieved"] - ds["correlation_target"])))
    mcse = summary["shortfall_all_pillars_mcse"].sel(netting="pillar")
    rel = float((mcse / np.abs(summary["shortfall_all_pillars"].sel(netting="pillar"))).max()) * 100
    periods = a.facts.periods
    words = [group_label(g, lang) for g in groups]
    words = [w if w[:2].isupper() else w[0].lower() + w[1:] for w in words]  # "VAT" stays, "Btw" -> "btw"
    text = _env(lang).get_template(f"methods.{lang}.j2").render(
        n=n, method=term(f"method_{ds.attrs['sampling_method']}", lang),
        software=f"nplv-sim {ds.attrs.get('nplv_sim_version', '')}", seed=ds.attrs["seed_entropy"],
        report=a.facts.report, k=int(random.sum()), groups=words, pairs=pairs, worst=worst, rel=rel,
        periods=[period_label(periods, p.name) for p in periods], horizon=period_label(periods, WHOLE))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()  # not str.split(): it would take the no-break spaces


def _figures(a: Assumptions, ds: xr.Dataset, summary: xr.Dataset, folder: Path, lang: str, rng_seed: int,
             progress: Callable[[str], None]) -> tuple[list[dict[str, str]], xr.Dataset | None]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import figures as F
    from .comparison import simulate_scenarios
    from .evaluator import make_evaluator
    from .scenarios import list_scenarios
    from .sensitivity import analyze_sensitivity, tornado, tornado_inputs

    published = a.facts.published
    nl = lang == "nl"
    made: list[dict[str, str]] = []
    prov = ds.attrs

    def save(name: str, fig_or_ax, caption_nl: str, caption_en: str) -> None:
        caption = caption_nl if nl else caption_en
        F.save_figure(fig_or_ax, folder / name, title=caption, dpi=FIGURE_DPI, provenance=prov)
        plt.close(getattr(fig_or_ax, "figure", fig_or_ax))
        made.append({"rel": f"figures/{name}", "caption": caption})

    periods = a.facts.periods
    years = {p.name: period_label(periods, p.name) for p in periods}
    progress("figures: S-curves, intervals, fan, waterfall")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharex=True, sharey=True, layout="constrained")
    F.plot_scurve(ds, published=published, summary=summary, lang=lang, ax=axes[0])
    F.plot_scurve(ds, variable="shortfall_incl_addons", lang=lang, ax=axes[1])
    axes[1].set_ylabel("")
    save("scurve", fig,
         "S-curve van de restopgave van beide pijlers per periode, totaal en Rijk, met P15/P50/P85; links zonder "
         "funderingsherstel (met de puntschatting van Rebel), rechts met funderingsherstel",
         "S-curve of the remaining need of both pillars per period, total and Rijk, with P15/P50/P85; left without "
         "foundation repair (with Rebel's point estimate), right with foundation repair")
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), sharex=True, sharey=True, layout="constrained")
    F.plot_intervals(ds, published=published, lang=lang, ax=axes[0])
    F.plot_intervals(ds, variable="shortfall_incl_addons", lang=lang, ax=axes[1])
    axes[0].set_xlim(right=max(a_.dataLim.x1 for a_ in axes) * 1.04)  # shared axis: room for both panels
    save("intervals", fig,
         "Bandbreedte per pijler en periode (P5–P95, P15–P85, P50); links zonder funderingsherstel naast het "
         "cijfer van Rebel, rechts met funderingsherstel",
         "Range per pillar and period (P5–P95, P15–P85, P50); left without foundation repair beside Rebel's "
         "figure, right with foundation repair")
    budget = _coalition_budget(a)
    if budget:
        amount, first, last = next(iter(budget.values())), min(budget), max(budget)
        extra_nl = (f", met het bedrag uit het coalitieakkoord ({format_eur(amount, lang='nl')} per jaar, "
                    f"{first}–{last})")
        extra_en = (f", with the coalition agreement's amount ({format_eur(amount, lang='en')} per year, "
                    f"{first}–{last})")
        label = (f"Coalitieakkoord: {format_eur(amount, lang='nl')} per jaar" if nl else
                 f"Coalition agreement: {format_eur(amount, lang='en')} per year")
    else:
        extra_nl = extra_en = ""
        label = None
    save("fan", F.plot_fan(ds, published=published, budget=budget, budget_label=label, lang=lang),
         f"Waaier van de Rijksrestopgave per jaar, zonder funderingsherstel{extra_nl}",
         f"Fan chart of the Rijk remaining need per year, without foundation repair{extra_en}")
    for p in periods:
        save(f"waterfall_{p.name}", F.plot_waterfall(ds, period=p.name, published=published, lang=lang),
             f"Van opgave via dekking naar restopgave, {years[p.name]}",
             f"From need via funding to remaining need, {years[p.name]}")
    if not _has_uncertainty(ds):  # a facts file alone: nothing varies, no sensitivity to show
        save("convergence", F.plot_convergence(ds, lang=lang),
             "Convergentie: lopende P85 van de Rijksrestopgave met Monte Carlo-band",
             "Convergence: running P85 of the Rijk remaining need with its Monte Carlo band")
        return made, None
    progress("figures: sensitivity")
    sub = ds.isel(draw=slice(0, SENSITIVITY_DRAWS))
    sens = analyze_sensitivity(sub, n_bootstrap=50, rng=rng_seed)
    base, low, high, labels = tornado_inputs(ds, a)
    for p in periods:
        y = years[p.name]
        tor = tornado(make_evaluator(a, period=p.name, scope="rijk"), base, low, high, labels,
                      output_attrs={"long_name": f"Rijksrestopgave {y}", "long_name_en": f"Rijk remaining need {y}",
                                    "units": "million EUR"},
                      cell_label=(f"beide pijlers, {y}, Rijk", f"both pillars, {y}, Rijk"))
        save(f"tornado_{p.name}", F.plot_tornado(tor, lang=lang),
             f"Tornado: Rijksrestopgave {y} (zonder funderingsherstel) met elke aanname op P10 en P90, overige op "
             "basiswaarde (negeert correlatie)",
             f"Tornado: Rijk remaining need {y} (without foundation repair) with each assumption at P10 and P90, "
             "others at baseline (ignores correlation)")
        cell = f"all_{p.name}_rijk"
        if cell in sens["cell"].values:
            # sources whose every input leaves this output unchanged at P10 and P90 have no effect by construction
            b0 = float(tor["output_baseline"])
            moved = {str(g) for g, lo, hi in zip(ds["input_group"].sel(input=tor["input"]).values,
                                                  tor["output_low"].values, tor["output_high"].values, strict=True)
                     if abs(lo - b0) > 1e-9 or abs(hi - b0) > 1e-9}
            idle = [str(g) for g in sens["group"].values if str(g) not in moved]
            save(f"variance_{p.name}",
                 F.plot_variance_contribution(sens, cell=cell, by="group", lang=lang, exclude=idle),
                 f"Bijdrage aan de spreiding van de Rijksrestopgave {y} (zonder funderingsherstel), per bron van "
                 "onzekerheid",
                 f"Contribution to the spread of the Rijk remaining need {y} (without foundation repair), by source "
                 "of uncertainty")
    progress("figures: scenarios and convergence")
    names = [q.stem for q in list_scenarios()]
    scen = None
    if names:
        method = ds.attrs["sampling_method"] if ds.attrs["sampling_method"] != "deterministic" else "random"
        scen = simulate_scenarios(a, names, min(int(ds.attrs["n_draws"]), SCENARIO_DRAWS), rng=rng_seed,
                                  method=method)
        save("scenarios", F.plot_scenarios(scen, lang=lang),
             "Verschil van elk scenario met de basis, zonder funderingsherstel (gemeenschappelijke trekkingen); "
             "het effect op de grondslag met funderingsherstel staat in de scenariotabel",
             "Difference of each scenario from the baseline, without foundation repair (common random numbers); "
             "the effect on the basis with foundation repair is in the scenario table")
    save("convergence", F.plot_convergence(ds, lang=lang),
         "Convergentie: lopende P85 van de Rijksrestopgave met Monte Carlo-band",
         "Convergence: running P85 of the Rijk remaining need with its Monte Carlo band")
    return made, scen


def _bridge_section(a: Assumptions, ds: xr.Dataset, folder: Path, lang: str,
                    progress: Callable[[str], None]) -> dict[str, Any]:
    """The bridge (:func:`nplv_sim.bridge.bridge`) of the report's run: tables for both pillars
    per basis and scope, the waterfall of the Rijk 2026–2035 cell, and ``tables/bridge.csv``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .bridge import HORIZON, RECONCILIATION, bridge, bridge_csv, bridge_rows
    from .figures import plot_bridge, save_figure

    n = min(int(ds.attrs["n_draws"]), BRIDGE_DRAWS)
    method = ds.attrs["sampling_method"] if ds.attrs["sampling_method"] != "deterministic" else "random"
    progress(f"bridge: {n:,} draws")
    br = bridge(a, n, rng=recorded_seed(ds.attrs), method=method)
    progress(f"bridge: {br.attrs['seconds']} s for {br.attrs['n_coalitions']} sets of groups; table and figure")
    write_text(folder / "tables" / "bridge.csv", bridge_csv(bridge_rows(br, a, lang), lang))
    nl = lang == "nl"
    periods = a.facts.periods
    horizons = [p.name for p in periods] + [HORIZON]
    years = [period_label(periods, p.name) for p in periods] + [period_label(periods, WHOLE)]
    qs = [float(q) for q in br["quantile"].values]
    qnames = [f"P{round(q * 100):d}" for q in qs]
    players = [str(g) for g, p in zip(br["group"].values, br["player"].values, strict=True) if p]
    groups = [RECONCILIATION, *players]
    idle = [str(g) if str(g).startswith("U") else group_label(str(g), lang).lower()
            for g, p in zip(br["group"].values, br["player"].values, strict=True) if not p and str(g) != RECONCILIATION]
    tables = []
    for basis in br["basis"].values:
        for scope in br["scope"].values:
            cell = {"basis": basis, "pillar": "all", "scope": scope}
            ref = br["reference"].sel(pillar="all", scope=scope)
            rows = [{"label": "Cijfer Rebel" if nl else "Rebel's figure", "strong": True,
                     "cells": [format_number(float(ref.sel(period=h)), 0, lang) for h in horizons for _ in qs]}]
            for g in groups:
                c = br["contribution"].sel({**cell, "group": g})
                se = br["contribution_se"].sel({**cell, "group": g})
                rows.append({"label": f"{g if g.startswith('U') else ''} {group_label(g, lang)}".strip(),
                             "strong": False,
                             "cells": [_signed(c.sel(period=h, quantile=q), lang, float(se.sel(period=h, quantile=q)))
                                       for h in horizons for q in qs]})
            sim = br["simulated"].sel(cell)
            rows.append({"label": "Gesimuleerd kwantiel" if nl else "Simulated quantile", "strong": True,
                         "cells": [format_number(float(sim.sel(period=h, quantile=q)), 0, lang) for h in horizons
                                   for q in qs]})
            basis_words = term("excl_addons" if basis == "headline" else "incl_addons", lang)
            tables.append({"title": f"{term('all', lang).capitalize()}, {term(scope, lang)}, {basis_words}",
                           "rows": rows})
    rijk = "Rijksrestopgave" if nl else "Rijk remaining need"
    fig = plot_bridge(br, pillar="all", period=HORIZON, scope="rijk", lang=lang,
                      title=f"{rijk} {term('all', lang)}, {years[-1]}")
    save_figure(fig, folder / "figures" / "bridge", dpi=FIGURE_DPI, provenance=ds.attrs)
    plt.close(fig)
    caption = (f"Van het cijfer van Rebel naar P50 en P85 van de Rijksrestopgave van beide pijlers, {years[-1]}, "
               "zonder (boven) en met funderingsherstel (onder): bijdrage per bron van onzekerheid" if nl else
               f"From Rebel's figure to P50 and P85 of the Rijk remaining need of both pillars, {years[-1]}, without "
               "(top) and with foundation repair (bottom): contribution by source of uncertainty")
    anchor = _TEXT[lang]["anchor"].get(str(ds.attrs.get("calibration_anchor")), "")
    note = _env(lang).get_template(f"bridge.{lang}.j2").render(
        coalitions=int(br.attrs["n_coalitions"]), draws=n, replicates=int(br.attrs["n_replicates"]), anchor=anchor,
        idle=idle)
    note = " ".join(note.split())
    head = [{"years": y, "quantiles": qnames} for y in years]
    return {"tables": tables, "head": head, "note": note, "caption": caption, "rel": "figures/bridge",
            "seconds": float(br.attrs["seconds"]), "draws": n}


def _signed(v: Any, lang: str, se: float | None = None) -> str:
    """A shift or contribution with its sign (``+120``, ``-432``, ``0``), and with ``se``
    its Monte Carlo standard error (``+62 ± 3``; a 0 without error stays ``0``)."""
    v = float(v)
    if se is not None and v == 0.0 and se == 0.0:
        return "0"
    text = format_number(v, 0, lang)
    text = f"+{text}" if text[0].isdigit() and text != "0" else text
    return f"{text} ± {format_number(se, 0 if se >= 1 else 1, lang)}" if se else text


def _coalition_budget(a: Assumptions) -> dict[int, float] | None:
    """The coalition agreement's money per year, from the facts file (None if it has none)."""
    fig = a.facts.data.get("figures", {}).get("coalition_agreement_per_year")
    if not fig:
        return None
    v = fig["value"]
    return {y: float(v["amount"]) for y in range(int(v["first_year"]), int(v["last_year"]) + 1)}


def _headline(rows: list[dict[str, Any]], periods, lang: str, state: str = uplift.OFF) -> dict[str, Any]:
    """Both pillars, every horizon and scope, without and with funderingsherstel side by side."""
    pick = {(r["basis"], r["period"], r["scope"]): r for r in rows if r["pillar"] == "all"}
    out = []
    horizons = [p.name for p in periods] + [WHOLE]
    for h in horizons:
        for scope in ("total", "rijk"):
            ex, inc = pick[("excl_addons", h, scope)], pick[("incl_addons", h, scope)]
            values = [format_number(r[q], 0, lang) for r in (ex, inc) for q in ("p15", "p50", "p85")]
            values.append(format_number(ex["report"], 0, lang))
            out.append({"horizon": horizon_label(periods, h, lang), "scope": term(scope, lang).capitalize(),
                        "cells": values, "whole": h == WHOLE})
    return {"rows": out, "excl": term("excl_addons", lang).capitalize(), "incl": term("incl_addons", lang).capitalize(),
            "basis": basis_note(lang, uplift=state), "budgets_note": word("budgets_do_not_add", lang)}


def _uplift_se(ds: xr.Dataset, without: xr.Dataset) -> float:
    """The largest Monte Carlo standard error of 'of which the layer' over the cells of the
    report's split table (both pillars, each horizon, both scopes and bases, P50 and P85)."""
    full, bare = with_whole_horizon(ds), with_whole_horizon(without)
    return max(float(uplift.effect_mcse(full[v].sel(netting="pillar"), bare[v].sel(netting="pillar"),
                                         (0.5, 0.85)).max())
               for v in ("shortfall_all_pillars", "shortfall_all_pillars_incl_addons"))


def _uplift_split(rows: list[dict[str, Any]], attrs: Any, periods, lang: str,
                  se: float | None = None) -> dict[str, Any] | None:
    """With the uplift layer on: P50 and P85 of both pillars without the layer, with it and
    of which the layer, per basis, horizon and scope (rows merged by :func:`nplv_sim.uplift.merge_rows`)."""
    if not uplift.is_on(attrs):
        return None
    qs = ("p50", "p85")
    tables = []
    for basis in ("excl_addons", "incl_addons"):
        body = []
        for r in rows:
            if r["pillar"] != "all" or r["basis"] != basis:
                continue
            cells = [format_number(r[f"{q}{suffix}"], 0, lang) for q in qs
                     for suffix in (uplift.WITHOUT, "", uplift.EFFECT)]
            body.append({"horizon": horizon_label(periods, r["period"], lang),
                         "scope": term(r["scope"], lang).capitalize(), "cells": cells, "whole": r["period"] == WHOLE})
        tables.append({"title": term(basis, lang).capitalize(), "rows": body})
    head = [word(w, lang).capitalize() for w in ("without_uplift", "with_uplift", "uplift_of_which_short")]
    note = " ".join(_env(lang).get_template(f"uplift.{lang}.j2").render(se=se, batches=uplift.BATCHES).split())
    return {"tables": tables, "head": head, "quantiles": [q.upper() for q in qs], "note": note,
            "state": uplift.state_text(attrs, lang)}


def _scenario_table(scen: xr.Dataset, periods, lang: str) -> dict[str, Any]:
    """Per scenario and horizon: the Rijk difference from the baseline and what is left, on both bases."""
    rows = []
    labels = scen[f"scenario_label_{lang}"].values
    for i, name in enumerate(scen["scenario"].values[1:], start=1):
        for h in [p.name for p in periods] + [WHOLE]:
            values = []
            for var in ("shortfall_all_pillars", "shortfall_all_pillars_incl_addons"):
                da = scen[var].sel(scope="rijk", netting="pillar")
                da = da.sum("period") if h == WHOLE else da.sel(period=h)
                diff = da.sel(scenario=name) - da.sel(scenario="baseline")
                q = np.quantile(diff.values, [0.05, 0.5, 0.95])
                values.append(f"{format_number(q[1], 0, lang)} [{format_number(q[0], 0, lang)}; "
                              f"{format_number(q[2], 0, lang)}]")
                left = float(np.quantile(da.sel(scenario=name).values, 0.5))
                values.append(format_number(left, 0, lang) + _scenario_uplift(scen, var, name, h, left, lang))
            rows.append({"label": str(labels[i]), "horizon": horizon_label(periods, h, lang), "cells": values})
    n = scen.sizes["draw"]
    note = (f"Rijk, beide pijlers, verrekend per pijler; € mln.; {format_number(n, 0, lang)} gemeenschappelijke "
            "trekkingen. Een negatief verschil verlaagt de restopgave. Het scenario zonder funderingsherstel "
            "verandert alleen de grondslag met funderingsherstel."
            if lang == "nl" else
            f"Rijk, both pillars, pillar netting; € million; {format_number(n, 0, lang)} common random draws. A "
            "negative difference lowers the remaining need. The scenario without foundation repair changes only "
            "the basis with foundation repair.")
    states = scen["scenario_uplift_layer"].values
    on = [str(lab) for lab, st in zip(labels, states, strict=True) if uplift.is_on(str(st))]
    if len(on) == len(labels):
        on = ["de basis en alle scenario's" if lang == "nl" else "the baseline and every scenario"]
    if on:
        note += (f" Opslag optimisme-bias aan in: {', '.join(on)}; tussen haakjes het deel van de restopgave P50 dat "
                 "de opslag is (dezelfde trekkingen met de opslag op 1)." if lang == "nl" else
                 f" Optimism-bias uplift on in: {', '.join(on)}; in brackets the part of the remaining need P50 that "
                 "is the uplift (the same draws with the uplift at 1).")
    return {"rows": rows, "note": note, "excl": term("excl_addons", lang).capitalize(),
            "incl": term("incl_addons", lang).capitalize()}


def _scenario_uplift(scen: xr.Dataset, var: str, name: str, h: str, left: float, lang: str) -> str:
    """`` (waarvan opslag 955)`` after a scenario's P50 when its uplift layer is on, else ``""``."""
    if not uplift.is_on(str(scen["scenario_uplift_layer"].sel(scenario=name).values)):
        return ""
    da = scen[var + uplift.WITHOUT].sel(scope="rijk", netting="pillar", scenario=name)
    da = da.sum("period") if h == WHOLE else da.sel(period=h)
    part = left - float(np.quantile(da.values, 0.5))
    return f" ({word('uplift_of_which_short', lang)} {format_number(part, 0, lang)})"


def _sobol(a: Assumptions, seed: int, lang: str) -> dict[str, Any]:
    """Sobol indices of the Rijk shortfall per period: per source on both bases, and the largest inputs."""
    from .evaluator import engine_sobol_indices

    nl = lang == "nl"
    labels = {x.name: (x.label_nl if nl else x.label_en) for x in a.inputs}
    excl, incl = term("excl_addons", lang), term("incl_addons", lang)
    tables = []
    for p in a.facts.periods:
        years = period_label(a.facts.periods, p.name)
        by_basis = [engine_sobol_indices(a, n=SOBOL_N_GROUP, period=p.name, scope="rijk", rng=seed,
                                         n_bootstrap=SOBOL_BOOTSTRAP, by="group", incl_addons=inc)
                    for inc in (False, True)]
        order = np.argsort(-by_basis[0]["total_order"].values, kind="stable")
        rows = []
        for i in order:
            cells, zero = [], []
            for ds in by_basis:
                for kind in ("first_order", "total_order"):
                    v = float(ds[kind].values[i])
                    lo, hi = ds[f"{kind}_ci"].values[i]
                    cells.append(_index_text(v, lo, hi, lang))
                    zero.append(bool(lo <= 0 <= hi))
            rows.append({"label": group_label(str(by_basis[0]["group"].values[i]), lang), "cells": cells, "zero": zero})
        tables.append({"title": (f"Rijk, {years}: per bron van onzekerheid" if nl else f"Rijk, {years}: by source"),
                       "head": ["Bron van onzekerheid" if nl else "Source of uncertainty",
                                f"S1, {excl}", f"ST, {excl}", f"S1, {incl}", f"ST, {incl}"], "rows": rows})
        ds = engine_sobol_indices(a, n=SOBOL_N, period=p.name, scope="rijk", rng=seed, n_bootstrap=SOBOL_BOOTSTRAP)
        rows = []
        for i in np.argsort(-ds["total_order"].values, kind="stable")[:SOBOL_TOP]:
            cells, zero = [], []
            for kind in ("first_order", "total_order"):
                lo, hi = ds[f"{kind}_ci"].values[i]
                cells.append(_index_text(float(ds[kind].values[i]), lo, hi, lang))
                zero.append(bool(lo <= 0 <= hi))
            rows.append({"label": labels.get(str(ds["input"].values[i]), str(ds["input"].values[i])), "cells": cells,
                         "zero": zero})
        tables.append({"title": (f"Rijk, {years}: de {SOBOL_TOP} invoergrootheden met de grootste ST ({excl})" if nl
                                 else f"Rijk, {years}: the {SOBOL_TOP} inputs with the largest ST ({excl})"),
                       "head": ["Invoer" if nl else "Input", "S1", "ST"], "rows": rows})
    g, n = format_number(SOBOL_N_GROUP, 0, lang), format_number(SOBOL_N, 0, lang)
    if nl:
        note = ("Schatter: scipy.stats.sobol_indices (eerste orde S1 volgens Saltelli 2010, totaal ST volgens Jansen "
                f"1999) op het rekenmodel, met een gescrambelde Sobol-reeks; n = {g} basistrekkingen per bron en {n} "
                "per invoer; tussen haken het 95 %-bootstrap-interval. De invoer is hierbij onafhankelijk getrokken: "
                "de opgegeven correlaties zijn genegeerd (daarom wijken de aandelen af van de figuur met de bijdrage "
                "per bron). S1 = aandeel van de variantie door deze bron of invoer alleen; ST = inclusief interacties, "
                "dus S1 ≤ ST; per bron zijn de indices veel preciezer dan per invoer. Grijs en cursief: het interval "
                "bevat 0, de "
                "index is niet van 0 te onderscheiden; waar een S1 daar boven ST uitkomt, valt dat binnen de "
                "schattingsfout.")
    else:
        note = ("Estimator: scipy.stats.sobol_indices (first order S1 after Saltelli 2010, total ST after Jansen 1999) "
                f"on the model, with a scrambled Sobol sequence; n = {g} base draws per source and {n} per input; in "
                "brackets the 95% bootstrap interval. Inputs are drawn independently here: the declared correlations "
                "are ignored (hence the shares differ from the figure of contributions by source). S1 = share of "
                "variance from this source or input alone; ST = including interactions, so S1 ≤ ST; by source the "
                "indices are far more precise than by input. Grey italics: the interval includes 0, the index cannot "
                "be told from 0; where such an S1 comes out above ST, that is within the estimation error.")
    return {"tables": tables, "note": note}


def _index_text(v: float, lo: float, hi: float, lang: str) -> str:
    return f"{format_number(v, 2, lang)} [{format_number(lo, 2, lang)}; {format_number(hi, 2, lang)}]"


def _value_text(v: float, lang: str) -> str:
    return format_significant(v, 3, lang)


def _register(a: Assumptions, lang: str) -> dict[str, Any]:
    nl = lang == "nl"
    rows = []
    for x in a.inputs:
        p5, p50, p95 = x.law.ppf(np.array([0.05, 0.5, 0.95]))
        rows.append((group_label(x.group, lang), [x.label_nl if nl else x.label_en,
                     _LAWS[lang].get(x.distribution, x.distribution),
                     " / ".join(_value_text(v, lang) for v in (p5, p50, p95)), _value_text(x.baseline, lang),
                     word("yes" if x.enabled else "no", lang), x.text("source", lang),
                     x.text("rationale", lang) or MISSING]))
    groups: dict[str, list[list[str]]] = {}
    for label, row in rows:
        groups.setdefault(label, []).append(row)
    head = (["Invoer", "Verdeling", "P5 / P50 / P95", "Basiswaarde", "Aan", "Bron", "Toelichting"] if nl else
            ["Input", "Law", "P5 / P50 / P95", "Baseline", "On", "Source", "Rationale"])
    note = ("P5 / P50 / P95 zijn percentielen van de invoer zelf; de basiswaarde reproduceert het rapport. "
            "Invoer die niet aan staat blijft op de basiswaarde."
            if nl else "P5 / P50 / P95 are quantiles of the input itself; the baseline reproduces the report. "
            "Inputs that are off stay at their baseline.")
    note += " " + period_codes(a, lang)
    missing = untranslated(a)
    if nl and missing:
        note += (f" {count_texts(len(missing))} nog alleen in het Engels in het aannamebestand "
                 f"(gemarkeerd met {ENGLISH_MARK.strip()}).")
    calibration = calibration_text(a, lang)
    return {"head": head, "groups": [{"label": k, "rows": v} for k, v in groups.items()], "note": note,
            "calibration": calibration, "sections": register_sections(a, lang)}


def _figure_name(p: Any, periods: Any, lang: str) -> str:
    """A published figure's name: the report's own words in Dutch, built from the glossary in English."""
    if lang == "nl":
        return p.figure
    parts = [term(f"measure_{p.measure}", lang).capitalize(), term(p.pillar, lang), period_label(periods, p.period),
             term(p.scope, lang)]
    if p.netting != "pillar":
        parts.append(term(p.netting, lang))
    return ", ".join(parts)


def _reconciliation(rows: list[dict[str, Any]], a: Assumptions, lang: str) -> dict[str, Any]:
    """The reconciliation table, and the points where the sources disagree with the shift each
    one's scenario gives the deterministic Rijk and total remaining need (texts in ``lang``)."""
    t = _TEXT[lang]
    body = [[_figure_name(p, a.facts.periods, lang), format_number(float(r["published"]), 0, lang),
             format_number(float(r["computed"]), 2, lang), format_number(float(r["difference"]), 2, lang),
             p.text("source", lang), p.text("note", lang)] for r, p in zip(rows, a.facts.published, strict=True)]
    notes = []
    for r, n in zip(reconciliation_notes(a), a.facts.notes, strict=True):
        if n.scenario and not has_shift(r):
            effect = t["not_applicable"] % _scenario_label(n.scenario, lang)
        elif n.scenario:
            shift = "; ".join(f"{period_label(a.facts.periods, p)} {term(s, lang)} {_signed(r[f'shift_{p}_{s}'], lang)}"
                              for p, s in NOTE_SHIFTS)
            effect = f"{t['scenario']} '{_scenario_label(n.scenario, lang)}': {shift}"
        else:
            effect = t["no_shift"]
        notes.append([n.text("topic", lang), n.text("source", lang), n.text("note", lang), effect])
    return {"head": [t["figure_name"], t["published"], t["computed"], t["difference"], t["source"], t["note"]],
            "rows": body, "notes_head": [t["topic"], t["source"], t["note"], t["shift"]], "notes": notes}


def _scenario_label(name: str, lang: str) -> str:
    """A shipped scenario's label in ``lang`` (its file's ``label_nl``/``label_en``)."""
    from .scenarios import scenarios_dir
    from .tomlreader import read_toml

    return str(read_toml(scenarios_dir() / f"{name}.toml").get(f"label_{lang}", name))


def _position(ds: xr.Dataset, a: Assumptions, lang: str) -> list[dict[str, str]]:
    published = {p.figure: p for p in a.facts.published}
    return [{"figure": _figure_name(published[r["figure"]], a.facts.periods, lang),
             "published": format_number(float(r["published"]), 0, lang),
             "probability": format_number(float(r["cumulative_probability"]), 2, lang),
             "source": published[r["figure"]].text("source", lang)}
            for r in point_estimate_probability(ds, a)]


def _by_basis(body: list[list[str]]) -> list[dict[str, Any]]:
    """The appendix rows as one table per basis (the first cell), that cell dropped."""
    parts: dict[str, list[list[str]]] = {}
    for row in body:
        parts.setdefault(row[0], []).append(row[1:])
    return [{"basis": b, "rows": rows} for b, rows in parts.items()]


def render_html(a: Assumptions, ds: xr.Dataset, summary: xr.Dataset, figs: list[dict[str, str]], rows, appendix,
                folder: Path, lang: str, sobol: dict[str, Any] | None, scen: xr.Dataset | None,
                bridge: dict[str, Any] | None = None, uplift_se: float | None = None) -> str:
    """The appendix as one self-contained HTML page (figures embedded).

    ``rows`` are the appendix rows, merged with the run without the uplift layer when it
    is on; ``bridge`` the bridge section (:func:`_bridge_section`), if made.
    """
    figures = [{**f, "data": base64.b64encode((folder / f"{f['rel']}.png").read_bytes()).decode("ascii")} for f in figs]
    if bridge is not None:
        bridge = {**bridge, "data": base64.b64encode((folder / f"{bridge['rel']}.png").read_bytes()).decode("ascii"),
                  "number": len(figures) + 1}
    head, body = appendix
    state = str(ds.attrs.get("uplift_layer", uplift.OFF))
    return _env(lang).get_template("report.html.j2").render(
        lang=lang, t=_TEXT[lang], methods=render_methods(a, ds, summary, lang), documents=documents_text(a, lang),
        headline=_headline(rows, a.facts.periods, lang, state), uplift=_uplift_split(rows, ds.attrs, a.facts.periods,
                                                                                     lang, uplift_se),
        appendix={"head": head[1:], "parts": _by_basis(body), "basis": basis_note(lang, uplift=state)},
        figures=figures, figures_note=basis_note(lang, scope=None, uplift=state), bridge=bridge,
        scenarios=_scenario_table(scen, a.facts.periods, lang) if scen is not None else None,
        sobol=sobol, position=_position(ds, a, lang), register=_register(a, lang),
        anchor=str(ds.attrs.get("calibration_anchor", "none declared")),
        reconciliation=_reconciliation(reconcile(a), a, lang), provenance=provenance_rows(ds, lang), files=_FILES)


# What a report folder holds; --force replaces these and nothing else.
REPORT_ENTRIES = ("figures", "tables", "results.nc", "report.html")


def _has_uncertainty(ds: xr.Dataset) -> bool:
    """Whether any input was drawn (not so for a facts file alone)."""
    return "input_random" in ds.coords and bool((ds["input_random"].values == 1).any())


def build_report(
    a: Assumptions,
    out: str | Path,
    draws: int = 100_000,
    rng: int | None = None,
    method: str = "random",
    workers: int = 1,
    lang: str = "nl",
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    results: xr.Dataset | None = None,
    force_folder: bool = False,
) -> Path:
    """Run (or take) a simulation and write the whole appendix folder.

    Parameters
    ----------
    a : Assumptions
        The assumptions. With ``results``, they must be the ones that produced them
        (see :func:`nplv_sim.provenance.assumptions_for_results`; the command line checks).
    out : Path
        The report folder. It may hold other files; the report's own entries
        (:data:`REPORT_ENTRIES`) must not exist unless ``force``.
    draws, rng, method, workers
        As :func:`nplv_sim.simulate`; ignored when ``results`` is given.
    lang : {"nl", "en"}
        Language of the HTML and figures.
    force : bool
        Replace the entries of an existing report; a folder that holds anything else
        is refused unless ``force_folder`` (other files are never touched).
    progress : callable, optional
        Called with a short message before each long step.
    results : Dataset, optional
        Draws of an earlier :func:`nplv_sim.simulate` to report on instead of running.
    force_folder : bool
        With ``force``, accept a folder that holds other files too.

    Returns
    -------
    Path
        The report folder; the HTML is ``out/report.html``.
    """
    say = progress or (lambda msg: None)
    outputs = OutputSet(out, REPORT_ENTRIES, force, force_folder)
    with outputs:
        stage = outputs.stage
        if results is None:
            say(f"simulating {draws:,} draws")
            ds = simulate(a, draws, rng=rng, method=method, workers=workers)
        else:
            ds = results
        ds = public_attrs(ds)
        seed = int(ds.attrs["seed_entropy"]) % 2**32
        say("summarising")
        summary = summarize(ds)
        (stage / "figures").mkdir()
        (stage / "tables").mkdir()
        without = None
        if uplift.is_on(ds.attrs):  # the uplift layer apart: the same draws without it
            say("the same draws without the uplift layer")
            without = uplift.simulate_without(ds, a, workers=workers)
        figs, scen = _figures(a, ds, summary, stage / "figures", lang, seed, say)
        bridge = None
        if _has_uncertainty(ds) and int(ds.attrs["n_draws"]) >= BRIDGE_MIN_DRAWS:
            bridge = _bridge_section(a, ds, stage, lang, say)
        say("tables and files")
        rows = appendix_rows(summarize(with_whole_horizon(ds), APPENDIX_QUANTILES), a.facts.published,
                             with_whole_horizon(ds))
        if without is not None:
            rows = uplift.merge_rows(rows, appendix_rows(summarize(with_whole_horizon(without), APPENDIX_QUANTILES)))
        write_appendix(ds, stage / "tables" / "bijlage", published=a.facts.published, lang=lang, without=without)
        write_text(stage / "tables" / "reconciliation.csv", reconciliation_csv(reconcile(a)))
        summary = uplift.split_summary(summary, ds, a, workers=workers, without=without)
        write_text(stage / "tables" / "summary.csv", summary_csv(summary))
        write_text(stage / "tables" / "provenance.csv", provenance_csv(ds))
        write_text(stage / "tables" / "provenance_nl.csv", provenance_csv(ds, dutch=True))
        write_netcdf(stored(ds), stage / "results.nc")
        say("variance-based (Sobol) indices")
        sobol = _sobol(a, seed, lang) if _has_uncertainty(ds) else None
        has_se = without is not None and ds.sizes["draw"] >= uplift.MIN_DRAWS_FOR_SE
        uplift_se = _uplift_se(ds, without) if has_se else None
        html = render_html(a, ds, summary, figs, rows, appendix_table(rows, None, lang), stage, lang, sobol, scen,
                           bridge, uplift_se)
        write_text(stage / "report.html", html)
    return outputs.folder
