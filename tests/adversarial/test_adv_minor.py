"""The issue's minor cases: options checked before simulating, and nothing left by bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from adv_helpers import one_error_line

from nplv_sim.cli import main

FAR_FROM_VALID = (
    '\n[correlation_matrix]\ninputs = ["spuk_amount", "preventie_met_gezag_amount", '
    '"wokt_cofinancing"]\nmatrix = [[1.0, 0.95, -0.95], [0.95, 1.0, 0.95], [-0.95, 0.95, 1.0]]\n'
    'source = "test"\n'
)


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a simulation starts."""
    def boom(*args, **kwargs):
        raise AssertionError("simulated before checking the options")

    monkeypatch.setattr("nplv_sim.cli.simulate", boom)


@pytest.mark.parametrize("budget", ["945x", "9" * 400, "1e9", "135/yr --"], ids=["typo", "400 digits", "1e9", "junk"])
def test_cover_budget_is_checked_before_simulating(budget: str, no_simulation, capsys) -> None:
    assert main(["cover", "--budget", budget, "--draws", "200"]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "budget" in err


def test_cover_years_without_a_per_year_budget_before_simulating(no_simulation, capsys) -> None:
    assert main(["cover", "--budget", "945", "--years", "2029-2035", "--draws", "200"]) == 2
    assert "per-year" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "nan%", "inf%", "100%", "1e9"])
def test_precision_must_be_a_finite_sensible_target(value: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["run", f"--precision={value}", "--draws", "1000", "--out", str(out)]) == 2
    assert one_error_line(capsys.readouterr().err)
    assert not out.exists()


def test_detail_with_stream_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["run", "--stream", "--detail", "--draws", "1000", "--out", str(tmp_path / "o")]) == 2
    assert "--detail" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_correlations_beyond_repair_leave_no_folder(files, tmp_path: Path, capsys) -> None:
    u, _ = files
    u.write_text(u.read_text() + FAR_FROM_VALID)
    out = tmp_path / "deeper" / "o"
    assert main(["run", str(u), "--draws", "200", "--out", str(out)]) == 2
    assert "far from a valid matrix" in capsys.readouterr().err
    assert not (tmp_path / "deeper").exists()


def test_stream_and_precision_build_no_block_list(default_assumptions) -> None:
    """10^14 draws: the blocks are generated one by one, so a run starts at once and stops
    when its rule says so (a list of 1.5e9 blocks would exhaust memory before the first)."""
    import nplv_sim.core.engine as engine
    from nplv_sim.precision import simulate_to_precision

    s = simulate_to_precision(default_assumptions, target_abs=1e9, max_draws=10**14, rng=1)
    assert s.attrs["precision_met"] == 1 and s.attrs["n_draws"] == engine.BLOCK_SIZE
    todo = engine.blocks(10**14)
    first, second = next(todo), next(todo)
    assert (first.index, first.start, second.index, second.start) == (0, 0, 1, engine.BLOCK_SIZE)
