"""Read a results file written earlier and check that it fits the assumptions it is used with.

``report --results FILE`` must refuse, in one line, a NetCDF file from another program,
from another model (other inputs, pillars or periods) or one that is damaged, rather
than fail deep inside a figure with a ``KeyError``.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from .errors import NplvError
from .schema import Assumptions

__all__ = ["REQUIRED_ATTRS", "read_results"]

# Attributes the report reads from a results file.
REQUIRED_ATTRS = ("seed_entropy", "n_draws", "sampling_method")


def read_results(path: str | Path, a: Assumptions) -> xr.Dataset:
    """Load ``path`` and check it against what :func:`nplv_sim.simulate` makes of ``a``.

    Every variable of a one-draw run of ``a`` must be there with the same dims, and the
    labels (inputs, pillars, periods, scopes, nettings) must be the same.

    Raises
    ------
    NplvError
        One line naming the file and the first thing that does not fit.
    """
    from .results import regenerate, simulate, stored

    path = Path(path)
    if not path.is_file():
        raise NplvError(f"{path}: results file not found")
    try:
        ds = xr.load_dataset(path)
    except Exception as exc:  # any unreadable file is the user's input
        raise NplvError(f"{path}: cannot be read as NetCDF results ({type(exc).__name__})") from None
    if "shortfall" not in ds:
        raise NplvError(f"{path}: is not an nplv-sim results file (no 'shortfall')")
    reference = simulate(a, 1, rng=0, deterministic=True)
    for name, var in stored(reference).data_vars.items():
        if name not in ds:
            raise NplvError(f"{path}: lacks the variable {name!r}; was it written by another nplv-sim version?")
        if ds[name].dims != var.dims:
            raise NplvError(f"{path}: variable {name!r} has dims {ds[name].dims}, expected {var.dims}")
    for dim in reference.dims:
        if dim == "draw" or dim not in ds.dims:
            continue
        theirs, ours = list(map(str, ds[dim].values)), list(map(str, reference[dim].values))
        if theirs != ours:
            extra = sorted(set(theirs) - set(ours)) or sorted(set(ours) - set(theirs)) or ["(order)"]
            raise NplvError(f"{path}: its {dim} labels differ from {a.path}'s (e.g. {extra[0]!r}); "
                            "report on it with the assumptions it was made from")
    for key in REQUIRED_ATTRS:
        if key not in ds.attrs:
            raise NplvError(f"{path}: lacks the attribute {key!r} of an nplv-sim results file")
    if ds.sizes.get("draw", 0) < 1:
        raise NplvError(f"{path}: holds no draws")
    # What the file leaves out (sums, year profile, drawn inputs) comes back bit for bit.
    return regenerate(ds, a)
