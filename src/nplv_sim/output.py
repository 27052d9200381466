"""Writing results safely: every command's outputs as one set, staged and committed together.

A command names the files (or folders) it writes. :class:`OutputSet` checks them before
any work, hands out paths in a staging folder beside the targets, and on success moves
them into place under a lock on the output folder, with an exclusive check, so two
concurrent runs cannot mix their files. On any failure (an error, Ctrl-C, SIGTERM, a
full disk) the staging folder is removed and every file the set had already replaced is
put back: nothing new is left, nothing already there is lost.

``force`` replaces only the files the command writes; a folder that holds anything else
is refused unless ``force_folder`` is given (the user's own files are never touched).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

import xarray as xr

from .errors import OutputError, OutputExistsError

__all__ = [
    "STAGE_PREFIX",
    "shown_path",
    "OutputSet",
    "atomic_write",
    "check_targets",
    "draws_first",
    "netcdf_encoding",
    "prepare_dir",
    "write_netcdf",
    "write_text",
    "write_with",
]

# Staging folders of running commands start with this; they are never counted as the
# user's files, and a crashed run's (SIGKILL) can be deleted by hand.
STAGE_PREFIX = ".nplv-sim-stage."
# Draws per NetCDF chunk: four engine blocks (measured: writes as fast as an unchunked
# file, where one block per chunk took 1.6x as long). A chunk holds one cell (one value
# of every other dim): with ``draw`` last that is one contiguous stretch of memory, which
# HDF5 writes without gathering (measured at 10^6 draws: 0.67-0.75 s against 0.82-1.75 s
# for chunks spanning every cell).
NETCDF_CHUNK_DRAWS = 262_144


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _output_folder(directory: str | Path) -> Path:
    """The absolute output folder, refusing an empty name."""
    if not str(directory).strip():
        raise OutputError("--out '': give a folder name (or leave --out out for a new folder under results/)")
    return Path(directory).expanduser().absolute()


def prepare_dir(directory: str | Path) -> Path:
    """Create ``directory`` (and parents) or explain in one line why it cannot be."""
    d = _output_folder(directory).resolve()
    if d.exists() and not d.is_dir():
        raise OutputError(f"{d}: exists and is not a folder")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{d}: cannot create folder ({exc.strerror})") from None
    if not os.access(d, os.W_OK | os.X_OK):
        raise OutputError(f"{d}: folder is not writable")
    return d


def _occupied(path: Path) -> bool:
    """Whether ``path`` exists, counting a symlink whose target is missing."""
    return path.exists() or path.is_symlink()


def check_targets(paths: Iterable[Path], force: bool) -> None:
    """Refuse, before any work, to overwrite existing outputs without ``force``.

    A dangling symbolic link counts as existing: replacing it would silently redirect
    what the link's owner meant.
    """
    existing = [str(p) for p in paths if _occupied(Path(p))]
    if existing and not force:
        raise OutputExistsError(
            f"{existing[0]}: already exists; choose another --out folder or pass --force to replace it"
        )


def _oserror_in(exc: BaseException) -> OSError | None:
    """The OSError that caused ``exc`` (matplotlib and others re-raise it as another type)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


