"""The numerical core stays free of xarray, matplotlib and file handling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nplv_sim.core


def test_importing_the_core_loads_no_edge_library():
    code = (
        "import sys\n"
        "import nplv_sim.core.engine, nplv_sim.core.model, nplv_sim.core.sampling\n"
        "import nplv_sim.core.distributions, nplv_sim.core.correlation, nplv_sim.core.seeding\n"
        "print(','.join(m for m in ('xarray', 'matplotlib', 'pandas', 'tomllib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_sources_do_not_touch_files_or_labels():
    core = Path(nplv_sim.core.__file__).parent
    for f in core.glob("*.py"):
        text = f.read_text()
        for word in ("import xarray", "import matplotlib", "import pandas", "open(", "Path("):
            assert word not in text, f"{f.name} uses {word}"
