"""The memory check honours ulimit -v (RLIMIT_AS) and the cgroup's limit, not only RAM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from adv_helpers import ENV, one_error_line

from nplv_sim import memory

resource = pytest.importorskip("resource")


def test_a_run_under_ulimit_v_is_refused_in_one_line(tmp_path: Path) -> None:
    limit = 3 * 2**30  # 2,000,000 draws need about 5 GiB

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = subprocess.run([sys.executable, "-m", "nplv_sim", "run", "--draws", "2000000", "--quiet", "--out",
                          str(tmp_path / "o")], preexec_fn=cap, env=ENV, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert one_error_line(out.stderr) and "ulimit -v" in out.stderr and "MemoryError" not in out.stderr
    assert not (tmp_path / "o").exists()


def _cgroup_tree(tmp_path: Path, files: dict[str, str], proc: str) -> tuple[Path, Path]:
    root = tmp_path / "cg"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (tmp_path / "cgroup").write_text(proc)
    return root, tmp_path / "cgroup"


def test_cgroup_v2_limit_and_its_ancestors(tmp_path: Path) -> None:
    root, proc = _cgroup_tree(tmp_path, {
        "job/memory.max": "max\n", "job/memory.current": "100\n",
        "job/step/memory.max": "4000000000\n", "job/step/memory.current": "1000000000\n",
        "memory.max": "2000000000\n", "memory.current": "500000000\n",
    }, "0::/job/step\n")
    # The step leaves 3.0e9, the root 1.5e9: the tighter one counts.
    assert memory._cgroup_headroom(root, proc) == 1_500_000_000


def test_cgroup_v1_limit_and_no_limit(tmp_path: Path) -> None:
    root, proc = _cgroup_tree(tmp_path, {
        "memory/memory.limit_in_bytes": "9223372036854771712\n", "memory/memory.usage_in_bytes": "5\n",
        "memory/batch/memory.limit_in_bytes": "1073741824\n", "memory/batch/memory.usage_in_bytes": "73741824\n",
    }, "4:memory:/batch\n1:cpu:/\n")
    assert memory._cgroup_headroom(root, proc) == 1_000_000_000
    no_limit = {"memory/memory.limit_in_bytes": "9223372036854771712\n"}
    root2, proc2 = _cgroup_tree(tmp_path / "b", no_limit, "4:memory:/\n")
    assert memory._cgroup_headroom(root2, proc2) is None


def test_the_check_uses_the_tightest_limit(monkeypatch: pytest.MonkeyPatch, default_assumptions) -> None:
    from nplv_sim.errors import NplvError
    from nplv_sim.simulation import estimate_bytes, plan_run
    from nplv_sim.validation import check_memory

    need = estimate_bytes(plan_run(default_assumptions, 1), 100_000)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: need)  # 60 % of it is too little
    with pytest.raises(NplvError, match="cgroup"):
        check_memory(need, 100_000)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: 10 * need)
    check_memory(need, 100_000)
