"""The numbers against independent oracles.

1. Analytic answers: small assumptions files whose shortfall has a known law (a sum of
   normals, with and without a rank correlation; a lognormal; a PERT, checked against
   its beta form; a Bernoulli VAT mixture; a uniform add-on spread over the years). The
   simulated quantiles must agree within a few Monte Carlo standard errors,
   se(q) = sqrt(q (1 - q) / n) / f(x_q), with fixed seeds.
2. An independent implementation of the default model, written here from
   /work/shared/MODEL.md (sections 2 and 4) and the comments in the TOML files, reading
   the files with ``tomllib`` itself. Fed the engine's own input draws
   (``ds["input_value"]``), it must give the same need, funding and shortfall per
   pillar, period, scope and netting to 1e-9; at the baseline it must meet the report's
   published figures within the report's rounding (10).

Only :func:`nplv_sim.load_assumptions` and :func:`nplv_sim.simulate` are used from the
package.
"""

from __future__ import annotations

import math
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

import nplv_sim

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "distributions"
QUANTILES = np.array([0.01, 0.05, 0.15, 0.5, 0.85, 0.95, 0.99])
N = 100_000
K_SE = 4.5  # with ~60 quantile checks, a false alarm has probability < 1e-3 (and seeds are fixed)

FACTS_ONE_PERIOD = """
schema = "nplv-sim/facts/1"
title = "oracle"
report = "oracle"

[periods.P1]
first_year = 2026
last_year = 2029
label_nl = "P1"
label_en = "P1"
source = "o"

[pillars.physical]
source = "o"

[components.a]
pillar = "physical"
label_nl = "a"
label_en = "a"
need = { P1 = 400 }
rijk_key = 0.5
source = "o"

[components.b]
pillar = "physical"
label_nl = "b"
label_en = "b"
need = { P1 = 300 }
rijk_key = 0.3
source = "o"

[components.c]
pillar = "physical"
label_nl = "c"
label_en = "c"
need = { P1 = 200 }
rijk_key = 0.8
source = "o"

[sources.grant]
pillar = "physical"
period = "P1"
cofin = 100
rijk = 150
allocation = { a = 1 }
source = "o"
"""

HEADER = 'schema = "nplv-sim/uncertainty/1"\ntitle = "oracle"\nfacts = "facts.toml"\n'


def _input(name: str, law: str, effect: str, baseline: float, **fields: object) -> str:
    """One [inputs.NAME] table."""
    lines = [
        f"\n[inputs.{name}]",
        'group = "o"',
        f'label_en = "{name}"',
        f'distribution = "{law}"',
        f"baseline = {baseline!r}",
        f'effect = "{effect}"',
    ]
    for key, value in fields.items():
        text = (
            "[" + ", ".join(f'"{v}"' if isinstance(v, str) else repr(v) for v in value) + "]"
            if isinstance(value, list)
            else (f'"{value}"' if isinstance(value, str) else repr(value))
        )
        lines.append(f"{key} = {text}")
    lines += ['source = "o"', 'rationale = "o"']
    return "\n".join(lines) + "\n"


def simulate(tmp: Path, facts: str, uncertainty: str, draws: int = N, seed: int = 1, method: str = "random"):
    """Write the pair, load it and simulate."""
    (tmp / "facts.toml").write_text(facts, encoding="utf-8")
    (tmp / "u.toml").write_text(HEADER + uncertainty, encoding="utf-8")
    return nplv_sim.simulate(nplv_sim.load_assumptions(tmp / "u.toml"), draws=draws, rng=seed, method=method)


def assert_quantiles(sample: np.ndarray, ppf, pdf, qs: np.ndarray = QUANTILES) -> None:
    """Sample quantiles within K_SE standard errors of the exact ones."""
    n = sample.size
    got = np.quantile(sample, qs)
    want = np.array([ppf(q) for q in qs])
    se = np.sqrt(qs * (1 - qs) / n) / np.array([pdf(x) for x in want])
    bad = np.abs(got - want) > K_SE * se
    assert not bad.any(), f"q={qs[bad]}: got {got[bad]}, exact {want[bad]}, se {se[bad]}"


def _sel(ds, var: str = "shortfall", scope: str = "total", netting: str = "pillar", period: str = "P1") -> np.ndarray:
    return ds[var].sel(pillar="physical", period=period, scope=scope, netting=netting).values


