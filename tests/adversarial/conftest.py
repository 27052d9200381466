"""Fixtures of the adversarial suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from adv_helpers import DISTRIBUTIONS


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped uncertainty and facts files copied to ``u.toml`` and ``f.toml``."""
    u, f = tmp_path / "u.toml", tmp_path / "f.toml"
    shutil.copy(DISTRIBUTIONS / "rebel_2026_facts.toml", f)
    text = (DISTRIBUTIONS / "rebel_2026_uncertainty.toml").read_text(encoding="utf-8")
    u.write_text(text.replace('facts = "rebel_2026_facts.toml"', 'facts = "f.toml"'), encoding="utf-8")
    assert 'facts = "f.toml"' in u.read_text(encoding="utf-8")
    return u, f

