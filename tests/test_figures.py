"""Figures mean what they show: marks at the summary's values, labels from attrs (figures/)."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from PIL import Image  # noqa: E402

import nplv_sim  # noqa: E402
from nplv_sim.errors import NplvError, OutputExistsError  # noqa: E402
from nplv_sim.figures import (  # noqa: E402
    plot_convergence,
    plot_fan,
    plot_intervals,
    plot_scenarios,
    plot_scurve,
    plot_tornado,
    plot_variance_contribution,
    plot_waterfall,
    save_figure,
)
from nplv_sim.figures.convergence import running_quantile  # noqa: E402
from nplv_sim.figures.fan import yearly  # noqa: E402
from nplv_sim.sensitivity import analyze_sensitivity, tornado  # noqa: E402


@pytest.fixture(scope="module")
def run():
    a = nplv_sim.load_assumptions()
    ds = nplv_sim.simulate(a, 4000, rng=3)
    return a, ds, nplv_sim.summarize(ds)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def by_gid(ax, prefix):
    found = {}
    for artist in ax.get_children():
        gid = artist.get_gid()
        if gid and gid.startswith(prefix):
            found[gid] = artist
    return found


def segment(collection: LineCollection) -> tuple[float, float]:
    (x0, _), (x1, _) = collection.get_segments()[0]
    return x0, x1


def test_scurve_marks_sit_at_the_summary_quantiles(run):
    a, ds, s = run
    ax = plot_scurve(ds, published=a, summary=s)
    for p in ("P1", "P2"):
        for sc in ("total", "rijk"):
            cell = s["shortfall_all_pillars"].sel(period=p, scope=sc, netting="pillar")
            for q in (0.15, 0.5, 0.85):
                mark = by_gid(ax, f"mark:{q}:{p}:{sc}")[f"mark:{q}:{p}:{sc}"]
                assert mark.get_xdata()[0] == pytest.approx(float(cell.sel(quantile=q)))
                assert mark.get_ydata()[0] == q
            # the report's point estimate sits at its cumulative probability
            ref = next(
                x.value
                for x in a.facts.published
                if (x.measure, x.pillar, x.period, x.scope, x.netting) == ("shortfall", "all", p, sc, "pillar")
            )
            point = by_gid(ax, f"report:{p}:{sc}")[f"report:{p}:{sc}"]
            draws = ds["shortfall_all_pillars"].sel(period=p, scope=sc, netting="pillar").values
            assert point.get_xdata()[0] == ref
            assert point.get_ydata()[0] == pytest.approx(np.mean(draws <= ref))
    assert len(by_gid(ax, "scurve:")) == 4


def test_scurve_labels_say_what_is_drawn_in_both_languages(run):
    """The axis names no scope (a Rijk curve is never on a 'Totale restopgave' axis); the title gives the basis."""
    _, ds, _ = run
    ax = plot_scurve(ds, period="P1", scope="rijk")
    assert ax.get_xlabel() == "Restopgave beide pijlers [€ mln.]" and "Totale" not in ax.get_xlabel()
    assert ax.get_title(loc="left").endswith("zonder funderingsherstel")
    assert (
        plot_scurve(ds, variable="shortfall_incl_addons", scope="rijk")
        .get_title(loc="left")
        .endswith("met funderingsherstel")
    )
    assert ax.get_ylabel() == "Cumulatieve kans"
    ax_en = plot_scurve(ds, period="P1", scope="rijk", pillar="physical", lang="en")
    assert ax_en.get_xlabel() == "Remaining need [€ million]"
    ax_en.figure.canvas.draw()
    assert any(t.get_text().endswith("%") and " " not in t.get_text() for t in ax_en.get_yticklabels())
    with pytest.raises(NplvError, match="lang"):
        plot_scurve(ds, lang="fr")


def test_scurve_needs_draws(run):
    _, _, s = run
    with pytest.raises(NplvError, match="draws"):
        plot_scurve(s)


def test_interval_bands_are_ordered_and_match_the_summary(run):
    a, _, s = run
    ax = plot_intervals(s, published=a)
    outer, inner = by_gid(ax, "band:p5_p95:"), by_gid(ax, "band:p15_p85:")
    medians, reports = by_gid(ax, "median:"), by_gid(ax, "report:")
    assert len(outer) == len(inner) == len(medians) == len(reports) == 12
    for gid, band in outer.items():
        cell = gid.split(":", 2)[2]
        p5, p95 = segment(band)
        p15, p85 = segment(inner[f"band:p15_p85:{cell}"])
        p50 = medians[f"median:{cell}"].get_xdata()[0]
        assert p5 <= p15 <= p50 <= p85 <= p95
        pillar, period, scope = cell.split(":")
        name = "shortfall_all_pillars" if pillar == "all" else "shortfall"
        sel = {"period": period, "scope": scope, "netting": "pillar"} | ({} if pillar == "all" else {"pillar": pillar})
        assert p85 == pytest.approx(float(s[name].sel(sel).sel(quantile=0.85)))
    assert reports["report:all:P1:total"].get_xdata()[0] == 2940.0
    assert "[€ mln.]" in ax.get_xlabel()


def test_fan_spreads_periods_evenly_or_uses_the_year_variable(run):
    _, _, s = run
    no_years = s.drop_vars([v for v in s.data_vars if v.startswith("shortfall_by_year")])
    da = yearly(no_years, "rijk")
    p1 = s["shortfall_all_pillars"].sel(period="P1", scope="rijk", netting="pillar")
    assert da.sel(year=2027, quantile=0.5).item() == pytest.approx(p1.sel(quantile=0.5).item() / 4)
    assert da.sizes["year"] == 10 and da.attrs["units"] == "million EUR per year"
    ax = plot_fan(no_years)
    median = by_gid(ax, "fan:median")["fan:median"]
    assert median.get_ydata()[0] == pytest.approx(p1.sel(quantile=0.5).item() / 4)
    assert "(elk periodebedrag gelijkmatig" in ax.get_xlabel()
    assert "€ mln. per jaar" in ax.get_ylabel()
    if "shortfall_by_year" in s:
        assert yearly(s, "rijk").identical(s["shortfall_by_year"].sel(scope="rijk"))


def test_fan_marks_the_report_per_year_and_the_budget(run):
    a, ds, _ = run
    ax = plot_fan(ds, scope="rijk", published=a, budget=135.0)
    lines = by_gid(ax, "report:")
    assert segment(lines["report:P1"]) == (2025.5, 2029.5)
    assert lines["report:P1"].get_segments()[0][0][1] == 280.0  # Table 1: EUR 0,28 mld. per year
    assert set(by_gid(ax, "budget")["budget"].get_ydata()) == {135.0}


def test_waterfall_adds_up(run):
    _, ds, _ = run
    ax = plot_waterfall(ds, period="P1", scope="total")
    bars = {gid: artist for gid, artist in by_gid(ax, "bar:").items()}
    for pillar in ("physical", "social"):
        need = bars[f"bar:need:{pillar}"]
        funding = bars[f"bar:funding:{pillar}"]
        short = bars[f"bar:shortfall:{pillar}"]
        assert funding.get_y() + funding.get_height() == pytest.approx(need.get_height())
        assert funding.get_y() == pytest.approx(short.get_height())  # need - funding = shortfall (means)
        sel = {"pillar": pillar, "period": "P1", "scope": "total", "netting": "pillar"}
        assert short.get_height() == pytest.approx(float(ds["shortfall"].sel(sel).mean()))
    with pytest.raises(NplvError, match="stat"):
        plot_waterfall(ds, stat="mode")


def test_tornado_plot_draws_each_swing_from_the_baseline():
    res = tornado(
        lambda v: 100 + 3 * v["a"] - v["b"],
        {"a": 1.0, "b": 1.0},
        {"a": 0.0, "b": 0.0},
        {"a": 2.0, "b": 2.0},
        output_attrs={"long_name": "Restopgave", "units": "million EUR"},
    )
    ax = plot_tornado(res)
    bars = by_gid(ax, "tornado:")
    base = float(res["output_baseline"])
    assert by_gid(ax, "tornado:baseline")["tornado:baseline"].get_xdata()[0] == base
    high_a = bars["tornado:high:a"]
    assert high_a.get_x() == pytest.approx(base) and high_a.get_width() == pytest.approx(3.0)
    assert bars["tornado:low:a"].get_y() > bars["tornado:low:b"].get_y()  # a on top
    assert ax.get_xlabel() == "Restopgave [€ mln.]"


def test_variance_contribution_bars_are_the_largest_shares_in_order(run):
    _, ds, _ = run
    sens = analyze_sensitivity(ds, n_bootstrap=10)
    ax = plot_variance_contribution(sens, cell="all_P1_rijk", max_bars=5)
    bars = by_gid(ax, "share:")
    assert len(bars) == 5
    widths = [b.get_width() for b in sorted(bars.values(), key=lambda b: -b.get_y())]
    assert widths == sorted(widths, reverse=True)
    top = sens["first_order"].sel(cell="all_P1_rijk").to_series().nlargest(5)
    assert set(bars) == {f"share:{k}" for k in top.index}
    ax2 = plot_variance_contribution(sens, cell="all_P2_total", by="group", lang="en")
    assert "R²" in ax2.get_xlabel()
    with pytest.raises(NplvError, match="unknown cell"):
        plot_variance_contribution(sens, cell="all_P3_rijk")


def test_scenarios_show_differences_at_their_quantiles():
    rng = np.random.default_rng(0)
    n = 2000
    diff = np.stack([np.zeros((n, 2, 2)), np.full((n, 2, 2), -135.0), rng.normal(200, 50, (n, 2, 2))], axis=1)
    da = xr.DataArray(
        diff,
        dims=("draw", "scenario", "period", "scope"),
        coords={"scenario": ["baseline", "coalition", "vat"], "period": ["P1", "P2"], "scope": ["total", "rijk"]},
        attrs={"long_name": "Verschil met basis", "units": "million EUR"},
    )
    ax = plot_scenarios(da, scope="rijk")
    medians = by_gid(ax, "median:")
    assert set(medians) == {f"median:{s}:{p}" for s in ("coalition", "vat") for p in ("P1", "P2")}  # zero dropped
    assert medians["median:coalition:P1"].get_xdata()[0] == pytest.approx(-135.0)
    assert medians["median:vat:P2"].get_xdata()[0] == pytest.approx(np.median(diff[:, 2, 1, 1]))
    p5, p95 = segment(by_gid(ax, "band:p5_p95:vat:P1")["band:p5_p95:vat:P1"])
    p15, p85 = segment(by_gid(ax, "band:p15_p85:vat:P1")["band:p15_p85:vat:P1"])
    assert p5 < p15 < 200 < p85 < p95
    assert ax.get_xlabel() == "Verschil in restopgave t.o.v. basis [€ mln.]"
    with pytest.raises(NplvError, match="scenario"):
        plot_scenarios(da.isel(scenario=0))


def test_running_quantile_band_shrinks_like_one_over_root_n():
    values = np.random.default_rng(1).normal(size=40_000)
    ns, est, lo, hi = running_quantile(values, 0.85)
    assert est[-1] == pytest.approx(np.quantile(values, 0.85))
    assert np.all((lo <= est) & (est <= hi))
    ratio = (hi[0] - lo[0]) / (hi[-1] - lo[-1])
    assert ratio == pytest.approx(np.sqrt(ns[-1] / ns[0]), rel=0.5)


def test_convergence_plot_ends_at_the_full_sample_quantile(run):
    _, ds, s = run
    ax = plot_convergence(ds, q=0.85, period="P1", scope="rijk")
    line = by_gid(ax, "convergence:estimate")["convergence:estimate"]
    p85 = s["shortfall_all_pillars"].sel(quantile=0.85, period="P1", scope="rijk", netting="pillar").item()
    assert line.get_xdata()[-1] == 4000
    assert line.get_ydata()[-1] == pytest.approx(p85)
    assert ax.get_xscale() == "log" and ax.get_ylabel().startswith("P85 ")


def test_save_figure_writes_three_identical_formats(run, tmp_path):
    _, _, s = run
    ax = plot_intervals(s, scope="rijk")
    paths = save_figure(ax, tmp_path / "intervals.png", title="Bijlage")
    assert [p.name for p in paths] == ["intervals.png", "intervals.pdf", "intervals.svg"]
    with Image.open(paths[0]) as im:
        assert im.info["dpi"][0] == pytest.approx(300, abs=0.5)
        assert im.info["Software"].startswith("nplv-sim")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    with pytest.raises(OutputExistsError):
        save_figure(ax, tmp_path / "intervals")
    again = save_figure(ax, tmp_path / "intervals", force=True, title="Bijlage")
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in again] == digest
    assert b"CreationDate" not in paths[1].read_bytes()
    with pytest.raises(NplvError, match="format"):
        save_figure(ax, tmp_path / "x", formats=("jpg",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intervals.pdf", "intervals.png", "intervals.svg"]
