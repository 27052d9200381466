"""How much memory a run may plan to use: physical RAM, ``ulimit -v`` and the cgroup's limit.

A run checks its estimated need against :func:`available_memory` before allocating, so
that a limit gives one line ("use fewer draws or --stream") instead of a ``MemoryError``
halfway. Physical RAM alone is not enough: batch systems and containers cap a process
with ``RLIMIT_AS`` (``ulimit -v``) or a cgroup (``memory.max``; ``memory.limit_in_bytes``
in cgroup v1), far below the machine's RAM.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_memory", "memory_limits"]

# A cgroup v1 "no limit" is a huge number near 2**63; anything above this is no limit.
_NO_LIMIT = 2**60


def _physical() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


def _address_space_headroom(status: Path = Path("/proc/self/status")) -> int | None:
    """RLIMIT_AS minus the address space this process already maps, or None without a limit."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # pragma: no cover - non-POSIX
        return None
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    used = 0
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        pass
    return max(0, soft - used)


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text or text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value < _NO_LIMIT else None


def _cgroup_headroom(root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc/self/cgroup")) -> int | None:
    """The smallest ``limit - usage`` over this process's memory cgroups (v2 and v1), or None.

    Every ancestor's limit applies too, so the walk goes up to the hierarchy's root. In a
    container the mount's root is often the container's own cgroup while
    ``/proc/self/cgroup`` shows the host's path: both places are looked at.
    """
    try:
        lines = proc.read_text().splitlines()
    except OSError:
        return None
    candidates: list[tuple[Path, str, str]] = []  # (folder, limit file, usage file)
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        if controllers == "":  # cgroup v2
            base = root / "unified" if (root / "unified").is_dir() else root  # hybrid systems mount v2 there
            files = ("memory.max", "memory.current")
        elif "memory" in controllers.split(","):
            base, files = root / "memory", ("memory.limit_in_bytes", "memory.usage_in_bytes")
        else:
            continue
        folder = base / rel.lstrip("/")
        while True:
            candidates.append((folder, *files))
            if folder == base or base not in folder.parents:
                break
            folder = folder.parent
        candidates.append((base, *files))
    headroom = None
    for folder, limit_file, usage_file in dict.fromkeys(candidates):
        limit = _read_int(folder / limit_file)
        if limit is None:
            continue
        usage = _read_int(folder / usage_file) or 0
        room = max(0, limit - usage)
        headroom = room if headroom is None else min(headroom, room)
    return headroom


def memory_limits() -> list[tuple[int, str]]:
    """Every limit that applies, as (bytes available, what it is)."""
    limits = []
    for value, name in (
        (_physical(), "physical memory"),
        (_address_space_headroom(), "the address-space limit (ulimit -v) left to this process"),
        (_cgroup_headroom(), "the memory left under this process's cgroup limit (memory.max)"),
    ):
        if value is not None:
            limits.append((int(value), name))
    return limits


def available_memory() -> tuple[int, str]:
    """The tightest limit: (bytes, its name). 8 GiB when nothing can be read."""
    limits = memory_limits()
    return min(limits) if limits else (8 * 2**30, "an assumed 8 GiB")
