"""Frozen dataclasses for validated assumptions. No I/O here (see :mod:`assumptions`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from .core.distributions import Law

__all__ = [
    "Addon",
    "Assumptions",
    "Calibration",
    "Component",
    "Correlation",
    "Document",
    "ExtraFunding",
    "Facts",
    "FundingSource",
    "Input",
    "Note",
    "Period",
    "Pillar",
    "Published",
    "VatGroup",
    "in_language",
]

# The group of the named, switchable uplift layer (optimism bias / reference class).
UPLIFT_GROUP = "uplift"
# What Rebel's figures are taken to be for the estimation-error multipliers.
ANCHORS = ("median", "mean")
# Prefix of an English text shown in Dutch output because the file gives no Dutch one.
ENGLISH_MARK = "[en] "


def in_language(english: str, dutch: str, lang: str) -> str:
    """A file's text in the reader's language.

    English output gets ``english``. Dutch output gets ``dutch``; where a file gives no
    Dutch text, the English one marked :data:`ENGLISH_MARK`, so the gap shows (the shipped
    files give every Dutch text: a test checks).
    """
    if lang != "nl":
        return english
    if dutch or not english:
        return dutch
    return ENGLISH_MARK + english


class _Texts:
    """Texts read from a file in two languages: field ``x`` in English, ``x_nl`` in Dutch."""

    def text(self, field: str, lang: str) -> str:
        """Field ``field`` in language ``lang`` (see :func:`in_language`)."""
        return in_language(getattr(self, field), getattr(self, f"{field}_nl"), lang)


@dataclass(frozen=True)
class Period:
    """A reporting period (P1, P2) with its calendar years."""

    name: str
    first_year: int
    last_year: int
    label_nl: str
    label_en: str
    source: str

    @property
    def years(self) -> int:
        """Number of calendar years in the period."""
        return self.last_year - self.first_year + 1


@dataclass(frozen=True)
class Pillar:
    """A pillar of the programme (physical, social). Its words are the glossary's
    (:func:`nplv_sim.glossary.term`), not the facts file's."""

    name: str
    source: str


@dataclass(frozen=True)
class Component:
    """A component (physical) or theme (social) with its gross need per period [EUR M]."""

    name: str
    pillar: str
    label_nl: str
    label_en: str
    need: MappingProxyType  # period -> float
    rijk_key: float
    source: str
    published_rijk: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    note: str = ""
    addon: str = ""  # name of the add-on this component belongs to ('' = headline)


@dataclass(frozen=True)
class FundingSource:
    """Arranged funding (dekking) from one source in one period [EUR M]."""

    name: str
    pillar: str
    period: str
    label_nl: str
    cofin: float
    rijk: float
    allocation: MappingProxyType  # component -> normalised weight
    source: str
    note: str = ""


@dataclass(frozen=True)
class Published(_Texts):
    """A figure the report publishes, for the reconciliation. ``figure`` is the report's
    own (Dutch) name; ``source``/``note`` are English, ``source_nl``/``note_nl`` Dutch."""

    figure: str
    measure: str
    pillar: str
    period: str
    scope: str
    netting: str
    value: float
    source: str
    note: str = ""
    source_nl: str = ""
    note_nl: str = ""


@dataclass(frozen=True)
class Note(_Texts):
    """A point where the sources disagree, listed by ``nplv-sim baseline`` and the report."""

    topic: str
    source: str
    note: str
    scenario: str = ""  # shipped scenario that shows its effect ('' = no numbers move)
    topic_nl: str = ""
    source_nl: str = ""
    note_nl: str = ""


@dataclass(frozen=True)
class Document(_Texts):
    """A document the texts cite by its key (``002`` for the Rebel report), with its title."""

    key: str
    title: str
    title_nl: str = ""


@dataclass(frozen=True)
class Facts:
    """The report's figures (the facts file)."""

    path: str
    sha256: str
    title: str
    report: str
    periods: tuple[Period, ...]
    pillars: tuple[Pillar, ...]
    components: tuple[Component, ...]
    sources: tuple[FundingSource, ...]
    figures: MappingProxyType
    published: tuple[Published, ...]
    notes: tuple[Note, ...] = ()
    documents: tuple[Document, ...] = ()
    # The parsed file, for the @references of the uncertainty file and scenarios: the
    # facts are read (and hashed) once.
    data: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)