class OutputSet:
    """The files one command writes into one folder, staged and committed as a set.

    Parameters
    ----------
    folder : str or Path
        The output folder (created when missing; removed again if the command fails and
        the folder is still empty).
    names : iterable of str
        The entries the command writes, relative to ``folder`` (files, or folders such as
        a report's ``figures``).
    force : bool
        Replace existing entries of ``names``.
    force_folder : bool
        With ``force``, also accept a folder that holds other files (left untouched).
    own_folder : bool
        The folder is meant for this command's results (``run``, ``report``): with
        ``force`` refuse it when it holds anything else. False for a folder that is
        shared by design (``register`` writes into ``docs/``).

    Examples
    --------
    >>> with OutputSet(out, ["results.nc", "summary.csv"], force) as outputs:  # doctest: +SKIP
    ...     ds = simulate(...)
    ...     write_netcdf(ds, outputs.path("results.nc"))
    ...     write_text(outputs.path("summary.csv"), text)
    >>> outputs.targets  # doctest: +SKIP
    """

    def __init__(
        self,
        folder: str | Path,
        names: Iterable[str],
        force: bool = False,
        force_folder: bool = False,
        own_folder: bool = True,
    ) -> None:
        self.folder = _output_folder(folder)
        self.names = tuple(dict.fromkeys(str(n) for n in names))
        if not self.names:
            raise ValueError("an output set names at least one file")
        for n in self.names:
            if not n or Path(n).is_absolute() or ".." in Path(n).parts or len(Path(n).parts) != 1:
                raise ValueError(f"output names are plain names inside the folder, got {n!r}")
        self.force = force
        self.force_folder = force_folder
        self.own_folder = own_folder
        self.stage: Path | None = None
        self.committed = False
        self._created: list[Path] = []
        self._keep_stage = False  # an old file that could not be put back is kept here
        self.check()

    @property
    def targets(self) -> list[Path]:
        """The final paths, in the order the names were given."""
        return [self.folder / n for n in self.names]

    def check(self) -> None:
        """Refuse existing outputs (without ``force``) or a shared folder (without ``force_folder``)."""
        if _occupied(self.folder) and not self.folder.is_dir():
            raise OutputError(f"{self.folder}: exists and is not a folder")
        check_targets(self.targets, self.force)
        if self.force and self.own_folder and not self.force_folder and self.folder.is_dir():
            try:
                others = sorted(
                    e.name
                    for e in self.folder.iterdir()
                    if e.name not in self.names and not e.name.startswith(STAGE_PREFIX)
                )
            except OSError as exc:
                raise OutputError(f"{self.folder}: cannot list the folder ({_reason(exc)})") from None
            if others:
                raise OutputExistsError(
                    f"{self.folder}: holds {others[0]!r}, which this command does not write; --force replaces "
                    f"only {', '.join(self.names)}: choose another --out folder, or pass --force-folder to keep "
                    "the other files"
                )

    def __enter__(self) -> OutputSet:
        self._make_folder()
        try:
            stage = tempfile.mkdtemp(prefix=STAGE_PREFIX, suffix=".part", dir=self.folder)
        except OSError as exc:
            self._remove_created()
            raise OutputError(f"{self.folder}: cannot write ({_reason(exc)})") from None
        self.stage = Path(stage)
        return self

    def _make_folder(self) -> None:
        """Create the folder and its missing parents, remembering which were new."""
        missing = []
        p = self.folder
        while not _occupied(p) and p != p.parent:
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            try:
                d.mkdir()
                self._created.append(d)
            except FileExistsError:
                pass
            except OSError as exc:
                self._remove_created()
                raise OutputError(f"{self.folder}: cannot create folder ({_reason(exc)})") from None
        if not self.folder.is_dir():
            raise OutputError(f"{self.folder}: exists and is not a folder")
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise OutputError(f"{self.folder}: folder is not writable")

    def _remove_created(self) -> None:
        """Remove the folders this set created, if they are still empty."""
        for d in reversed(self._created):
            with contextlib.suppress(OSError):
                d.rmdir()
        self._created = []

    def path(self, name: str) -> Path:
        """Staging path for output ``name`` (write the file there)."""
        if self.stage is None:
            raise RuntimeError("OutputSet.path() is used inside 'with OutputSet(...)'")
        if name not in self.names:
            raise ValueError(f"{name!r} is not among this set's outputs {self.names}")
        return self.stage / name

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            self._cleanup()

    def _cleanup(self) -> None:
        if self.stage is not None and not self._keep_stage:
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None
        if not self.committed:
            self._remove_created()

    def commit(self) -> None:
        """Move every staged output into place, all or none.

        Under an exclusive lock on the folder (other nplv-sim commands wait), every
        target is checked again; without ``force`` each is linked into place only if
        the name is still free (``link`` fails on an existing name, whoever made it).
        With ``force`` each replaced entry is first kept in the staging folder and put
        back if a later one fails.
        """
        assert self.stage is not None
        missing = [n for n in self.names if not _occupied(self.stage / n)]
        if missing:
            raise RuntimeError(f"output {missing[0]!r} was not written to the staging folder")
        done: list[tuple[Path, Path | None]] = []  # (target, kept old entry)
        try:
            with _folder_lock(self.folder):
                check_targets(self.targets, self.force)
                for name in self.names:
                    done.append(self._place(name))
        except BaseException as exc:
            lost = self._undo(done)
            if lost:  # the rare case where even putting back failed: say so, never "nothing was written"
                raise OutputError(f"{self.folder}: moving the outputs into place failed and {lost[0]} could not be "
                                  f"put back; its previous version is in {self.stage}") from None
            if isinstance(exc, OutputError) and not isinstance(exc, OutputExistsError):
                raise
            if isinstance(exc, OutputExistsError):
                raise OutputExistsError(f"{exc}; it appeared while this command ran, nothing was written") from None
            err = exc if isinstance(exc, OSError) else None
            if err is not None:
                raise OutputError(f"{self.folder}: moving the outputs into place failed ({_reason(err)}); "
                                  "nothing was written") from None
            raise
        self.committed = True

    def _place(self, name: str) -> tuple[Path, Path | None]:
        src, dst = self.stage / name, self.folder / name  # type: ignore[operator]
        kept = None
        if _occupied(dst):
            if dst.is_dir() and not dst.is_symlink() and not src.is_dir():
                raise OutputError(f"{dst}: is a folder, not replaced by a file; nothing was written")
            if not self.force:
                raise OutputExistsError(f"{dst}: already exists")
            kept = self.stage / f".old.{name}"  # type: ignore[operator]
            os.rename(dst, kept)
        if src.is_dir() and not src.is_symlink():
            os.rename(src, dst)  # under the lock; the name was checked free above
        else:
            try:
                os.link(src, dst)  # exclusive: fails if the name was taken meanwhile
            except OSError as exc:
                if exc.errno == errno.EEXIST:
                    if kept is not None:
                        os.rename(kept, dst)
                    raise OutputExistsError(f"{dst}: already exists") from None
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
                    raise
                os.rename(src, dst)  # a file system without hard links: checked under the lock
        return dst, kept

    def _undo(self, done: list[tuple[Path, Path | None]]) -> list[str]:
        """Take back what :meth:`commit` placed, restoring replaced entries.

        Returns the names that could not be restored (their old version stays in the
        staging folder, which is then kept).
        """
        lost = []
        for dst, kept in reversed(done):
            with contextlib.suppress(OSError):
                if dst.is_dir() and not dst.is_symlink():
                    shutil.rmtree(dst)
                else:
                    dst.unlink()
            if kept is not None:
                try:
                    os.rename(kept, dst)
                except OSError:
                    lost.append(dst.name)
        if lost:
            self._keep_stage = True
        return lost


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` (flock on the folder itself).

    Where the file system cannot lock (some network and FUSE mounts) the commit goes on
    without it: the exclusive ``link`` of each file still refuses a name taken meanwhile.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # closing releases the lock


def shown_path(path: Path) -> Path:
    """Where the user will find ``path``: a file in an :class:`OutputSet`'s staging folder
    is named at its final place (the staging folder is gone by the time anyone reads a
    message about it)."""
    path = Path(path)
    for stage in path.parents:
        if stage.name.startswith(STAGE_PREFIX):
            return stage.parent / path.relative_to(stage)
    return path


@contextlib.contextmanager
def atomic_write(target: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    For a single file written outside an :class:`OutputSet` (e.g. into its staging
    folder, or by library callers).

    Parameters
    ----------
    target : Path
        Final file name.
    force : bool
        Replace an existing ``target``.
    """
    target = Path(target)
    check_targets([target], force)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{shown_path(target)}: cannot write ({_reason(exc)})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; results are for sharing
    try:
        yield tmp
        os.replace(tmp, target)
    except Exception as exc:  # matplotlib, for one, re-raises a full disk as another type
        err = _oserror_in(exc)
        if err is None:
            raise
        raise OutputError(f"{shown_path(target)}: writing failed ({_reason(err)}); nothing was written") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(target: Path, text: str, force: bool = False) -> Path:
    """Write text atomically."""
    with atomic_write(target, force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_with(target: Path, writer: Callable[[Path], None], force: bool = False) -> Path:
    """Run ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_write(target, force) as tmp:
        writer(tmp)
    return target


def netcdf_encoding(ds: xr.Dataset, *, compress: bool = False, draws: int | None = None) -> dict[str, dict]:
    """NetCDF4 encoding: variables with a ``draw`` dimension chunked along it (one cell and
    :data:`NETCDF_CHUNK_DRAWS` draws per chunk), optionally compressed (zlib level 1 with byte shuffle).

    Monte Carlo draws of float64 hardly compress (measured: 448 MB became 377 MB, at 10x
    the write time; ``docs/performance.md``), so compression is off by default. ``draws``
    sizes the chunks of a file whose draws come later (default: ``ds``'s draws).
    """
    enc: dict[str, dict] = {}
    n = ds.sizes.get("draw", 0) if draws is None else draws
    for name, da in ds.data_vars.items():
        if "draw" not in da.dims or n == 0 or any(da.sizes[d] == 0 for d in da.dims if d != "draw"):
            continue
        chunks = tuple(min(NETCDF_CHUNK_DRAWS, n) if d == "draw" else 1 for d in da.dims)
        # Draws are finite (checked when made), so they need no fill value; without one
        # xarray writes them without a masked copy (measured: 1.45 s -> 0.7-1.15 s at 10^6 draws).
        enc[name] = {"chunksizes": chunks, "_FillValue": None}
        if compress:
            enc[name].update(zlib=True, complevel=1, shuffle=True)
    return enc


def write_netcdf(ds: xr.Dataset, target: Path, force: bool = False, compress: bool = False) -> Path:
    """Write a Dataset as NetCDF4/HDF5 (h5netcdf), chunked along ``draw``, atomically.

    Variables with a ``draw`` dim are written with ``draw`` last: the engine's layout in
    memory, which HDF5 then takes without a copy of each array (measured: 0.17 GiB less at
    the peak of ``run --draws 1000000``). Readers that want ``draw`` first call
    :func:`draws_first` (``report --results`` and ``regenerate`` do).
    """
    out = ds.transpose(..., "draw") if "draw" in ds.dims else ds
    encoding = netcdf_encoding(out, compress=compress)
    return write_with(target, lambda tmp: out.to_netcdf(tmp, engine="h5netcdf", encoding=encoding), force)


def draws_first(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with ``draw`` as the first dim of every variable that has it (as :func:`nplv_sim.simulate` gives)."""
    return ds.transpose("draw", ...) if "draw" in ds.dims else ds
