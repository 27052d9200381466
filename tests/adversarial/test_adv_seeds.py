"""Stream keys: 128 bits, colliding names refused, the scheme recorded in the results."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import nplv_sim
from nplv_sim import assumptions as assumptions_module
from nplv_sim.core.seeding import SOBOL_STREAM, STREAM_KEY_SCHEME, stream_key
from nplv_sim.errors import AssumptionsError

SMALL_FACTS = Path(__file__).resolve().parents[1] / "malformed" / "_small_facts.toml"

# The pair the issue found: equal 32-bit blake2b keys.
PAIR = ("est_x42040", "est_x51393")


def _key32(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big")


def _two_inputs(folder: Path, names: tuple[str, str]) -> Path:
    """A small model with two independent uniform need multipliers named ``names``."""
    shutil.copy(SMALL_FACTS, folder / "f.toml")
    u = ['schema = "nplv-sim/uncertainty/1"', 'title = "t"', 'facts = "f.toml"']
    for name in names:
        u += [f"[inputs.{name}]", 'group = "g"', 'label_en = "m"', 'distribution = "uniform"', "low = 0.5",
              "high = 1.5", "baseline = 1.0", 'effect = "need_multiplier"', 'components = ["houses"]',
              'source = "s"', 'rationale = "r"']
    path = folder / "u.toml"
    path.write_text("\n".join(u) + "\n")
    return path


def test_the_issues_pair_shared_a_32_bit_key_but_not_the_new_one() -> None:
    assert _key32(PAIR[0]) == _key32(PAIR[1])  # the old scheme's collision, recomputed here
    assert stream_key(PAIR[0]) != stream_key(PAIR[1])
    digest = hashlib.blake2b(PAIR[0].encode(), digest_size=16).digest()
    assert stream_key(PAIR[0]) == tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, 16, 4))
    assert all(0 <= w < 2**32 for w in stream_key(PAIR[0])) and len(stream_key(PAIR[0])) == 4
    assert SOBOL_STREAM != stream_key("sobol")


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_the_issues_pair_now_draws_independently(method: str, tmp_path: Path) -> None:
    a = nplv_sim.load_assumptions(_two_inputs(tmp_path, PAIR))
    n = 20_000
    ds = nplv_sim.simulate(a, n, rng=7, method=method)
    x = ds["input_value"].values
    ranks = np.argsort(np.argsort(x, axis=0), axis=0)
    rho = np.corrcoef(ranks.T)[0, 1]
    # Independent inputs: Spearman's rho has s.e. 1 / sqrt(n - 1) = 0.007; 5 s.e.
    assert abs(rho) < 5 / np.sqrt(n - 1), rho
    assert ds.attrs["stream_key_scheme"] == STREAM_KEY_SCHEME


def test_names_whose_keys_collide_are_refused_on_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _two_inputs(tmp_path, PAIR)
    # Keys that still collide cannot be found at 128 bits; give the check the old 32-bit keys.
    monkeypatch.setattr("nplv_sim.core.seeding.stream_key", lambda name: (_key32(name),))
    with pytest.raises(AssumptionsError) as info:
        assumptions_module.load_assumptions(path)
    msg = str(info.value)
    assert "u.toml" in msg and PAIR[0] in msg and PAIR[1] in msg and "same random-stream key" in msg


def test_with_the_old_keys_the_pair_would_be_perfectly_correlated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The independence test above can fail: under 32-bit keys the pair draws the same numbers."""
    a = nplv_sim.load_assumptions(_two_inputs(tmp_path, PAIR))
    monkeypatch.setattr("nplv_sim.compiled.stream_key", lambda name: (_key32(name),))
    x = nplv_sim.simulate(a, 2_000, rng=7)["input_value"].values
    assert np.array_equal(x[:, 0], x[:, 1])
