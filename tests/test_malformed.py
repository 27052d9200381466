"""Bad input fails loudly: one AssumptionsError that names the file, the entry and the field.

The corpus has three parts:

* ``EDITS``: the shipped files with one textual defect each, generated at test time into
  a temporary folder (so the corpus follows the shipped files; an edit whose anchor text
  has gone away fails with a message saying so);
* ``RAW``: byte-level defects (empty, binary, UTF-16, non-UTF-8, oversized, a folder, a
  missing file);
* ``tests/malformed/*.toml``: standalone files, each stating its expected error in its
  header (see tests/malformed/README.md).

Every case is also run through the command line: exit code 2, exactly one line on
stderr, no traceback, no results written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xarray as xr

import nplv_sim
from nplv_sim.cli import main
from nplv_sim.errors import AssumptionsError, NplvError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "distributions"
UNCERTAINTY = "rebel_2026_uncertainty.toml"
FACTS = "rebel_2026_facts.toml"
CORPUS = Path(__file__).resolve().parent / "malformed"


@dataclass(frozen=True)
class Edit:
    """One defect: replace ``old`` (which must occur exactly once) by ``new`` in ``target``."""

    name: str
    target: str  # "u" (uncertainty file) or "f" (facts file)
    old: str  # "" appends ``new`` at the end of the file
    new: str
    entry: str  # expected AssumptionsError.entry; a trailing "[" matches any index
    expect: tuple[str, ...]  # substrings of the message: field and reason, then the hint
    names: str = ""  # file the message must name ("u"/"f"); default: the edited one
    at: str = "load"  # "load": load_assumptions fails; "simulate": simulate fails


def _matrix(
    rows: str,
    names: str = '"vat_municipal_reclaimable", "vat_housing_associations_reclaimable", "vat_social_reclaimable"',
) -> str:
    """A ``[correlation_matrix]`` table to append to the uncertainty file."""
    return f'\n[correlation_matrix]\ninputs = [{names}]\nmatrix = {rows}\nsource = "test"\n'


# Blocks of the shipped uncertainty file used as anchors (each occurs once).
EST_NB_P1 = (
    'distribution = "lognormal"\nmedian = 1.0\nsigma = 0.1357\nbaseline = 1.0\n'
    'effect = "need_multiplier"\ncomponents = ["new_build"]\n'
)
KEY_SHIFT_SH = (
    'low = -0.10\nhigh = 0.10\nbaseline = 0.0\nenabled = false\neffect = "key_shift"\n'
    'components = ["social_housing_restructuring"]'
)
KEY_SHIFT_PS = (
    'low = -0.10\nhigh = 0.10\nbaseline = 0.0\nenabled = false\neffect = "key_shift"\ncomponents = ["public_space"]'
)
VAT_MUN_EXCL = 'distribution = "bernoulli"\np = 0.25\nbaseline = 0\neffect = "vat_excluded"\nvat_group = "municipal"'
VAT_MUN_RATE = (
    'value = 0.21\nbaseline = 0.21\neffect = "vat_rate"\nvat_group = "municipal"\n'
    'source = "Wet OB 1968 standard rate (21 %)"'
)
RS_STARTS = "low = 0.5\nmode = 0.9\nhigh = 1.0\nbaseline = 1.0"
LAST_CORR = 'inputs = ["est_social_governance_p1", "est_social_governance_p2"]\nrho = 0.5'
FH_LOW = 'high = "@components.private_stock_restructuring.rijk_key"'
NEED_NB = "need = { P1 = 445, P2 = 445 }"
ORV_ALLOC = "allocation = { public_space = 1 }"

EDITS: list[Edit] = [
    # --- facts file: wrong types, unknown keys, impossible amounts ---------------------
    Edit(
        "facts_pillar_label",
        "f",
        '[pillars.physical]\nsource = "002, ch. 2"',
        '[pillars.physical]\nlabel_nl = "Fysieke pijler"\nsource = "002, ch. 2"',
        "pillars.physical",
        ("label_nl: a pillar's words come from the glossary, not the facts file", "remove the line"),
    ),
    Edit(
        "facts_pillar_unknown",
        "f",
        "[pillars.social]",
        "[pillars.economic]",
        "pillars.economic",
        ("unknown pillar 'economic'", "physical", "social"),
    ),
    Edit(
        "facts_dutch_note_not_text",
        "f",
        'source_nl = "002, tabel 7"\nnote = "The NB',
        'source_nl = 7\nnote = "The NB',
        "published[0]",
        ("source_nl: must be a string, got integer 7",),
    ),
    Edit(
        "facts_field_typo",
        "f",
        "rijk_key = 0.50",
        "rijk_kee = 0.50",
        "components.new_build",
        ("rijk_kee: unknown field", "did you mean 'rijk_key'?"),
    ),
    Edit("facts_need_not_a_table", "f", NEED_NB, 'need = "445"', "components.new_build", ("need: must be a table",)),
    Edit(
        "facts_need_negative",
        "f",
        NEED_NB,
        "need = { P1 = -445, P2 = 445 }",
        "components.new_build",
        ("need.P1: must be at least 0, got -445",),
    ),
    Edit(
        "facts_need_unknown_period",
        "f",
        NEED_NB,
        "need = { P1 = 445, P3 = 445 }",
        "components.new_build",
        ("need.P3: unknown key", "known: P1, P2"),
    ),
    Edit("facts_need_missing_period", "f", NEED_NB, "need = { P1 = 445 }", "components.new_build", ("need: lacks P2",)),
    Edit(
        "facts_key_not_a_number",
        "f",
        "rijk_key = 0.50",
        'rijk_key = "half"',
        "components.new_build",
        ("rijk_key: must be a number, got string 'half'",),
    ),
    Edit(
        "facts_key_above_one",
        "f",
        "rijk_key = 0.30",
        "rijk_key = 1.30",
        "components.social_housing_restructuring",
        ("rijk_key: must be at most 1, got 1.3",),
    ),
    Edit(
        "facts_cofin_negative",
        "f",
        "cofin = 145",
        "cofin = -145",
        "sources.realisatiestimulans",
        ("cofin: must be at least 0, got -145",),
    ),
    Edit("facts_amount_infinite", "f", "rijk = 180", "rijk = inf", "sources.orv", ("rijk: must be finite",)),
    Edit(
        "facts_allocation_unknown_component",
        "f",
        ORV_ALLOC,
        "allocation = { public_spaces = 1 }",
        "sources.orv",
        ("allocation.public_spaces: unknown component", "did you mean 'public_space'?"),
    ),
    Edit(
        "facts_allocation_other_pillar",
        "f",
        ORV_ALLOC,
        "allocation = { safety = 1 }",
        "sources.orv",
        ("allocation.safety: component belongs to pillar 'social', the source to 'physical'",),
    ),
    Edit(
        "facts_allocation_all_zero",
        "f",
        ORV_ALLOC,
        "allocation = { public_space = 0 }",
        "sources.orv",
        ("allocation: weights must not all be zero",),
    ),
    Edit(
        "facts_period_gap",
        "f",
        "first_year = 2030",
        "first_year = 2031",
        "periods.P2",
        ("first_year: 2031 does not follow P1's last year 2029",),
    ),
    Edit(
        "facts_period_reversed",
        "f",
        "first_year = 2026\nlast_year = 2029",
        "first_year = 2026\nlast_year = 2020",
        "periods.P1",
        ("last_year: = 2020 comes before first_year = 2026",),
    ),
    Edit(
        "facts_year_not_whole",
        "f",
        "first_year = 2026",
        "first_year = 2026.5",
        "periods.P1",
        ("first_year: must be a whole number",),
    ),
    Edit(
        "facts_unknown_period",
        "f",
        'period = "P2"\nlabel_nl = "WoKT 2.0"',
        'period = "P3"\nlabel_nl = "WoKT 2.0"',
        "sources.wokt_p2",
        ("period: unknown period 'P3'", "known: P1, P2"),
    ),
    Edit(
        "facts_unknown_pillar",
        "f",
        'pillar = "physical"\nlabel_nl = "Nieuwbouw"',
        'pillar = "fysiek"\nlabel_nl = "Nieuwbouw"',
        "components.new_build",
        ("pillar: unknown pillar 'fysiek'", "known: physical, social"),
    ),
    Edit(
        "facts_wrong_schema",
        "f",
        'schema = "nplv-sim/facts/1"',
        'schema = "nplv-sim/facts/2"',
        "",
        ("schema: is 'nplv-sim/facts/2'", 'expected schema = "nplv-sim/facts/1"'),
    ),
    Edit(
        "facts_schema_of_other_kind",
        "f",
        'schema = "nplv-sim/facts/1"',
        'schema = "nplv-sim/uncertainty/1"',
        "",
        ("schema: is 'nplv-sim/uncertainty/1'", "this is the other kind of file"),
    ),
    Edit(
        "facts_bad_component_name",
        "f",
        "[components.new_build]",
        "[components.New_build]",
        "components.New_build",
        ("name 'New_build' must be lower-case",),
    ),
    Edit(
        "facts_unknown_measure",
        "f",
        'figure = "Opgave fysiek tot 2030"\nmeasure = "need"',
        'figure = "Opgave fysiek tot 2030"\nmeasure = "needs"',
        "published[",
        ("measure: unknown measure 'needs'", "did you mean 'need'?"),
    ),
    Edit(
        "facts_figure_without_value",
        "f",
        "value = { amount = 61, first_year = 2027, last_year = 2029 }\n",
        "",
        "figures.azwa",
        ("value: is required",),
    ),
    Edit(
        "facts_missing_required_field",
        "f",
        'report = "Rebel, Totaalbeeld opgave NPLV, 28 januari 2026"\n',
        "",
        "",
        ("report: is required",),
    ),
    Edit(
        "facts_duplicate_component",
        "f",
        "[components.safety]",
        "[components.work_income]",
        "",
        ("invalid TOML at line", "Cannot declare ('components', 'work_income') twice", "declared twice"),
    ),
    Edit(
        "facts_decimal_comma",
        "f",
        "rijk_key = 0.70",
        "rijk_key = 0,70",
        "",
        ("invalid TOML at line", "'rijk_key = 0,70'", "0.5, not 0,5"),
    ),
    Edit(
        "addon_part_clashes_with_component",
        "f",
        "[components.accessibility]",
        '[components.funderingsherstel_other_homes]\npillar = "physical"\nlabel_nl = "x"\nlabel_en = "x"\n'
        'need = { P1 = 1, P2 = 1 }\nrijk_key = 0.5\nsource = "x"\n\n[components.accessibility]',
        "addons.funderingsherstel",
        ("parts.other_homes:", "clashes with a component of the facts file"),
        names="u",
    ),
    # --- uncertainty file: typos with suggestions -------------------------------------
    Edit(
        "input_field_typo",
        "u",
        EST_NB_P1,
        EST_NB_P1.replace("baseline", "basline"),
        "inputs.est_new_build_p1",
        ("basline: unknown field", "did you mean 'baseline'?"),
    ),
    Edit(
        "input_component_typo",
        "u",
        'components = ["new_build"]\nperiods = ["P1"]',
        'components = ["new_biuld"]\nperiods = ["P1"]',
        "inputs.est_new_build_p1",
        ("components: unknown name 'new_biuld'", "did you mean 'new_build'?"),
    ),
    Edit(
        "input_distribution_typo",
        "u",
        'distribution = "pert"\nlow = 0.5',
        'distribution = "pertt"\nlow = 0.5',
        "inputs.realisatiestimulans_housing_starts",
        ("distribution: unknown distribution 'pertt'", "did you mean 'pert'?"),
    ),
    Edit(
        "input_effect_typo",
        "u",
        'effect = "extra_funding_fraction"',
        'effect = "extra_funding_fractoin"',
        "inputs.wbi_allocation_fraction",
        ("effect: unknown effect 'extra_funding_fractoin'", "did you mean 'extra_funding_fraction'?"),
    ),
    Edit(
        "input_vat_group_typo",
        "u",
        VAT_MUN_RATE,
        VAT_MUN_RATE.replace('vat_group = "municipal"', 'vat_group = "municipall"'),
        "inputs.vat_municipal_rate",
        ("vat_group: unknown vat group 'municipall'", "did you mean 'municipal'?"),
    ),
    Edit(
        "top_level_typo",
        "u",
        'title = "Default',
        'titel = "Default',
        "",
        ("titel: unknown field", "did you mean 'title'?"),
    ),
    Edit(
        "correlation_field_typo",
        "u",
        LAST_CORR,
        LAST_CORR.replace("rho", "rhoo"),
        "correlation[",
        ("rhoo: unknown field", "did you mean 'rho'?"),
    ),
    Edit(
        "vat_group_field_typo",
        "u",
        "[vat_groups.private_owners]",
        '[vat_groups.private_owners]\nlabel_nll = "x"',
        "vat_groups.private_owners",
        ("label_nll: unknown field",),
    ),
    Edit(
        "field_for_another_effect",
        "u",
        'components = ["new_build"]\nperiods = ["P1"]',
        'components = ["new_build"]\nperiods = ["P1"]\npart = "rijk"',
        "inputs.est_new_build_p1",
        ("part: does not apply to effect 'need_multiplier'",),
    ),
    Edit(
        "key_with_line_break",
        "u",
        "[inputs.est_new_build_p1]",
        '[inputs.est_new_build_p1]\n"a\\nb" = 1',
        "inputs.est_new_build_p1",
        ("a\\nb: unknown field",),
    ),
    # --- wrong types and missing fields ----------------------------------------------
    Edit(
        "names_not_a_list",
        "u",
        'components = ["new_build"]\nperiods = ["P1"]',
        'components = "new_build"\nperiods = ["P1"]',
        "inputs.est_new_build_p1",
        ("components: must be a list of names, got string 'new_build'",),
    ),
    Edit(
        "boolean_as_string",
        "u",
        KEY_SHIFT_PS,
        KEY_SHIFT_PS.replace("enabled = false", 'enabled = "no"'),
        "inputs.key_shift_public_space",
        ("enabled: must be true or false, got string 'no'",),
    ),
    Edit("number_as_string", "u", "p = 0.10", 'p = "0.10"', "inputs.vat_social_excluded", ("p: must be a number",)),
    Edit(
        "input_missing_source",
        "u",
        VAT_MUN_RATE,
        VAT_MUN_RATE.replace('\nsource = "Wet OB 1968 standard rate (21 %)"', ""),
        "inputs.vat_municipal_rate",
        ("source: is required",),
    ),
    Edit(
        "input_missing_distribution",
        "u",
        EST_NB_P1,
        EST_NB_P1.replace('distribution = "lognormal"\n', ""),
        "inputs.est_new_build_p1",
        ("distribution: is required",),
    ),
    Edit(
        "both_components_and_pillars",
        "u",
        'pillars = ["social"]\nperiods = ["P2"]',
        'pillars = ["social"]\ncomponents = ["safety"]\nperiods = ["P2"]',
        "inputs.social_p2_persistence",
        ("components: give either components or pillars",),
    ),
    Edit(
        "bad_input_name",
        "u",
        "[inputs.est_new_build_p1]",
        "[inputs.Est_new_build_p1]",
        "inputs.Est_new_build_p1",
        ("name 'Est_new_build_p1' must be lower-case",),
    ),
    # --- impossible parameters ----------------------------------------------------------
    Edit(
        "low_above_high",
        "u",
        KEY_SHIFT_SH,
        KEY_SHIFT_SH.replace("low = -0.10\nhigh = 0.10", "low = 0.10\nhigh = -0.10"),
        "inputs.key_shift_social_housing",
        ("high: high = -0.1 must exceed low = 0.1",),
    ),
    Edit(
        "sd_zero",
        "u",
        EST_NB_P1,
        EST_NB_P1.replace(
            '"lognormal"\nmedian = 1.0\nsigma = 0.1357', '"truncnormal"\nmean = 1.0\nsd = 0.0\nlow = 0.0'
        ),
        "inputs.est_new_build_p1",
        ("sd: sd must be positive",),
    ),
    Edit(
        "probability_above_one",
        "u",
        VAT_MUN_EXCL,
        VAT_MUN_EXCL.replace("p = 0.25", "p = 1.25"),
        "inputs.vat_municipal_excluded",
        ("p: p = 1.25 lies outside [0, 1]",),
    ),
    Edit(
        "probability_negative",
        "u",
        "p = 0.10",
        "p = -0.1",
        "inputs.vat_social_excluded",
        ("p: p = -0.1 lies outside [0, 1]",),
    ),
    Edit(
        "probs_do_not_sum_to_one",
        "u",
        "probs = [0.40, 0.15, 0.20, 0.15, 0.10]",
        "probs = [0.40, 0.15, 0.20, 0.15, 0.20]",
        "inputs.wbi_allocation_fraction",
        ("probs: must sum to 1, sum to 1.1",),
    ),
    Edit(
        "shares_do_not_sum_to_one",
        "u",
        "parts = { vulnerable_stock = 0.5, other_homes = 0.5 }",
        "parts = { vulnerable_stock = 0.5, other_homes = 0.6 }",
        "addons.funderingsherstel",
        ("parts: shares must sum to 1, sum to 1.1",),
    ),
    Edit(
        "negative_amount",
        "u",
        "local_match = 0.0",
        "local_match = -1.0",
        "extra_funding.wbi",
        ("local_match: must be at least 0, got -1",),
    ),
    Edit(
        "negative_figure_through_reference",
        "f",
        "value = { P1 = 0, P2 = 43 }",
        "value = { P1 = 0, P2 = -43 }",
        "extra_funding.wbi",
        ("pro_rata_rijk.P2: must be at least 0, got -43",),
        names="u",
    ),
    Edit(
        "baseline_outside_range",
        "u",
        RS_STARTS,
        RS_STARTS.replace("baseline = 1.0", "baseline = 1.2"),
        "inputs.realisatiestimulans_housing_starts",
        ("baseline: = 1.2 lies outside the distribution's range [0.5, 1]",),
    ),
    Edit(
        "negative_need_multiplier",
        "u",
        EST_NB_P1,
        EST_NB_P1.replace('"lognormal"\nmedian = 1.0\nsigma = 0.1357', '"uniform"\nlow = -0.5\nhigh = 2.5'),
        "inputs.est_new_build_p1",
        ("distribution: uniform law gives values from -0.5 to 2.5", "need_multiplier must lie in [0, inf)"),
    ),
    Edit(
        "unbounded_need_multiplier",
        "u",
        EST_NB_P1,
        EST_NB_P1.replace('"lognormal"\nmedian = 1.0\nsigma = 0.1357', '"normal"\nmean = 1.0\nsd = 0.2'),
        "inputs.est_new_build_p1",
        ("distribution: normal law gives values from -inf to inf", "truncnormal with low = 0"),
    ),
    Edit(
        "key_shift_beyond_one",
        "u",
        KEY_SHIFT_PS,
        KEY_SHIFT_PS.replace("low = -0.10", "low = -1.10"),
        "inputs.key_shift_public_space",
        ("distribution: uniform law gives values from -1.1 to 0.1, but a key_shift must lie in [-1, 1]",),
    ),
    Edit(
        "vat_rate_above_one",
        "u",
        VAT_MUN_RATE,
        VAT_MUN_RATE.replace("value = 0.21\nbaseline = 0.21", "value = 1.21\nbaseline = 1.21"),
        "inputs.vat_municipal_rate",
        ("distribution: fixed law gives values from 1.21 to 1.21, but a vat_rate must lie in [0, 1]",),
    ),
    Edit(
        "vat_excluded_not_binary",
        "u",
        VAT_MUN_EXCL,
        VAT_MUN_EXCL.replace('"bernoulli"\np = 0.25', '"uniform"\nlow = 0\nhigh = 1'),
        "inputs.vat_municipal_excluded",
        ("distribution: a vat_excluded input is 0 or 1", "bernoulli"),
    ),
    Edit(
        "beta_shape_zero",
        "u",
        "alpha = 8.0",
        "alpha = 0.0",
        "inputs.vat_municipal_reclaimable",
        ("alpha: alpha must be positive",),
    ),
    Edit(
        "lognormal_interval_not_positive",
        "u",
        "interval = [1.00, 1.40]",
        "interval = [0.0, 1.40]",
        "inputs.optimism_bias_uplift",
        ("interval: a lognormal interval must be positive",),
    ),
    Edit(
        "pert_mode_outside",
        "u",
        "low = 0.7\nmode = 1.0\nhigh = 1.0",
        "low = 0.7\nmode = 1.1\nhigh = 1.0",
        "inputs.wokt_cofinancing",
        ("mode: mode = 1.1 must lie in [low, high]",),
    ),
    Edit(
        "law_overflows",
        "u",
        "interval = [1.00, 1.40]",
        "interval = [0.5, 1e300]",
        "inputs.optimism_bias_uplift",
        ("distribution: lognormal law overflows",),
    ),
    Edit(
        "coverage_without_interval",
        "u",
        "baseline = 0.35",
        "baseline = 0.35\ncoverage = 0.9",
        "inputs.funderingsherstel_rijk_share_vulnerable",
        ("coverage: applies only together with interval",),
    ),
    Edit(
        "year_weight_outside_periods",
        "u",
        "parts = { vulnerable_stock = 0.5, other_homes = 0.5 }",
        "parts = { vulnerable_stock = 0.5, other_homes = 0.5 }\nyear_weights = { 2040 = 1 }",
        "addons.funderingsherstel",
        ("year_weights.2040: must be a year from 2026 to 2035",),
    ),
    # --- correlations -------------------------------------------------------------------
    Edit(
        "correlation_unknown_input",
        "u",
        LAST_CORR,
        LAST_CORR.replace("governance_p2", "governance_p3"),
        "correlation[",
        (
            "inputs: unknown name 'est_social_governance_p3'",
            "did you mean 'est_social_governance_p2'?",
        ),
    ),
    Edit(
        "rho_below_minus_one",
        "u",
        LAST_CORR,
        LAST_CORR.replace("0.5", "-1.2"),
        "correlation[",
        ("rho: must be at least -1, got -1.2",),
    ),
    Edit(
        "rho_not_a_number",
        "u",
        LAST_CORR,
        LAST_CORR.replace("0.5", "nan"),
        "correlation[",
        ("rho: must be finite, got nan",),
    ),
    Edit(
        "correlation_one_input",
        "u",
        LAST_CORR,
        LAST_CORR.replace('"est_social_governance_p1", ', ""),
        "correlation[",
        ("inputs: needs at least two inputs",),
    ),
    Edit(
        "correlation_conflict",
        "u",
        "",
        '\n[[correlation]]\ninputs = ["est_social_governance_p2", "est_social_governance_p1"]\n'
        'rho = 0.4\nsource = "test"\n',
        "correlation[",
        ("rho: 'est_social_governance_p2' and 'est_social_governance_p1' are given two correlations", "0.5", "0.4"),
    ),
    Edit(
        "matrix_not_square",
        "u",
        "",
        _matrix("[[1.0, 0.2, 0.1], [0.2, 1.0, 0.3]]"),
        "correlation_matrix",
        ("matrix: must be a square 3 x 3 list of rows", "got 2 rows"),
    ),
    Edit(
        "matrix_ragged",
        "u",
        "",
        _matrix("[[1.0, 0.2, 0.1], [0.2, 1.0], [0.1, 0.3, 1.0]]"),
        "correlation_matrix",
        ("matrix[1]: must be a row of 3 numbers", "got 2 entries"),
    ),
    Edit(
        "matrix_not_symmetric",
        "u",
        "",
        _matrix("[[1.0, 0.2, 0.1], [0.25, 1.0, 0.3], [0.1, 0.3, 1.0]]"),
        "correlation_matrix",
        ("matrix[1][0]: not symmetric: 0.25 vs matrix[0][1] = 0.2",),
    ),
    Edit(
        "matrix_diagonal_not_one",
        "u",
        "",
        _matrix("[[1.0, 0.2, 0.1], [0.2, 0.9, 0.3], [0.1, 0.3, 1.0]]"),
        "correlation_matrix",
        ("matrix[1][1]: the diagonal must be 1, got 0.9",),
    ),
    Edit(
        "matrix_entry_above_one",
        "u",
        "",
        _matrix("[[1.0, 0.2, 0.1], [0.2, 1.0, 1.3], [0.1, 1.3, 1.0]]"),
        "correlation_matrix",
        ("matrix[1][2]: must be at most 1, got 1.3",),
    ),
    Edit(
        "matrix_conflicts_with_correlation",
        "u",
        "",
        _matrix("[[1.0, 0.1], [0.1, 1.0]]", '"est_social_governance_p1", "est_social_governance_p2"'),
        "correlation_matrix",
        ("matrix: 'est_social_governance_p1' and 'est_social_governance_p2' are given two correlations",),
    ),
    Edit(
        "correlations_far_from_valid",
        "u",
        "",
        _matrix(
            "[[1.0, 0.95, -0.95], [0.95, 1.0, 0.95], [-0.95, 0.95, 1.0]]",
            '"realisatiestimulans_cofinancing", "wokt_cofinancing", "spuk_amount"',
        ),
        "correlation",
        ("far from a valid matrix",),
        at="simulate",
    ),
    # --- duplicates (TOML refuses duplicate keys and tables) ----------------------------
    Edit(
        "duplicate_input",
        "u",
        "[inputs.est_social_housing_p1]",
        "[inputs.est_new_build_p1]",
        "",
        ("invalid TOML at line", "Cannot declare ('inputs', 'est_new_build_p1') twice", "declared twice"),
    ),
    Edit(
        "duplicate_key",
        "u",
        'label_nl = "Ramingsonzekerheid nieuwbouw, tot 2030"',
        'label_nl = "Ramingsonzekerheid nieuwbouw, tot 2030"\nbaseline = 1.0',
        "",
        ("invalid TOML at line", "Cannot overwrite a value", "a key given twice"),
    ),
    # --- references and the facts file -------------------------------------------------
    Edit(
        "reference_to_nothing",
        "u",
        FH_LOW,
        'high = "@components.nonexistent.rijk_key"',
        "inputs.funderingsherstel_rijk_share_vulnerable",
        ("high: reference '@components.nonexistent.rijk_key' names nothing in the facts file", "new_build"),
    ),
    Edit(
        "reference_to_a_table",
        "u",
        FH_LOW,
        'high = "@components.private_stock_restructuring"',
        "inputs.funderingsherstel_rijk_share_vulnerable",
        ("high: must be a number",),
    ),
    Edit(
        "reference_attribute_access",
        "u",
        FH_LOW,
        'high = "@__class__.__init__"',
        "inputs.funderingsherstel_rijk_share_vulnerable",
        ("high: reference '@__class__.__init__' names nothing in the facts file",),
    ),
    Edit(
        "facts_file_missing",
        "u",
        'facts = "rebel_2026_facts.toml"',
        'facts = "rebel_2026_fact.toml"',
        "",
        ("facts: file 'rebel_2026_fact.toml' not found", "did you mean 'rebel_2026_facts.toml'?"),
    ),
    Edit(
        "facts_is_this_file",
        "u",
        'facts = "rebel_2026_facts.toml"',
        'facts = "rebel_2026_uncertainty.toml"',
        "",
        ("facts: names this file itself",),
    ),
    Edit(
        "facts_not_a_string",
        "u",
        'facts = "rebel_2026_facts.toml"',
        "facts = 3",
        "",
        ("facts: must be a string, got integer 3",),
    ),
    Edit(
        "uncertainty_wrong_schema",
        "u",
        'schema = "nplv-sim/uncertainty/1"',
        'schema = "nplv-sim/uncertainty/2"',
        "",
        ("schema: is 'nplv-sim/uncertainty/2'", 'expected schema = "nplv-sim/uncertainty/1"'),
    ),
    Edit(
        "uncertainty_schema_missing",
        "u",
        'schema = "nplv-sim/uncertainty/1"\n',
        "",
        "",
        ("schema: is missing", 'expected schema = "nplv-sim/uncertainty/1"'),
    ),
    Edit(
        "uncertainty_with_facts_schema",
        "u",
        'schema = "nplv-sim/uncertainty/1"',
        'schema = "nplv-sim/facts/1"',
        "",
        (
            "schema: is 'nplv-sim/facts/1' but the file holds uncertainty entries",
            'expected schema = "nplv-sim/uncertainty/1"',
        ),
    ),
    # --- roles: VAT groups, add-ons, extra funding -------------------------------------
    Edit(
        "vat_group_missing_role",
        "u",
        VAT_MUN_RATE,
        VAT_MUN_RATE.replace('vat_group = "municipal"', 'vat_group = "social"'),
        "vat_groups.municipal",
        ("needs exactly one input with effect = 'vat_rate', found 0",),
    ),
    Edit(
        "vat_group_unknown_component",
        "u",
        'components = ["private_stock_restructuring"]\nlabel_en = "Private owners"',
        'components = ["private_stock"]\nlabel_en = "Private owners"',
        "vat_groups.private_owners",
        ("components: unknown name 'private_stock'", "did you mean 'private_stock_restructuring'?"),
    ),
    Edit(
        "component_in_two_vat_groups",
        "u",
        'components = ["social_housing_restructuring"]\nlabel_en = "Housing',
        'components = ["social_housing_restructuring", "new_build"]\nlabel_en = "Housing',
        "vat_groups.housing_associations",
        ("components: 'new_build' is already in vat group 'municipal'",),
    ),
    Edit(
        "addon_without_amount",
        "u",
        'effect = "addon_amount"\naddon = "funderingsherstel"',
        'effect = "addon_amount"\naddon = "large_accessibility_works"',
        "addons.funderingsherstel",
        ("needs at least one input with effect = 'addon_amount'",),
    ),
    Edit(
        "addon_unknown_pillar",
        "u",
        'pillar = "physical"\nlabel_en = "Foundation repair"',
        'pillar = "physical_pillar"\nlabel_en = "Foundation repair"',
        "addons.funderingsherstel",
        ("pillar: unknown pillar 'physical_pillar'", "did you mean 'physical'?"),
    ),
    Edit(
        "extra_funding_unknown_component",
        "u",
        'component = "new_build"',
        'component = "newbuild"',
        "extra_funding.wbi",
        ("component: unknown component 'newbuild'", "did you mean 'new_build'?"),
    ),
    Edit(
        "funding_part_invalid",
        "u",
        'part = "cofin"\nsource = "002 par. 2.2',
        'part = "cofinancing"\nsource = "002 par. 2.2',
        "inputs.realisatiestimulans_cofinancing",
        ("part: must be 'rijk', 'cofin' or 'both', got 'cofinancing'",),
    ),
    Edit(
        "funding_unknown_source",
        "u",
        'sources = ["wokt_p1", "wokt_p2"]',
        'sources = ["wokt_p1", "wokt_p3"]',
        "inputs.wokt_cofinancing",
        ("sources: unknown name 'wokt_p3'", "did you mean 'wokt_p2'?"),
    ),
]


def _apply(text: str, edit: Edit) -> str:
    if not edit.old:
        return text + edit.new
    found = text.count(edit.old)
    assert found == 1, (
        f"case {edit.name}: anchor {edit.old[:50]!r} occurs {found} times in the shipped file; update the case"
    )
    return text.replace(edit.old, edit.new)


def materialise(edit: Edit, folder: Path) -> Path:
    """Copy the shipped pair into ``folder`` with ``edit`` applied; the uncertainty file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, key in ((UNCERTAINTY, "u"), (FACTS, "f")):
        text = (SHIPPED / name).read_text(encoding="utf-8")
        (folder / name).write_text(_apply(text, edit) if key == edit.target else text, encoding="utf-8")
    return folder / UNCERTAINTY