# ---------------------------------------------------------------------------------------
# 1. Analytic oracles
# ---------------------------------------------------------------------------------------
# Normal multipliers: a need multiplier may not be negative, so they are written as
# truncnormal on [0, 2], whose bounds lie >= 10 sd from the mean: the normal law to
# within 1e-23.
NORMALS = {"a": (1.00, 0.10), "b": (1.00, 0.08), "c": (1.05, 0.06)}
NEED = {"a": 400.0, "b": 300.0, "c": 200.0}
KEY = {"a": 0.5, "b": 0.3, "c": 0.8}


def _normal_inputs() -> str:
    return "".join(
        _input(f"m_{c}", "truncnormal", "need_multiplier", mean, mean=mean, sd=sd, low=0.0, high=2.0, components=[c])
        for c, (mean, sd) in NORMALS.items()
    )


@pytest.mark.parametrize("method", ["random", "lhs", "sobol"])
def test_sum_of_independent_normals(tmp_path: Path, method: str) -> None:
    ds = simulate(tmp_path, FACTS_ONE_PERIOD, _normal_inputs(), method=method, seed=11)
    for scope, weight, funding in (("total", {c: 1.0 for c in NEED}, 250.0), ("rijk", KEY, 150.0)):
        mean = sum(weight[c] * NEED[c] * NORMALS[c][0] for c in NEED) - funding
        sd = math.sqrt(sum((weight[c] * NEED[c] * NORMALS[c][1]) ** 2 for c in NEED))
        law = stats.norm(mean, sd)
        assert_quantiles(_sel(ds, scope=scope), law.ppf, law.pdf)


def test_sum_of_rank_correlated_normals(tmp_path: Path) -> None:
    # A Gaussian copula with rank correlation rho_s gives normal margins the Pearson
    # correlation r = 2 sin(pi rho_s / 6) (Kruskal 1958); var(a + b) follows.
    rho_s = 0.6
    corr = '\n[[correlation]]\ninputs = ["m_a", "m_b"]\nrho = 0.6\nsource = "o"\n'
    ds = simulate(tmp_path, FACTS_ONE_PERIOD, _normal_inputs() + corr, seed=12)
    r = 2 * math.sin(math.pi * rho_s / 6)
    sa, sb, sc = (NEED[c] * NORMALS[c][1] for c in "abc")
    mean = sum(NEED[c] * NORMALS[c][0] for c in NEED) - 250.0
    law = stats.norm(mean, math.sqrt(sa**2 + sb**2 + sc**2 + 2 * r * sa * sb))
    assert_quantiles(_sel(ds), law.ppf, law.pdf)
    x = ds["input_value"].sel(input=["m_a", "m_b"]).values
    pearson = np.corrcoef(x.T)[0, 1]
    assert abs(pearson - r) < K_SE * (1 - r**2) / math.sqrt(N)
    spearman = stats.spearmanr(x[:, 0], x[:, 1]).statistic
    assert abs(spearman - rho_s) < 0.01


def test_single_lognormal(tmp_path: Path) -> None:
    facts = FACTS_ONE_PERIOD.replace("need = { P1 = 400 }", "need = { P1 = 1000 }")
    ds = simulate(
        tmp_path,
        facts,
        _input("m", "lognormal", "need_multiplier", 1.0, interval=[0.8, 1.3], components=["a"]),
        seed=13,
    )
    # shortfall = 1000 m + 300 + 200 - 250, with ln m ~ N(mu, sigma) and [0.8, 1.3] its 90 % interval.
    z95 = stats.norm.ppf(0.95)
    mu, sigma = (math.log(0.8) + math.log(1.3)) / 2, (math.log(1.3) - math.log(0.8)) / (2 * z95)
    m = stats.lognorm(sigma, scale=math.exp(mu))
    offset = 300 + 200 - 250
    assert_quantiles(_sel(ds), lambda q: 1000 * m.ppf(q) + offset, lambda x: m.pdf((x - offset) / 1000) / 1000)
    # The interval is what the file says: P5 and P95 of the multiplier are 0.8 and 1.3.
    np.testing.assert_allclose(m.ppf([0.05, 0.95]), [0.8, 1.3], rtol=1e-12)