@dataclass(frozen=True)
class Input(_Texts):
    """One uncertain input: its law, baseline value, effect and documentation."""

    name: str
    group: str
    label_en: str
    label_nl: str
    unit: str
    distribution: str
    params: MappingProxyType  # resolved parameters as written (after @references)
    law: Law
    baseline: float
    enabled: bool
    effect: str
    targets: MappingProxyType  # effect-specific: components, periods, sources, ...
    source: str
    rationale: str
    rationale_nl: str = ""  # optional Dutch rationale for the Dutch appendix ("" = not given)
    source_nl: str = ""  # optional Dutch source, likewise

    @property
    def is_random(self) -> bool:
        """Whether the input is drawn (enabled and not a constant law)."""
        return self.enabled and self.law.is_random


@dataclass(frozen=True)
class VatGroup:
    """Components whose VAT treatment is modelled together."""

    name: str
    components: tuple[str, ...]
    label_en: str
    source: str


@dataclass(frozen=True)
class Addon(_Texts):
    """Need outside the report's headline (e.g. funderingsherstel)."""

    name: str
    pillar: str
    label_en: str
    label_nl: str
    parts: MappingProxyType  # part -> share (sums to 1)
    year_weights: MappingProxyType  # year -> weight
    enabled: bool
    source: str
    rationale: str
    source_nl: str = ""
    rationale_nl: str = ""

    def component_name(self, part: str) -> str:
        """Name of the component that carries one part of the add-on."""
        return f"{self.name}_{part}"


@dataclass(frozen=True)
class ExtraFunding(_Texts):
    """Conditional Rijk funding capped at the remaining Rijk need (e.g. Wbi)."""

    name: str
    component: str
    pro_rata: MappingProxyType  # period -> EUR M
    local_match: float
    label_en: str
    label_nl: str
    source: str
    rationale: str
    source_nl: str = ""
    rationale_nl: str = ""


@dataclass(frozen=True)
class Correlation(_Texts):
    """A declared rank correlation ``rho`` between every pair of ``inputs``."""

    inputs: tuple[str, ...]
    rho: float
    source: str
    rationale: str
    source_nl: str = ""
    rationale_nl: str = ""


@dataclass(frozen=True)
class Calibration(_Texts):
    """What Rebel's figures are taken to be: the median or the mean of each estimation-error
    multiplier (which then equals exactly 1)."""

    anchor: str
    source: str
    rationale: str
    source_nl: str = ""
    rationale_nl: str = ""


@dataclass(frozen=True)
class Assumptions:
    """Validated assumptions: facts plus uncertainty, ready to simulate."""

    path: str
    sha256: str
    title: str
    facts: Facts
    inputs: tuple[Input, ...] = ()
    vat_groups: tuple[VatGroup, ...] = ()
    addons: tuple[Addon, ...] = ()
    extra_funding: tuple[ExtraFunding, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    correlation_matrix: tuple[tuple[str, ...], tuple[tuple[float, ...], ...]] | None = None
    calibration: Calibration | None = None
    scenario: str = "baseline"
    scenario_label_nl: str = ""  # the last overlay's labels ('' without a scenario)
    scenario_label_en: str = ""
    scenario_files: tuple[tuple[str, str], ...] = ()  # (path, sha256) of overlays
    extra_sources: tuple[FundingSource, ...] = ()  # added by scenarios
    # (year, total, rijk) EUR M of scenario funding, for the year profile
    scenario_year_funding: tuple[tuple[int, float, float], ...] = ()

    def input(self, name: str) -> Input:
        """The input called ``name``."""
        for i in self.inputs:
            if i.name == name:
                return i
        raise KeyError(name)

    @property
    def components(self) -> tuple[Component, ...]:
        """The report's components followed by one per add-on part."""
        extra = tuple(
            Component(
                name=a.component_name(part),
                pillar=a.pillar,
                label_nl=f"{a.label_nl} ({part})",
                label_en=f"{a.label_en} ({part})",
                need=MappingProxyType({p.name: 0.0 for p in self.facts.periods}),
                rijk_key=0.0,
                source=a.source,
                addon=a.name,
            )
            for a in self.addons
            for part in a.parts
        )
        return self.facts.components + extra

    @property
    def sources(self) -> tuple[FundingSource, ...]:
        """Arranged funding plus any funding a scenario adds."""
        return self.facts.sources + self.extra_sources
