"""Properties that must hold for ANY valid assumptions, checked on generated files.

Hypothesis generates small facts + uncertainty files (random components with needs >= 0
and keys in [0, 1], funding sources, need and funding multipliers with uniform, PERT and
lognormal laws), writes them as TOML and runs them through the public API. Expected
values are computed here from the generated numbers, never taken from the engine.
Examples are derandomised (fixed), so a run is repeatable.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nplv_sim
from nplv_sim.core.engine import BLOCK_SIZE
from nplv_sim.schema import Assumptions

PERIODS = ("P1", "P2")
PILLARS = ("physical", "social")
SEED = 20260128
DRAWS = 400
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Comp:
    """A generated component."""

    name: str
    pillar: str
    need: tuple[float, float]
    key: float


@dataclass(frozen=True)
class Source:
    """A generated funding source."""

    name: str
    pillar: str
    period: str
    cofin: float
    rijk: float
    allocation: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class In:
    """A generated uncertain input (need or funding multiplier)."""

    name: str
    law: str  # uniform | pert | lognormal
    params: tuple[tuple[str, float], ...]
    baseline: float
    effect: str  # need_multiplier | funding_multiplier
    targets: tuple[str, ...]  # components or sources
    periods: tuple[str, ...] = ()  # need multipliers only
    part: str = "both"  # funding multipliers only
    enabled: bool = True


@dataclass(frozen=True)
class Model:
    """A generated pair of assumptions files."""

    pillars: tuple[str, ...]
    comps: tuple[Comp, ...]
    sources: tuple[Source, ...]
    inputs: tuple[In, ...] = field(default=())


def _num(x: float) -> str:
    """A float as TOML (repr round-trips exactly)."""
    return repr(float(x))


def facts_toml(m: Model) -> str:
    """The facts file of ``m``."""
    out = ['schema = "nplv-sim/facts/1"', 'title = "generated"', 'report = "generated"', ""]
    for name, (first, last) in zip(PERIODS, ((2026, 2029), (2030, 2035)), strict=True):
        out += [
            f"[periods.{name}]",
            f"first_year = {first}",
            f"last_year = {last}",
            f'label_nl = "{name}"',
            f'label_en = "{name}"',
            'source = "g"',
            "",
        ]
    for p in m.pillars:
        out += [f"[pillars.{p}]", 'source = "g"', ""]
    for c in m.comps:
        out += [
            f"[components.{c.name}]",
            f'pillar = "{c.pillar}"',
            f'label_nl = "{c.name}"',
            f'label_en = "{c.name}"',
            f"need = {{ P1 = {_num(c.need[0])}, P2 = {_num(c.need[1])} }}",
            f"rijk_key = {_num(c.key)}",
            'source = "g"',
            "",
        ]
    for s in m.sources:
        alloc = ", ".join(f"{k} = {_num(w)}" for k, w in s.allocation)
        out += [
            f"[sources.{s.name}]",
            f'pillar = "{s.pillar}"',
            f'period = "{s.period}"',
            f"cofin = {_num(s.cofin)}",
            f"rijk = {_num(s.rijk)}",
            f"allocation = {{ {alloc} }}",
            'source = "g"',
            "",
        ]
    return "\n".join(out)


def uncertainty_toml(m: Model) -> str:
    """The uncertainty file of ``m`` (refers to facts.toml)."""
    out = ['schema = "nplv-sim/uncertainty/1"', 'title = "generated"', 'facts = "facts.toml"', ""]
    for x in m.inputs:
        out += [f"[inputs.{x.name}]", 'group = "g"', f'label_en = "{x.name}"', f'distribution = "{x.law}"']
        for k, v in x.params:
            out.append(f"{k} = [{_num(v[0])}, {_num(v[1])}]" if isinstance(v, tuple) else f"{k} = {_num(v)}")
        out += [
            f"baseline = {_num(x.baseline)}",
            f'effect = "{x.effect}"',
            f"enabled = {'true' if x.enabled else 'false'}",
        ]
        names = ", ".join(f'"{t}"' for t in x.targets)
        if x.effect == "need_multiplier":
            out += [f"components = [{names}]", "periods = [" + ", ".join(f'"{p}"' for p in x.periods) + "]"]
        else:
            out += [f"sources = [{names}]", f'part = "{x.part}"']
        out += ['source = "g"', 'rationale = "g"', ""]
    return "\n".join(out)


@contextmanager
def written(m: Model) -> Iterator[Assumptions]:
    """Write ``m`` to a temporary folder and load it through the public API."""
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "facts.toml").write_text(facts_toml(m), encoding="utf-8")
        (Path(d) / "uncertainty.toml").write_text(uncertainty_toml(m), encoding="utf-8")
        yield nplv_sim.load_assumptions(Path(d) / "uncertainty.toml")


def run(m: Model, draws: int = DRAWS, **kw) -> xr.Dataset:
    """Load and simulate ``m`` with the fixed seed."""
    with written(m) as a:
        return nplv_sim.simulate(a, draws=draws, rng=SEED, **kw)


# --- strategies -------------------------------------------------------------------------
amounts = st.one_of(st.integers(0, 3000).map(float), st.floats(0.0, 3000.0, allow_nan=False, allow_infinity=False))
shares = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def laws(draw: st.DrawFn, funding: bool = False) -> tuple[str, tuple, float]:
    """A law name, its parameters and a baseline inside its range (values >= 0)."""
    kind = draw(st.sampled_from(("uniform", "pert", "lognormal")))
    if kind == "uniform":
        low = draw(st.floats(0.0, 1.0))
        high = low + draw(st.floats(0.01, 1.5))
        return kind, (("low", low), ("high", high)), low + draw(shares) * (high - low)
    if kind == "pert":
        low = draw(st.floats(0.0, 1.0))
        width = draw(st.floats(0.01, 1.5))
        mode = low + draw(shares) * width
        return kind, (("low", low), ("mode", mode), ("high", low + width)), mode
    lo = draw(st.floats(0.3, 1.0))
    hi = lo * (1.0 + draw(st.floats(0.05, 1.5 if not funding else 0.5)))
    return kind, (("interval", (lo, hi)),), math.sqrt(lo * hi)


@st.composite
def models(draw: st.DrawFn) -> Model:
    """A valid generated model with 1-5 components, 1-4 sources and 1-4 inputs."""
    pillars = PILLARS[: draw(st.integers(1, 2))]
    n = draw(st.integers(1, 5))
    comps = tuple(
        Comp(f"c{i}", draw(st.sampled_from(pillars)), (draw(amounts), draw(amounts)), draw(shares)) for i in range(n)
    )
    sources = []
    for j in range(draw(st.integers(1, 4))):
        pillar = draw(st.sampled_from(sorted({c.pillar for c in comps})))
        mine = [c.name for c in comps if c.pillar == pillar]
        targets = draw(st.lists(st.sampled_from(mine), min_size=1, max_size=len(mine), unique=True))
        weights = [draw(st.floats(0.1, 5.0)) for _ in targets]
        sources.append(
            Source(
                f"s{j}",
                pillar,
                draw(st.sampled_from(PERIODS)),
                draw(st.floats(0, 800)),
                draw(st.floats(0, 800)),
                tuple(zip(targets, weights, strict=True)),
            )
        )
    inputs = []
    for k in range(draw(st.integers(1, 4))):
        funding = draw(st.booleans()) and k > 0
        kind, params, baseline = draw(laws(funding))
        if funding:
            targets = draw(st.lists(st.sampled_from([s.name for s in sources]), min_size=1, max_size=2, unique=True))
            inputs.append(
                In(
                    f"x{k}",
                    kind,
                    params,
                    baseline,
                    "funding_multiplier",
                    tuple(targets),
                    part=draw(st.sampled_from(("rijk", "cofin", "both"))),
                )
            )
        else:
            targets = draw(st.lists(st.sampled_from([c.name for c in comps]), min_size=1, max_size=n, unique=True))
            periods = draw(st.lists(st.sampled_from(PERIODS), min_size=1, max_size=2, unique=True))
            inputs.append(In(f"x{k}", kind, params, baseline, "need_multiplier", tuple(targets), tuple(periods)))
    return Model(pillars, comps, tuple(sources), tuple(inputs))


# --- the arithmetic, from the generated numbers ------------------------------------------
def by_hand(m: Model, values: dict[str, float]) -> dict[tuple[str, str, str, str], float]:
    """Shortfall per (pillar, period, scope, netting) for given input values.

    need = baseline need x every need multiplier on (component, period); Rijk need =
    need x key; each source's Rijk and cofinancing parts x their funding multipliers,
    split over components by normalised weights; pillar netting sums need - funding,
    component netting sums max(0, need - funding) per component.
    """
    out = {}
    for pillar in m.pillars:
        for pi, period in enumerate(PERIODS):
            cells = {}
            for c in m.comps:
                if c.pillar != pillar:
                    continue
                mult = math.prod(
                    values[x.name]
                    for x in m.inputs
                    if x.effect == "need_multiplier" and c.name in x.targets and period in x.periods
                )
                need = c.need[pi] * mult
                cells[c.name] = [need, need * c.key, 0.0, 0.0]
            for s in m.sources:
                if s.pillar != pillar or s.period != period:
                    continue
                mult = {"rijk": 1.0, "cofin": 1.0}
                for x in m.inputs:
                    if x.effect == "funding_multiplier" and s.name in x.targets:
                        for part in ("rijk", "cofin"):
                            if x.part in (part, "both"):
                                mult[part] *= values[x.name]
                rijk, cofin = s.rijk * mult["rijk"], s.cofin * mult["cofin"]
                total_w = sum(w for _, w in s.allocation)
                for comp, w in s.allocation:
                    cells[comp][2] += (rijk + cofin) * w / total_w
                    cells[comp][3] += rijk * w / total_w
            for scope, (i_need, i_fund) in (("total", (0, 2)), ("rijk", (1, 3))):
                out[pillar, period, scope, "pillar"] = sum(v[i_need] - v[i_fund] for v in cells.values())
                out[pillar, period, scope, "component"] = sum(max(0.0, v[i_need] - v[i_fund]) for v in cells.values())
    return out


def _values(ds: xr.Dataset, i: int) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(ds["input"].values, ds["input_value"].values[i], strict=True)}


# --- properties ---------------------------------------------------------------------------
@SETTINGS
@given(models())
def test_identities_hold_in_every_draw(m: Model) -> None:
    ds = run(m)
    sf = ds["shortfall"]
    scale = 1e-9 * (1.0 + float(abs(ds["need"]).max()) + float(abs(ds["funding"]).max()))
    # Pillar netting is need minus funding.
    np.testing.assert_allclose(sf.sel(netting="pillar"), ds["need"] - ds["funding"], rtol=0, atol=scale)
    # No offsetting can only raise the shortfall.
    assert bool((sf.sel(netting="component") >= sf.sel(netting="pillar") - scale).all())
    # Component netting is never negative; with keys <= 1 the Rijk need is at most the need.
    assert bool((sf.sel(netting="component") >= -scale).all())
    assert bool((ds["need"].sel(scope="rijk") <= ds["need"].sel(scope="total") + scale).all())
    assert bool((ds["need"] >= -scale).all()) and bool((ds["funding"] >= -scale).all())
    # Summary quantiles are ordered, and P(shortfall > 0) is a probability.
    summary = nplv_sim.summarize(ds[["shortfall", "need", "funding"]])
    for name in ("shortfall", "need", "funding"):
        q = summary[name].transpose("quantile", ...).values
        assert np.all(np.diff(q, axis=0) >= -scale), name
    prob = summary["shortfall_prob_positive"].values
    assert np.all((prob >= 0) & (prob <= 1))


@SETTINGS
@given(models())
def test_every_draw_equals_the_arithmetic_by_hand(m: Model) -> None:
    ds = run(m, draws=25)
    det = run(m, deterministic=True)
    base = {x.name: x.baseline for x in m.inputs}
    cases = [(det, 0, base)] + [(ds, i, _values(ds, i)) for i in range(0, 25, 6)]
    for data, i, values in cases:
        expected = by_hand(m, values)
        for (pillar, period, scope, netting), want in expected.items():
            got = float(data["shortfall"].sel(pillar=pillar, period=period, scope=scope, netting=netting).values[i])
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (pillar, period, scope, netting, got, want)
    # The deterministic run holds every input at its baseline.
    np.testing.assert_array_equal(det["input_value"].values[0], [x.baseline for x in m.inputs])


@SETTINGS
@given(models(), st.data())
def test_more_need_never_lowers_the_shortfall(m: Model, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(m.comps) - 1))
    pi = data.draw(st.integers(0, 1))
    extra = data.draw(st.floats(1.0, 500.0))
    comp = m.comps[i]
    need = list(comp.need)
    need[pi] += extra
    bigger = replace(m, comps=m.comps[:i] + (replace(comp, need=tuple(need)),) + m.comps[i + 1 :])
    a, b = run(m), run(bigger)
    np.testing.assert_array_equal(a["input_value"].values, b["input_value"].values)  # same draws
    diff = b["shortfall"] - a["shortfall"]
    assert bool((diff >= -1e-9 * (1 + float(abs(a["shortfall"]).max()))).all())
    # Pillar netting, total scope: up by exactly the extra need times its multipliers.
    mult = np.ones(DRAWS)
    for x in m.inputs:
        if x.effect == "need_multiplier" and comp.name in x.targets and PERIODS[pi] in x.periods:
            mult *= a["input_value"].sel(input=x.name).values
    got = diff.sel(pillar=comp.pillar, period=PERIODS[pi], scope="total", netting="pillar").values
    np.testing.assert_allclose(got, extra * mult, rtol=1e-9, atol=1e-9 * (1 + float(abs(a["shortfall"]).max())))


@SETTINGS
@given(models())
def test_doubling_every_amount_doubles_every_shortfall(m: Model) -> None:
    double = replace(
        m,
        comps=tuple(replace(c, need=(2 * c.need[0], 2 * c.need[1])) for c in m.comps),
        sources=tuple(replace(s, cofin=2 * s.cofin, rijk=2 * s.rijk) for s in m.sources),
    )
    a, b = run(m, draws=100), run(double, draws=100)
    np.testing.assert_allclose(b["shortfall"].values, 2 * a["shortfall"].values, rtol=1e-12, atol=1e-9)


@SETTINGS
@given(models())
def test_switched_off_inputs_reproduce_the_deterministic_run(m: Model) -> None:
    off = replace(m, inputs=tuple(replace(x, enabled=False) for x in m.inputs))
    ds, det = run(off, draws=50), run(m, deterministic=True)
    assert bool((ds["input_random"] == 0).all())
    # Equal up to rounding: a 50-draw and a 1-draw batch may sum in a different order.
    scale = 1e-9 * (1.0 + float(abs(det["shortfall"]).max()))
    for draw in range(50):
        np.testing.assert_allclose(ds["shortfall"].values[draw], det["shortfall"].values[0], rtol=0, atol=scale)


FIXED = Model(
    pillars=PILLARS,
    comps=(
        Comp("c0", "physical", (400.0, 600.0), 0.5),
        Comp("c1", "physical", (100.0, 50.0), 0.7),
        Comp("c2", "social", (300.0, 450.0), 0.75),
    ),
    sources=(
        Source("s0", "physical", "P1", 100.0, 150.0, (("c0", 2.0), ("c1", 1.0))),
        Source("s1", "social", "P2", 0.0, 200.0, (("c2", 1.0),)),
    ),
    inputs=(
        In("x0", "lognormal", (("interval", (0.8, 1.3)),), 1.0, "need_multiplier", ("c0", "c1"), ("P1", "P2")),
        In(
            "x1", "pert", (("low", 0.5), ("mode", 0.9), ("high", 1.0)), 1.0, "funding_multiplier", ("s0",), part="cofin"
        ),
        In("x2", "uniform", (("low", 0.9), ("high", 1.4)), 1.0, "need_multiplier", ("c2",), ("P2",)),
    ),
)


def test_chunk_size_and_workers_do_not_change_results() -> None:
    draws = BLOCK_SIZE + 1_234  # two blocks, the second partial
    ref = run(FIXED, draws=draws)
    for kw in ({"chunk_size": 1}, {"chunk_size": 1, "workers": 2}):
        other = run(FIXED, draws=draws, **kw)
        for name in ("shortfall", "shortfall_incl_addons", "need", "funding", "input_value"):
            np.testing.assert_array_equal(other[name].values, ref[name].values, err_msg=f"{name} with {kw}")


def test_the_generator_writes_files_the_loader_reads_back() -> None:
    # The files say what the Model says: a guard against a generator that drops numbers.
    with written(FIXED) as a:
        assert [c.name for c in a.facts.components] == ["c0", "c1", "c2"]
        assert a.facts.components[0].need["P2"] == 600.0 and a.facts.components[1].rijk_key == 0.7
        assert dict(a.facts.sources[0].allocation) == {"c0": 2 / 3, "c1": 1 / 3}
        assert a.input("x1").targets["part"] == "cofin" and a.input("x2").targets["periods"] == ("P2",)