@pytest.mark.parametrize("lam", [None, 2.0])
def test_pert_is_its_beta_form(tmp_path: Path, lam: float | None) -> None:
    low, mode, high = 0.5, 0.9, 1.0
    extra = {"lambda": lam} if lam is not None else {}
    text = _input(
        "r", "pert", "funding_multiplier", mode, low=low, mode=mode, high=high, sources=["grant"], part="rijk", **extra
    )
    ds = simulate(tmp_path, FACTS_ONE_PERIOD, text, seed=14)
    # PERT(low, mode, high; lambda) = low + (high - low) Beta(1 + lambda r, 1 + lambda (1 - r)),
    # r = (mode - low) / (high - low), lambda = 4 unless given (Vose, Risk Analysis, 2008).
    lam_ = 4.0 if lam is None else lam
    r = (mode - low) / (high - low)
    m = stats.beta(1 + lam_ * r, 1 + lam_ * (1 - r), loc=low, scale=high - low)
    # shortfall = 900 - 100 - 150 m: decreasing in m, so quantile q uses m's 1 - q.
    assert_quantiles(_sel(ds), lambda q: 800 - 150 * m.ppf(1 - q), lambda x: m.pdf((800 - x) / 150) / 150)
    # The Rijk part only: the cofinancing (100) stays whole.
    rijk_need = sum(KEY[c] * NEED[c] for c in NEED)  # 450
    assert_quantiles(
        _sel(ds, scope="rijk"), lambda q: rijk_need - 150 * m.ppf(1 - q), lambda x: m.pdf((rijk_need - x) / 150) / 150
    )


def test_bernoulli_vat_mixture(tmp_path: Path) -> None:
    p, rate, reclaim = 0.25, 0.21, 0.2
    facts = FACTS_ONE_PERIOD.replace("need = { P1 = 400 }", "need = { P1 = 1000 }")
    text = (
        _input("m", "lognormal", "need_multiplier", 1.0, interval=[0.85, 1.25], components=["a"])
        + '\n[vat_groups.g]\ncomponents = ["a"]\nsource = "o"\n'
        + _input("excl", "bernoulli", "vat_excluded", 0, p=p, vat_group="g")
        + _input("rate", "fixed", "vat_rate", rate, value=rate, vat_group="g")
        + _input("recl", "fixed", "vat_reclaimable", reclaim, value=reclaim, vat_group="g")
    )
    ds = simulate(tmp_path, facts, text, seed=15)
    # Amount x (1 + rate (1 - reclaimable)) with probability p, else x 1 (MODEL.md U3).
    vat = 1 + rate * (1 - reclaim)
    z95 = stats.norm.ppf(0.95)
    mu, sigma = (math.log(0.85) + math.log(1.25)) / 2, (math.log(1.25) - math.log(0.85)) / (2 * z95)
    offset = 250.0

    def cdf(x: float) -> float:
        return (1 - p) * stats.norm.cdf((math.log((x - offset) / 1000) - mu) / sigma) + p * stats.norm.cdf(
            (math.log((x - offset) / (1000 * vat)) - mu) / sigma
        )

    def pdf(x: float) -> float:
        y = x - offset
        return (
            (1 - p) * stats.norm.pdf((math.log(y / 1000) - mu) / sigma)
            + p * stats.norm.pdf((math.log(y / (1000 * vat)) - mu) / sigma)
        ) / (sigma * y)

    def ppf(q: float) -> float:
        return optimize.brentq(lambda x: cdf(x) - q, offset + 1.0, offset + 5000.0, xtol=1e-10)

    assert_quantiles(_sel(ds), ppf, pdf)
    share = ds["input_value"].sel(input="excl").values.mean()
    assert abs(share - p) < K_SE * math.sqrt(p * (1 - p) / N)


def test_uniform_addon_spread_over_years(tmp_path: Path) -> None:
    # MODEL.md U1: an add-on outside the headline, timing pro rata by year by default
    # (P1 2026-2029: 4 of 10 years), Rijk share a parameter.
    facts = (SHIPPED / "rebel_2026_facts.toml").read_text(encoding="utf-8")
    text = (
        '\n[addons.extra]\npillar = "physical"\nparts = { one = 0.3, two = 0.7 }\nsource = "o"\n'
        + _input("amount", "uniform", "addon_amount", 1250.0, low=1000.0, high=1500.0, addon="extra")
        + _input("share", "fixed", "addon_rijk_share", 0.4, value=0.4, addon="extra")
    )
    ds = simulate(tmp_path, facts, text, seed=16)
    for period, frac in (("P1", 0.4), ("P2", 0.6)):
        for scope, share in (("total", 1.0), ("rijk", 0.4)):
            added = _sel(ds, "shortfall_incl_addons", scope, "pillar", period) - _sel(
                ds, "shortfall", scope, "pillar", period
            )
            law = stats.uniform(1000 * frac * share, 500 * frac * share)
            assert_quantiles(added, law.ppf, law.pdf, np.array([0.05, 0.25, 0.5, 0.75, 0.95]))
            # Add-ons have no funding: under component netting they add just as much.
            added_c = _sel(ds, "shortfall_incl_addons", scope, "component", period) - _sel(
                ds, "shortfall", scope, "component", period
            )
            np.testing.assert_allclose(added_c, added, rtol=1e-12, atol=1e-9)


