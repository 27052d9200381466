"""Provenance of a run: which files, which seed, which draws, shown the same way on every output.

One block, built once from a results Dataset's attrs, goes onto the HTML, the XLSX, a
``provenance.csv`` beside the CSV tables, the NetCDF attrs and the figures' metadata. It
names files by their name and sha256, never by a local absolute path.

:func:`assumptions_for_results` is the check that keeps the block true: a report on an
earlier results file uses exactly the assumptions that produced it, or refuses.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import xarray as xr

from . import outputs
from .errors import NplvError
from .formatting import format_number
from .glossary import TERMS, check_lang, term

__all__ = [
    "REQUIRED_VARIABLES",
    "assumptions_for_results",
    "check_facts",
    "check_results",
    "figure_metadata",
    "provenance",
    "provenance_csv",
    "provenance_rows",
    "public_attrs",
]

# What a report needs from a results file; older or foreign files lack some of these.
# What every results file stores (the engine's arrays, from the output registry); the
# rest comes back through nplv_sim.simulation.regenerate.
REQUIRED_VARIABLES = tuple(v.name for v in outputs.selected() if v.store == "engine")
REQUIRED_ATTRS = ("nplv_sim_version", "assumptions_file", "assumptions_sha256", "facts_sha256", "seed_entropy",
                  "n_draws", "sampling_method")
_PATH_ATTRS = ("assumptions_file", "facts_file")

# key -> (Dutch, English) row labels, in display order
_LABELS: dict[str, tuple[str, str]] = {
    "software": ("Programma", "Software"),
    "assumptions": ("Aannamebestand", "Assumptions file"),
    "assumptions_sha256": ("sha256 aannamebestand", "sha256 of the assumptions file"),
    "facts": ("Feitenbestand", "Facts file"),
    "facts_sha256": ("sha256 feitenbestand", "sha256 of the facts file"),
    "scenario": ("Scenario", "Scenario"),
    "uplift": ("Opslag optimisme-bias", "Optimism-bias uplift"),
    "draws": ("Aantal trekkingen", "Number of draws"),
    "method": ("Steekproefmethode", "Sampling method"),
    "seed": ("Seed (voor herhaling)", "Seed (to repeat the run)"),
    "created": ("Berekend op (UTC)", "Computed at (UTC)"),
}


def _name(path: Any) -> str:
    return Path(str(path)).name if path else ""


def provenance(attrs: Any) -> dict[str, str]:
    """The provenance block of a run, from a Dataset (or its attrs): keys of ``_LABELS``.

    File names only (no folders); numbers as plain text.
    """
    a = getattr(attrs, "attrs", attrs)
    out = {
        "software": f"nplv-sim {a.get('nplv_sim_version', '?')}",
        "assumptions": _name(a.get("assumptions_file")),
        "assumptions_sha256": str(a.get("assumptions_sha256", "")),
        "facts": _name(a.get("facts_file")),
        "facts_sha256": str(a.get("facts_sha256", "")),
        "scenario": str(a.get("scenario", "baseline")),
        "uplift": str(a.get("uplift_layer", "")),  # "off" or "on: <inputs>" (nplv_sim.uplift)
        "draws": str(int(a.get("n_draws", 0))),
        "method": str(a.get("sampling_method", "")),
        "seed": str(a.get("seed_entropy", "")),
        "created": str(a.get("created", "")),
    }
    return out


def provenance_rows(attrs: Any, lang: str = "nl") -> list[tuple[str, str]]:
    """(label, value) rows of :func:`provenance` in the reader's language."""
    i = 0 if check_lang(lang) == "nl" else 1
    shown = provenance(attrs)
    shown["draws"] = format_number(int(shown["draws"]), 0, lang)
    for key, word_key in (("method", f"method_{shown['method']}"), ("scenario", f"scenario_{shown['scenario']}")):
        if word_key in TERMS:  # the glossary's word for a known method and for the baseline
            shown[key] = term(word_key, lang)
    return [(_LABELS[k][i], _uplift_value(v, lang) if k == "uplift" else v) for k, v in shown.items()]


def _uplift_value(state: str, lang: str) -> str:
    """The layer's state in the reader's words (``uit``; ``aan (optimism_bias_uplift)``)."""
    from .glossary import word
    from .uplift import state_text

    if not state:
        return word("not_recorded", lang)
    return state_text(state, lang).split(": ", 1)[1]


def provenance_csv(attrs: Any, dutch: bool = False) -> str:
    """Provenance as a two-column CSV (``key,value``; Dutch: BOM, ``;``, Dutch labels)."""
    buf = io.StringIO()
    if dutch:
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Gegeven", "Waarde"])
        writer.writerows(provenance_rows(attrs, "nl"))
        return "\ufeff" + buf.getvalue()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["key", "value"])
    writer.writerows(provenance(attrs).items())
    return buf.getvalue()


