"""The effects registry: each effect reads its own targets and lowers into the core's arrays."""

from __future__ import annotations

import numpy as np
import pytest

from nplv_sim import load_assumptions
from nplv_sim.assumptions import default_assumptions_path
from nplv_sim.compiled import model_arrays
from nplv_sim.effects import EFFECTS
from nplv_sim.errors import AssumptionsError


def _index(a, name):
    return [x.name for x in a.inputs].index(name)


def test_role_effects_name_their_owner_and_the_others_lower_themselves():
    for e in EFFECTS.values():
        assert (e.lower is None) == bool(e.owner), e.name  # lowered by itself, or by the entry it plays a role in


def test_need_multiplier_on_a_pillar_touches_that_pillar_in_its_periods_only(default_assumptions):
    a = default_assumptions
    arrays = model_arrays(a)
    k = _index(a, "social_p2_persistence")  # pillars = ["social"], periods = ["P2"]
    (mask,) = [m for i, m in arrays.need_multipliers if i == k]
    social = np.array([c.pillar == "social" for c in a.components])
    expected = np.zeros((len(a.components), len(a.facts.periods)), dtype=bool)
    expected[social, [p.name for p in a.facts.periods].index("P2")] = True
    np.testing.assert_array_equal(mask, expected)


def test_starts_realisation_lowers_to_a_funding_factor_and_a_deferral(default_assumptions):
    a = default_assumptions
    arrays = model_arrays(a)
    k = _index(a, "realisatiestimulans_housing_starts")  # sources realisatiestimulans, part both, new_build P1 -> P2
    (funding,) = [f for f in arrays.funding_effects if f.index == k]
    assert funding.rijk and funding.cofin
    np.testing.assert_array_equal(funding.sources, [s.name == "realisatiestimulans" for s in a.sources])
    (deferral,) = [d for d in arrays.deferrals if d.index == k]
    np.testing.assert_array_equal(deferral.components, [c.name == "new_build" for c in a.components])
    assert (deferral.source, deferral.target) == (0, 1)


def test_a_target_field_of_another_effect_is_refused(tmp_path):
    shipped = default_assumptions_path()
    text = shipped.read_text(encoding="utf-8")
    changed = text.replace('effect = "key_shift"\n', 'effect = "key_shift"\nsources = ["realisatiestimulans"]\n', 1)
    assert changed != text
    (tmp_path / "u.toml").write_text(changed, encoding="utf-8")
    for f in shipped.parent.glob("*facts*.toml"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    refused = r"\[inputs\.key_shift_social_housing\] sources: does not apply to effect"
    with pytest.raises(AssumptionsError, match=refused):
        load_assumptions(tmp_path / "u.toml")


def test_every_effect_is_documented_for_the_analyst():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "assumptions-files.md").read_text(encoding="utf-8")
    table = doc[doc.index("## Effects") : doc.index("## Correlations")]
    assert [e for e in EFFECTS if f"`{e}`" not in table] == []