def _raise(path: Path, at: str = "load") -> None:
    """Load (and for ``at == "simulate"`` simulate) ``path``; the test expects this to raise."""
    a = nplv_sim.load_assumptions(path)
    if at == "simulate":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nplv_sim.simulate(a, draws=100, rng=1)


def check_error(exc: AssumptionsError, file: Path, entry: str, expect: tuple[str, ...]) -> None:
    """The message names the file, the entry and contains every expected substring."""
    text = str(exc)
    assert Path(exc.path).name == file.name, text
    assert text.startswith(exc.path), text
    if entry.endswith("["):
        assert exc.entry.startswith(entry), text
    else:
        assert exc.entry == entry, text
    if entry:
        assert f"[{exc.entry}]" in text, text
    for piece in expect:
        assert piece in text, f"{piece!r} not in {text!r}"
    assert "\n" not in text and "Traceback" not in text


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.name)
def test_edited_shipped_file_fails_clearly(edit: Edit, tmp_path: Path) -> None:
    path = materialise(edit, tmp_path)
    named = tmp_path / (FACTS if (edit.names or edit.target) == "f" else UNCERTAINTY)
    with pytest.raises(AssumptionsError) as info:
        _raise(path, edit.at)
    check_error(info.value, named, edit.entry, edit.expect)


