"""The examples in README.md and docs/*.md work as written.

A fenced block preceded by the line ``<!-- runnable -->`` is run: the blocks of one
document in order, in one temporary folder that holds a copy of ``distributions/`` (as a
checkout does). Two things are adapted, and only these: ``.venv/bin/nplv-sim`` and
``.venv/bin/python`` become this interpreter, and draw counts become small (``--draws N``,
``draws=N`` and any number written with ``_`` separators; a command that takes
``--draws`` and is shown without it gets a small one), so the suite stays fast. Every
``toml`` block must parse.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SMALL = "400"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(path: Path) -> list[tuple[str, str, bool]]:
    """(language, code, runnable) for every fenced block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        out.append((m.group(1), m.group(2), before == "<!-- runnable -->"))
    return out


def _commands_with_draws() -> set[str]:
    import argparse

    from nplv_sim.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {name for name, p in sub.choices.items() if any("--draws" in a.option_strings for a in p._actions)}


def small(code: str) -> str:
    takes = _commands_with_draws()
    code = "\n".join(
        re.sub(r"(nplv-sim\s+(\w+))", lambda m: f"{m.group(1)} --draws {SMALL}" if m.group(2) in takes else m.group(1),
               line, count=1) if "--draws" not in line else line
        for line in code.split("\n")
    )
    code = re.sub(r"--draws\s+\S+", f"--draws {SMALL}", code)
    code = re.sub(r"\bdraws=[0-9_e.]+", f"draws={SMALL}", code)
    return re.sub(r"\b\d{1,3}(?:_\d{3})+\b", SMALL, code)


def test_the_markers_are_found():
    runnable = {p.name: sum(r for *_, r in blocks(p)) for p in DOCS}
    assert runnable["README.md"] >= 3 and runnable["figures.md"] >= 2 and runnable["assumptions-files.md"] >= 1


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_toml_examples_parse(path: Path):
    for lang, code, _ in blocks(path):
        if lang == "toml":
            tomllib.loads(code)


@pytest.mark.parametrize("path", [p for p in DOCS if any(r for *_, r in blocks(p))], ids=lambda p: p.name)
def test_runnable_examples_run(path: Path, tmp_path: Path):
    shutil.copytree(ROOT / "distributions", tmp_path / "distributions")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    py = sys.executable
    for i, (lang, code, runnable) in enumerate(blocks(path)):
        if not runnable:
            continue
        code = re.sub(r"(?<![\w/.])\.venv/bin/(nplv-sim|python)",
                      lambda m: f"{py} -m nplv_sim" if m.group(1) == "nplv-sim" else py, small(code))
        if lang == "bash":
            cmd = ["bash", "-euo", "pipefail", "-c", code]
        elif lang == "python":
            script = tmp_path / f"block{i}.py"
            script.write_text(code, encoding="utf-8")
            cmd = [py, str(script)]
        else:
            raise AssertionError(f"{path.name}: runnable block {i} has no runner for {lang!r}")
        res = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"{path.name} block {i}:\n{code}\n--- stderr ---\n{res.stderr[-3000:]}"