def figure_metadata(attrs: Any) -> dict[str, str]:
    """Metadata for :func:`matplotlib.figure.Figure.savefig` (PNG text chunks, PDF info)."""
    p = provenance(attrs)
    return {"Software": p["software"],
            "Source": (f"{p['assumptions']} sha256={p['assumptions_sha256']}; {p['facts']} sha256={p['facts_sha256']}; "
                       f"scenario {p['scenario']}; uplift layer {p['uplift'] or 'not recorded'}; "
                       f"{p['draws']} draws, {p['method']}, seed {p['seed']}; "
                       f"{p['created']}")}


def public_attrs(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy of ``ds`` whose file attrs hold names, not local absolute paths."""
    out = ds.copy(deep=False)
    out.attrs = dict(ds.attrs)
    for key in _PATH_ATTRS:
        if key in out.attrs:
            out.attrs[key] = _name(out.attrs[key])
    if "scenario_files" in out.attrs:
        out.attrs["scenario_files"] = "; ".join(
            f"{_name(part.split(' sha256=')[0])} sha256={part.split(' sha256=')[-1]}" if " sha256=" in part else part
            for part in str(out.attrs["scenario_files"]).split("; ") if part)
    return out


def check_results(ds: xr.Dataset, path: Path | str) -> None:
    """Refuse, in one line, a results file that nplv-sim did not write or cannot report on."""
    missing_vars = [v for v in REQUIRED_VARIABLES if v not in ds]
    missing_attrs = [k for k in REQUIRED_ATTRS if k not in ds.attrs]
    if missing_attrs and missing_vars:
        raise NplvError(f"{path}: is not an nplv-sim results file (no {missing_attrs[0]!r} attribute, "
                        f"no {missing_vars[0]!r} variable)")
    if missing_attrs:
        raise NplvError(f"{path}: results file lacks the provenance attribute {missing_attrs[0]!r}; "
                        "it cannot be traced to its assumptions")
    if "draw" not in ds.dims:
        raise NplvError(f"{path}: holds summaries, not draws (a `run --stream` or `--precision` file?); a report "
                        "needs the draws of `nplv-sim run`")
    if missing_vars:
        raise NplvError(f"{path}: results file from nplv-sim {ds.attrs.get('nplv_sim_version')} lacks "
                        f"{missing_vars[0]!r}; rerun `nplv-sim run` with this version")
    if ds.sizes["draw"] < 2:
        raise NplvError(f"{path}: results file holds {ds.sizes['draw']} draw; a report needs at least two")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assumptions_for_results(ds: xr.Dataset, path: Path | str, explicit: str | Path | None = None) -> Path:
    """The assumptions file that produced the results ``ds`` (read from ``path``).

    Parameters
    ----------
    ds : Dataset
        Results of :func:`nplv_sim.simulate`, with ``assumptions_file`` and
        ``assumptions_sha256`` attrs.
    path : Path or str
        Where ``ds`` was read (for messages).
    explicit : Path or str, optional
        An assumptions file the user named; it must be the one recorded.

    Returns
    -------
    Path
        The file to load: ``explicit`` if given, else the recorded path, else a file of
        the recorded name among the shipped assumptions; in every case its sha256 equals
        the recorded one.

    Raises
    ------
    NplvError
        One line naming both hashes when the file differs, or the recorded file when it
        cannot be found.
    """
    from .assumptions import distributions_dir

    check_results(ds, path)
    recorded = str(ds.attrs["assumptions_file"])
    want = str(ds.attrs["assumptions_sha256"])
    if str(ds.attrs.get("scenario", "baseline")) != "baseline":
        raise NplvError(f"{path}: results of scenario {ds.attrs['scenario']!r}; report on a run of the base "
                        "assumptions (scenarios are reported beside it)")
    if explicit is not None:
        candidates = [Path(explicit)]
    else:
        # Results record the file's name (never a local folder): look beside the results,
        # one folder up (a run's --out inside the assumptions' folder), here, and among
        # the shipped files; the sha256 decides.
        name, where = _name(recorded), Path(path).parent
        candidates = [Path(recorded), where / name, where.parent / name, Path(name), distributions_dir() / name]
    seen = []
    for c in candidates:
        if not c.is_file():
            continue
        got = _sha256(c)
        if got == want:
            return c
        seen.append((c, got))
    if seen:
        c, got = seen[0]
        raise NplvError(f"{path}: was made from assumptions with sha256 {want}, but {c.name} has sha256 {got}; "
                        "pass the assumptions file that made it, or report without --results")
    raise NplvError(f"{path}: its assumptions file {_name(recorded)} (sha256 {want}) was not found; pass it as the "
                    "ASSUMPTIONS argument")


def check_facts(ds: xr.Dataset, path: Path | str, facts_name: str, facts_sha256: str) -> None:
    """Refuse when the facts file read now differs from the one recorded in ``ds``."""
    want = str(ds.attrs["facts_sha256"])
    if facts_sha256 != want:
        raise NplvError(f"{path}: was made from facts with sha256 {want}, but {_name(facts_name)} now has sha256 "
                        f"{facts_sha256}; restore that facts file, or report without --results")