def test_shipped_files_load_and_edits_are_needed() -> None:
    # Positive control: the unedited pair loads, so every failure above is the edit's.
    a = nplv_sim.load_assumptions(SHIPPED / UNCERTAINTY)
    assert len(a.inputs) > 30
    nplv_sim.load_assumptions(SHIPPED / FACTS)
    assert len({e.name for e in EDITS}) == len(EDITS)


# ---------------------------------------------------------------------------------------
# Byte-level defects
# ---------------------------------------------------------------------------------------
def _latin1(folder: Path) -> Path:
    text = (
        (SHIPPED / UNCERTAINTY)
        .read_text(encoding="utf-8")
        .replace("Default uncertainty register", "Default uncertainty registór", 1)  # the first non-ASCII byte
    )
    path = folder / UNCERTAINTY
    path.write_bytes(text.encode("latin-1", errors="replace"))  # other non-Latin-1 text becomes "?"
    shutil.copy(SHIPPED / FACTS, folder / FACTS)
    return path


def _latin1_line() -> str:
    text = (SHIPPED / UNCERTAINTY).read_text(encoding="utf-8")
    return f"at line {text[: text.index('Default uncertainty register')].count(chr(10)) + 1}"


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


def _folder(folder: Path) -> Path:
    (folder / "a_folder.toml").mkdir()
    return folder / "a_folder.toml"