# ---------------------------------------------------------------------------------------
# 2. An independent implementation of the default model (MODEL.md sections 2 and 4)
# ---------------------------------------------------------------------------------------
@dataclass
class Oracle:
    """Need, funding and shortfall computed from the TOML files and given input values."""

    facts: dict
    unc: dict
    capped: int = 0  # (draw, period) cells where the Wbi cap bound, for the test's own check

    @classmethod
    def read(cls, uncertainty: Path) -> Oracle:
        """Parse the uncertainty file and the facts file it names, with tomllib."""
        unc = tomllib.loads(uncertainty.read_text(encoding="utf-8"))
        facts = tomllib.loads((uncertainty.parent / unc["facts"]).read_text(encoding="utf-8"))
        return cls(facts, unc)

    def ref(self, value: object) -> object:
        """Resolve an "@a.b.c" reference into the facts file."""
        if isinstance(value, str) and value.startswith("@"):
            node: object = self.facts
            for part in value[1:].split("."):
                node = node[part]  # type: ignore[index]
            return node
        return value

    @property
    def periods(self) -> list[str]:
        return sorted(self.facts["periods"], key=lambda p: self.facts["periods"][p]["first_year"])

    def baselines(self) -> dict[str, np.ndarray]:
        """Every input at the baseline value its file gives."""
        return {name: np.array([float(self.ref(x["baseline"]))]) for name, x in self.unc["inputs"].items()}

    def compute(self, x: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per pillar, period and scope: arrays over draws (see the module docstring)."""
        inputs, comps, periods = self.unc["inputs"], self.facts["components"], self.periods
        n = len(next(iter(x.values())))

        def effect(kind: str) -> list[tuple[str, dict]]:
            return [(name, spec) for name, spec in inputs.items() if spec["effect"] == kind]

        # VAT multiplier per component: 1 + rate (1 - reclaimable) if the amount excludes VAT.
        vat = {c: np.ones(n) for c in comps}
        for group, spec in self.unc.get("vat_groups", {}).items():
            role = {
                e: next(nm for nm, s in effect(e) if s["vat_group"] == group)
                for e in ("vat_excluded", "vat_rate", "vat_reclaimable")
            }
            mult = 1 + x[role["vat_rate"]] * (1 - x[role["vat_reclaimable"]]) * x[role["vat_excluded"]]
            for c in spec["components"]:
                vat[c] = vat[c] * mult
        # Rijk key per component, shifted (and kept a share in [0, 1]).
        key = {c: np.full(n, float(comps[c]["rijk_key"])) for c in comps}
        for name, spec in effect("key_shift"):
            for c in spec["components"]:
                key[c] = key[c] + x[name]
        key = {c: np.clip(k, 0.0, 1.0) for c, k in key.items()}

        # cell[(component, period)] = [need, rijk need, funding, rijk funding]
        cell: dict[tuple[str, str], list[np.ndarray]] = {}
        pillar_of = {c: comps[c]["pillar"] for c in comps}
        for c, spec in comps.items():
            for p in periods:
                mult = np.ones(n)
                for name, s in effect("need_multiplier"):
                    hit = c in s["components"] if "components" in s else spec["pillar"] in s["pillars"]
                    if hit and p in s.get("periods", periods):
                        mult = mult * (1 + float(s.get("share", 1.0)) * (x[name] - 1))
                cell[c, p] = [float(spec["need"][p]) * mult, None, np.zeros(n), np.zeros(n)]
        # Housing starts: the need of homes not started in the first period moves on.
        for name, s in effect("starts_realisation"):
            first, then = s["periods"]
            for c in s["components"]:
                moved = cell[c, first][0] * (1 - x[name])
                cell[c, first][0] = cell[c, first][0] - moved
                cell[c, then][0] = cell[c, then][0] + moved
        for (c, _p), v in cell.items():
            v[0] = v[0] * vat[c]
            v[1] = v[0] * key[c]
        # Arranged funding: each part x its realisation, split by the allocation weights.
        for s_name, src in self.facts["sources"].items():
            rijk, cofin = np.full(n, float(src["rijk"])), np.full(n, float(src["cofin"]))
            for name, s in effect("funding_multiplier") + effect("starts_realisation"):
                if s_name in s["sources"]:
                    part = s.get("part", "both")
                    if part in ("rijk", "both"):
                        rijk = rijk * x[name]
                    if part in ("cofin", "both"):
                        cofin = cofin * x[name]
            weights = {k: float(v) for k, v in src["allocation"].items()}
            total_w = sum(weights.values())
            for c, w in weights.items():
                cell[c, src["period"]][2] = cell[c, src["period"]][2] + (rijk + cofin) * w / total_w
                cell[c, src["period"]][3] = cell[c, src["period"]][3] + rijk * w / total_w
        # Conditional Rijk money (Wbi): fraction x pro-rata amount, at most the Rijk need left.
        for e_name, e in self.unc.get("extra_funding", {}).items():
            frac = x[next(nm for nm, s in effect("extra_funding_fraction") if s["extra_funding"] == e_name)]
            pro_rata = self.ref(e["pro_rata_rijk"])
            match = float(e.get("local_match", 0.0))
            for p in periods:
                c = cell[e["component"], p]
                offered, left = frac * float(self.ref(pro_rata[p])), np.maximum(c[1] - c[3], 0.0)
                self.capped += int(np.count_nonzero(offered > left))
                cover = np.minimum(offered, left)
                c[2] = c[2] + cover * (1 + match)
                c[3] = c[3] + cover
        # Add-ons: product of the amount inputs, split by part shares and by year weights.
        addon_cells: dict[tuple[str, str], list[np.ndarray]] = {}
        years = {
            p: range(self.facts["periods"][p]["first_year"], self.facts["periods"][p]["last_year"] + 1) for p in periods
        }
        for a_name, a in self.unc.get("addons", {}).items():
            if not a.get("enabled", True):
                continue
            amount = np.ones(n)
            for name, s in effect("addon_amount"):
                if s["addon"] == a_name:
                    amount = amount * x[name]
            shares = {s.get("part", ""): x[nm] for nm, s in effect("addon_rijk_share") if s["addon"] == a_name}
            weights = {int(y): float(w) for y, w in a.get("year_weights", {}).items()} or {
                y: 1.0 for p in periods for y in years[p]
            }
            total_w = sum(weights.values())
            for part, part_share in a["parts"].items():
                for p in periods:
                    need = amount * float(part_share) * sum(w for y, w in weights.items() if y in years[p]) / total_w
                    share = shares.get(part, shares.get(""))
                    addon_cells[f"{a_name}_{part}", p] = [need, need * share, np.zeros(n), np.zeros(n)]
                pillar_of[f"{a_name}_{part}"] = a["pillar"]

        out: dict[str, np.ndarray] = {}
        for pillar in self.facts["pillars"]:
            for p in periods:
                for incl, cells in (("", cell), ("_incl_addons", {**cell, **addon_cells})):
                    mine = [v for (c, q), v in cells.items() if q == p and pillar_of[c] == pillar]
                    for scope, (i, j) in (("total", (0, 2)), ("rijk", (1, 3))):
                        out[f"shortfall{incl}", pillar, p, scope, "pillar"] = sum(v[i] - v[j] for v in mine)
                        out[f"shortfall{incl}", pillar, p, scope, "component"] = sum(
                            np.maximum(v[i] - v[j], 0.0) for v in mine
                        )
                        out[f"need{incl}", pillar, p, scope] = sum(v[i] for v in mine)
                        out[f"funding{incl}", pillar, p, scope] = sum(v[j] for v in mine)
        return out


WBI_PRO_RATA = "value = { P1 = 0, P2 = 43 }"


def _edited_default(tmp: Path) -> Path:
    """The shipped pair with everything switched on, the local Wbi match counted, and Wbi
    pro-rata amounts large enough that the cap at the remaining Rijk need binds."""
    text = (SHIPPED / "rebel_2026_uncertainty.toml").read_text(encoding="utf-8")
    assert "enabled = false" in text and "local_match = 0.0" in text
    text = text.replace("enabled = false", "enabled = true").replace("local_match = 0.0", "local_match = 1.0")
    (tmp / "rebel_2026_uncertainty.toml").write_text(text, encoding="utf-8")
    facts = (SHIPPED / "rebel_2026_facts.toml").read_text(encoding="utf-8")
    assert facts.count(WBI_PRO_RATA) == 1
    (tmp / "rebel_2026_facts.toml").write_text(
        facts.replace(WBI_PRO_RATA, "value = { P1 = 150, P2 = 400 }"), encoding="utf-8"
    )
    return tmp / "rebel_2026_uncertainty.toml"


def _compare(ds, oracle: Oracle, x: dict[str, np.ndarray]) -> int:
    want = oracle.compute(x)
    checked = 0
    for key, value in want.items():
        var, pillar, period, scope, *netting = key
        if var == "funding_incl_addons":
            var = "funding"  # add-ons carry no funding: the engine reports one funding
        sel = {"pillar": pillar, "period": period, "scope": scope} | ({"netting": netting[0]} if netting else {})
        got = ds[var].sel(sel).values
        np.testing.assert_allclose(got, np.broadcast_to(value, got.shape), rtol=0, atol=1e-9, err_msg=str(key))
        checked += 1
    # Per year: all pillars, divided by the period's years (MODEL.md section 4).
    for p in oracle.periods:
        n_years = oracle.facts["periods"][p]["last_year"] - oracle.facts["periods"][p]["first_year"] + 1
        for scope in ("total", "rijk"):
            for netting in ("pillar", "component"):
                total = sum(want["shortfall", q, p, scope, netting] for q in oracle.facts["pillars"])
                got = ds["shortfall_per_year"].sel(period=p, scope=scope, netting=netting).values
                np.testing.assert_allclose(got, np.broadcast_to(total / n_years, got.shape), rtol=0, atol=1e-9)
                checked += 1
    return checked


@pytest.mark.parametrize("variant", ["shipped", "everything_switched_on"])
def test_default_model_equals_independent_implementation(tmp_path: Path, variant: str) -> None:
    path = SHIPPED / "rebel_2026_uncertainty.toml" if variant == "shipped" else _edited_default(tmp_path)
    oracle = Oracle.read(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = nplv_sim.simulate(nplv_sim.load_assumptions(path), draws=4_000, rng=2026)
    names = [str(v) for v in ds["input"].values]
    assert sorted(names) == sorted(oracle.unc["inputs"])
    x = {name: ds["input_value"].sel(input=name).values for name in names}
    # The draws exercise every branch: VAT both ways, Wbi partly used, add-on spread.
    # (VAT and Wbi are off in the shipped file: only the switched-on variant draws them.)
    if variant != "shipped":
        assert x["vat_municipal_excluded"].min() == 0 and x["vat_municipal_excluded"].max() == 1
        assert len(np.unique(x["wbi_allocation_fraction"])) == 5
        assert np.ptp(x["key_shift_social"]) > 0.1 and np.ptp(x["large_works_cost_per_area"]) > 10
    assert _compare(ds, oracle, x) > 50
    if variant != "shipped":
        assert oracle.capped > 100  # the Wbi cap at the remaining Rijk need did bind


def test_deterministic_run_equals_independent_implementation_at_baseline() -> None:
    path = SHIPPED / "rebel_2026_uncertainty.toml"
    oracle = Oracle.read(path)
    ds = nplv_sim.simulate(nplv_sim.load_assumptions(path), draws=1, rng=0, deterministic=True)
    _compare(ds, oracle, oracle.baselines())


from published import PUBLISHED, PUBLISHED_PER_YEAR, PUBLISHED_TOTAL  # noqa: E402


def test_independent_implementation_meets_the_report_at_baseline() -> None:
    # The oracle itself is checked against the report, a source outside this package.
    oracle = Oracle.read(SHIPPED / "rebel_2026_uncertainty.toml")
    got = oracle.compute(oracle.baselines())
    for (pillar, period, scope), value in PUBLISHED.items():
        assert abs(float(got["shortfall", pillar, period, scope, "pillar"][0]) - value) <= 10, (pillar, period, scope)
    for (period, scope), value in PUBLISHED_TOTAL.items():
        total = sum(float(got["shortfall", q, period, scope, "pillar"][0]) for q in ("physical", "social"))
        assert abs(total - value) <= 10, (period, scope, total)
        per_year = total / {"P1": 4, "P2": 6}[period]
        assert abs(per_year - PUBLISHED_PER_YEAR[period, scope]) <= 10, (period, scope, per_year)
    # Exact where the report's arithmetic is exact: 3,050 - 675 = 2,375 (Tables 4, 5, 7).
    assert float(got["need", "physical", "P1", "total"][0]) == 3050
    assert float(got["funding", "physical", "P1", "total"][0]) == 675
    assert float(got["shortfall", "physical", "P1", "total", "pillar"][0]) == 2375
