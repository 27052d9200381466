"""Hostile and unlucky input: finite or refused, bounded amounts, deep nesting, whole years."""

from __future__ import annotations

from pathlib import Path

import pytest
from adv_helpers import DISTRIBUTIONS, one_error_line

from nplv_sim.cli import main
from nplv_sim.tomlreader import MAX_AMOUNT

MULTIPLIER = """
[inputs.{name}]
group = "g"
label_en = "{name}"
distribution = "fixed"
value = {value}
baseline = {value}
effect = "need_multiplier"
pillars = ["physical"]
source = "s"
rationale = "r"
"""


def _run(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    out = tmp_path / "o"
    code = main(["run", str(path), "--draws", "200", "--seed", "1", "--quiet", "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert one_error_line(err)
    assert not out.exists()  # nothing created, nothing left
    return err


def test_a_huge_fixed_multiplier_is_refused(files, tmp_path, capsys) -> None:
    u, _ = files
    u.write_text(u.read_text() + MULTIPLIER.format(name="huge", value="1e308"))
    err = _run(u, tmp_path, capsys)
    assert "u.toml" in err and "[inputs.huge]" in err and "EUR million" in err


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_a_non_finite_law_is_refused(value: str, files, tmp_path, capsys) -> None:
    u, _ = files
    u.write_text(u.read_text() + MULTIPLIER.format(name="odd", value=value))
    err = _run(u, tmp_path, capsys)
    assert "[inputs.odd]" in err and "finite" in err


def test_need_beyond_the_bound_is_refused_with_a_hint(files, tmp_path, capsys) -> None:
    u, f = files
    text = f.read_text()
    assert "need = { P1 = 445, P2 = 445 }" in text
    f.write_text(text.replace("need = { P1 = 445, P2 = 445 }", "need = { P1 = 1e308, P2 = 445 }"))
    err = _run(u, tmp_path, capsys)
    assert "f.toml" in err and "need.P1" in err and f"{MAX_AMOUNT:g}" in err and "check the unit" in err


@pytest.mark.parametrize("mode", [[], ["--stream"]], ids=["draws kept", "streamed"])
def test_many_multipliers_that_overflow_together_are_named(mode, files, tmp_path, capsys) -> None:
    """Each input within bounds, their product beyond floating point: the backstop names them."""
    u, _ = files
    extra = "".join(MULTIPLIER.format(name=f"m{i:02d}", value=f"{MAX_AMOUNT:g}") for i in range(45))
    u.write_text(u.read_text() + extra)
    err = _run(u, tmp_path, capsys, *mode)
    assert "not finite" in err and "u.toml" in err and "m0" in err


def _scenario(tmp_path: Path, **fields: str) -> Path:
    text = (DISTRIBUTIONS / "scenarios" / "coalition_135.toml").read_text()
    for key, value in fields.items():
        start = text.index(f"{key} = ")
        text = text[:start] + f"{key} = {value}" + text[text.index("\n", start):]
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("fields", "expect"),
    [
        ({"amount_per_year": "1e308"}, "check the unit"),
        ({"first_year": "2029.9"}, "whole number"),
    ],
    ids=["amount 1e308", "first_year 2029.9"],
)
def test_bad_scenario_numbers_are_refused(fields, expect, tmp_path, capsys) -> None:
    path = _scenario(tmp_path, **fields)
    out = tmp_path / "o"
    assert main(["scenarios", "--scenario", str(path), "--draws", "200", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert one_error_line(err) and "s.toml" in err and expect in err
    assert not out.exists()


@pytest.mark.parametrize("depth", [100, 5000])
def test_deeply_nested_toml_is_one_line(depth: int, tmp_path, capsys) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * depth + "]" * depth + "\n")
    err = _run(path, tmp_path, capsys)
    assert "deep.toml" in err and "nested" in err
