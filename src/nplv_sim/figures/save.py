"""Saving figures: PNG (300 dpi), PDF and SVG with fixed metadata, written atomically.

The same figure saved twice gives byte-identical files (no creation dates, fixed SVG
ids), so a report folder can be compared between runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import __version__
from ..errors import NplvError
from ..output import check_targets, prepare_dir, write_with
from ..provenance import figure_metadata
from . import style

__all__ = ["FORMATS", "save_figure"]

FORMATS = ("png", "pdf", "svg")
CREATOR = f"nplv-sim {__version__}"


def _metadata(fmt: str, title: str, source: str = "") -> dict[str, str | None]:
    if fmt == "png":
        return {"Software": CREATOR, "Title": title, **({"Source": source} if source else {})}
    if fmt == "pdf":
        return {"Creator": CREATOR, "Producer": CREATOR, "CreationDate": None, "Title": title,
                **({"Subject": source} if source else {})}
    return {"Creator": CREATOR, "Date": None, "Title": title, **({"Source": source} if source else {})}  # svg


def save_figure(
    fig: Figure | Axes,
    path: str | Path,
    formats: Sequence[str] = FORMATS,
    title: str = "",
    dpi: int = 300,
    force: bool = False,
    provenance: Any = None,
) -> list[Path]:
    """Save a figure in several formats next to each other.

    Parameters
    ----------
    fig : Figure or Axes
        The figure (or any of its Axes).
    path : str or Path
        File name without suffix (a suffix is replaced): ``out/scurve`` writes
        ``out/scurve.png``, ``out/scurve.pdf`` and ``out/scurve.svg``.
    formats : sequence of str
        Any of ``"png"``, ``"pdf"``, ``"svg"``.
    title : str
        Title stored in the files' metadata.
    dpi : int
        Resolution of the PNG.
    force : bool
        Replace existing files. Without it nothing is written if any target exists.
    provenance : Dataset or mapping, optional
        A results Dataset (or its attrs): the run's provenance block (file names, sha256,
        seed, draws) goes into each file's metadata (PNG/SVG ``Source``, PDF ``Subject``).

    Returns
    -------
    list of Path
        The files written.
    """
    figure = fig.figure if isinstance(fig, Axes) else fig
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise NplvError(f"unknown figure format(s) {bad}; choose from {', '.join(FORMATS)}")
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix.lower().lstrip(".") in FORMATS else stem
    targets = [stem.parent / f"{stem.name}.{fmt}" for fmt in formats]
    check_targets(targets, force)
    prepare_dir(stem.parent)  # a missing folder is made, as for every other output
    source = figure_metadata(provenance)["Source"] if provenance is not None else ""
    written = []
    with style.context():
        for fmt, target in zip(formats, targets, strict=True):
            write_with(target, lambda tmp, fmt=fmt: figure.savefig(tmp, format=fmt, dpi=dpi,
                                                                   metadata=_metadata(fmt, title, source)), force)
            written.append(target)
    return written