RAW: list[tuple[str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("empty", _write("empty.toml", b""), ("file is empty",)),
    ("blank", _write("blank.toml", b"  \n\t\n"), ("file is empty",)),
    ("binary", _write("image.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ("is a binary file, not TOML text",)),
    (
        "utf16",
        _write("utf16.toml", 'schema = "nplv-sim/uncertainty/1"\n'.encode("utf-16")),
        ("is UTF-16 text", "save it as UTF-8"),
    ),
    ("latin1", _latin1, ("is not UTF-8 text: byte 0xf3", _latin1_line(), "save the file as UTF-8")),
    ("oversized", _write("big.toml", b"# padding\n" * 600_000), ("bytes; an assumptions file is at most",)),
    ("folder", _folder, ("is a folder",)),
    ("missing", lambda folder: folder / "rebel_2026_uncertainty.tom", ("file not found",)),
]


@pytest.mark.parametrize(("name", "make", "expect"), RAW, ids=[r[0] for r in RAW])
def test_unreadable_file_fails_clearly(
    name: str, make: Callable[[Path], Path], expect: tuple[str, ...], tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(AssumptionsError) as info:
        nplv_sim.load_assumptions(path)
    check_error(info.value, path, "", expect)


def test_missing_file_suggests_a_close_name(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / UNCERTAINTY, tmp_path / UNCERTAINTY)
    with pytest.raises(AssumptionsError, match=r"file not found \(did you mean 'rebel_2026_uncertainty.toml'\?\)"):
        nplv_sim.load_assumptions(tmp_path / "rebel_2026_uncertainty.tom")


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    # Notepad and Excel write one; it is not an error, and the numbers are unchanged.
    for name in (UNCERTAINTY, FACTS):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + (SHIPPED / name).read_bytes())
    a = nplv_sim.load_assumptions(tmp_path / UNCERTAINTY)
    assert [i.name for i in a.inputs] == [i.name for i in nplv_sim.load_assumptions().inputs]


# ---------------------------------------------------------------------------------------
# Standalone files in tests/malformed/
# ---------------------------------------------------------------------------------------
def _standalone() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.toml") if not p.name.startswith("_"))


def _header(path: Path) -> tuple[str, tuple[str, ...]]:
    entry, expect = None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect-entry:"):
            entry = line.split(":", 1)[1].strip()
        elif line.startswith("# expect:"):
            expect.append(line.split(":", 1)[1].strip())
    assert entry is not None and expect, f"{path.name}: header lacks '# expect-entry:' or '# expect:'"
    return entry, tuple(expect)


@pytest.mark.parametrize("path", _standalone(), ids=lambda p: p.stem)
def test_standalone_file_fails_clearly(path: Path) -> None:
    entry, expect = _header(path)
    with pytest.raises(AssumptionsError) as info:
        nplv_sim.load_assumptions(path)
    check_error(info.value, path, entry, expect)


def test_standalone_helper_facts_file_is_valid() -> None:
    facts = nplv_sim.load_assumptions(CORPUS / "_small_facts.toml").facts
    assert [c.name for c in facts.components] == ["houses"]


def test_corpus_size() -> None:
    assert len(EDITS) + len(RAW) + len(_standalone()) >= 45


# ---------------------------------------------------------------------------------------
# The command line: exit 2, one line, no traceback, nothing written
# ---------------------------------------------------------------------------------------
def _all_cases() -> list[tuple[str, Callable[[Path], Path]]]:
    cases: list[tuple[str, Callable[[Path], Path]]] = [(e.name, lambda d, e=e: materialise(e, d / "in")) for e in EDITS]
    cases += [(name, make) for name, make, _ in RAW]
    cases += [(p.stem, lambda d, p=p: p) for p in _standalone()]
    return cases


@pytest.mark.parametrize(("name", "make"), _all_cases(), ids=[c[0] for c in _all_cases()])
def test_cli_reports_one_line_and_exit_2(
    name: str, make: Callable[[Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)
    out = tmp_path / "o"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["run", str(path), "--draws", "100", "--seed", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("nplv-sim: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not (out / "results.nc").exists() and not (out / "summary.csv").exists()


def test_draws_that_do_not_fit_are_refused_before_allocating(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a = nplv_sim.load_assumptions()
    with pytest.raises(NplvError, match=r"1,000,000,000,000 draws would need about .* GiB"):
        nplv_sim.simulate(a, draws=10**12, rng=1)
    out = tmp_path / "o"
    assert main(["run", "--draws", str(10**12), "--seed", "1", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GiB" in err and "Traceback" not in err
    assert not (out / "results.nc").exists()


# ---------------------------------------------------------------------------------------
# Loading never executes code
# ---------------------------------------------------------------------------------------
FORBIDDEN = {
    "import pickle\n": "TID251",
    "from yaml import load\n": "TID251",
    "import marshal\n": "TID251",
    "x = eval('1')\n": "S307",
    "exec('x = 1')\n": "S102",
    "import yaml\ny = yaml.load(s)\n": "S506",
}


@pytest.mark.parametrize("snippet", list(FORBIDDEN))
def test_lint_refuses_code_that_would_execute_or_unpickle(snippet: str) -> None:
    """ruff (run on src/ by the test command) refuses eval, exec and unpickling in the package."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    res = subprocess.run(
        [ruff, "check", "--no-cache", "--output-format", "concise", "--stdin-filename", "src/nplv_sim/probe.py", "-"],
        input=snippet,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 1 and FORBIDDEN[snippet] in res.stdout, res.stdout + res.stderr


def test_assumptions_are_read_with_tomllib_only() -> None:
    reader = (ROOT / "src" / "nplv_sim" / "tomlreader.py").read_text(encoding="utf-8")
    assert "tomllib.loads(" in reader
    loader = (ROOT / "src" / "nplv_sim" / "assumptions.py").read_text(encoding="utf-8")
    assert "read_toml_hashed(" in loader and "open(" not in loader


# ---------------------------------------------------------------------------------------
# Exit codes beyond bad input, and atomic writes (the command line's other promises)
# ---------------------------------------------------------------------------------------
def _run_cli(out: Path) -> int:
    return main(["run", "--draws", "200", "--seed", "1", "--out", str(out), "--quiet"])


def _no_output(out: Path) -> bool:
    return not (out / "results.nc").exists() and not (out / "summary.csv").exists() and not list(out.glob(".*.part"))


def test_interrupt_exits_130_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("nplv_sim.simulation.run_kept", interrupted)
    assert _run_cli(tmp_path / "o") == 130
    assert "interrupted" in capsys.readouterr().err
    assert _no_output(tmp_path / "o")


def test_internal_error_exits_1_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something the code did not expect")

    monkeypatch.delenv("NPLV_SIM_DEBUG", raising=False)
    monkeypatch.setattr("nplv_sim.simulation.run_kept", broken)
    assert _run_cli(tmp_path / "o") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError" in err and "Traceback" not in err
    assert _no_output(tmp_path / "o")


@pytest.mark.parametrize(("failure", "code"), [(KeyboardInterrupt(), 130), (OSError(28, "No space left on device"), 2)])
def test_write_that_fails_halfway_leaves_no_partial_file(
    failure: BaseException,
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def half_written(self: xr.Dataset, path: str | Path, *args: object, **kwargs: object) -> None:
        Path(path).write_bytes(b"CDF\x01 partial")
        raise failure

    monkeypatch.setattr(xr.Dataset, "to_netcdf", half_written)
    assert _run_cli(tmp_path / "o") == code
    assert capsys.readouterr().err.count("\n") <= 2  # "\n" + message for an interrupt
    assert _no_output(tmp_path / "o")


def test_existing_results_survive_a_failed_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    assert _run_cli(out) == 0
    before = (out / "results.nc").read_bytes()
    assert _run_cli(out) == 2  # refused: no --force

    def failing(self: xr.Dataset, path: str | Path, *args: object, **kwargs: object) -> None:
        Path(path).write_bytes(b"partial")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", failing)
    assert main(["run", "--draws", "200", "--seed", "2", "--out", str(out), "--quiet", "--force"]) == 2
    assert (out / "results.nc").read_bytes() == before
    assert not list(out.glob(".*.part"))


def test_bad_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--draws", "abc"])
    assert info.value.code == 2
    assert "--draws: must be a whole number" in capsys.readouterr().err
