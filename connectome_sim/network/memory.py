"""Memory budget of network runs.

Every run charges its event queue (rings), spike table, records and epoch buffers to a
budget; a run that would exceed it stops with a clear ``SimulationError`` long before the
machine runs out of memory (a runaway IntFire4 network would otherwise grow its queue until
the process is killed).  The default budget is a fraction of what the machine can still give:
the available physical memory (``MemAvailable`` in ``/proc/meminfo``) and, under an address
space limit (``ulimit -v``, ``RLIMIT_AS``), the room left below it.
"""

from __future__ import annotations

import re

from ..errors import ParameterError

__all__ = ["memory_budget", "parse_bytes", "proc_kib", "reset_peak_rss", "DEFAULT_FRACTION"]

#: share of the available memory a run may use by default
DEFAULT_FRACTION = 0.4
_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "kib": 2 ** 10, "m": 1e6, "mb": 1e6,
          "mib": 2 ** 20, "g": 1e9, "gb": 1e9, "gib": 2 ** 30, "t": 1e12, "tb": 1e12,
          "tib": 2 ** 40}


def parse_bytes(value, what="max_memory") -> int:
    """Bytes from an int or a string such as ``'4GB'``, ``'512 MiB'``."""
    if isinstance(value, bool):
        raise ParameterError(f"{what} must be a number of bytes or e.g. '4GB', got {value!r}")
    if isinstance(value, (int, float)):
        b = float(value)
    else:
        m = re.fullmatch(r"\s*([0-9.]+(?:e[+-]?\d+)?)\s*([a-zA-Z]*)\s*", str(value))
        if not m or m.group(2).lower() not in _UNITS:
            raise ParameterError(f"{what} must be a number of bytes or e.g. '4GB', got {value!r}")
        b = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not b == b or b <= 0 or b == float("inf"):
        raise ParameterError(f"{what} must be a positive, finite number of bytes, got {value!r}")
    return int(b)


def proc_kib(path, key):
    """The ``key:`` field (kB) of a /proc file (``/proc/meminfo``, ``/proc/self/status``),
    or None where there is none (not Linux)."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak-RSS mark (``VmHWM``; Linux), for measuring a stage's peak."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def memory_budget(max_memory=None) -> int:
    """Bytes a run may use: ``max_memory`` if given, else :data:`DEFAULT_FRACTION` of what
    is available (physical memory, and the room under an address-space limit)."""
    if max_memory is not None:
        return parse_bytes(max_memory)
    room = []
    avail = proc_kib("/proc/meminfo", "MemAvailable")
    if avail is not None:
        room.append(avail * 1024)
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            vm = (proc_kib("/proc/self/status", "VmSize") or 0) * 1024
            room.append(max(soft - vm, 0))
    except (ImportError, ValueError, OSError):
        pass
    if not room:
        room.append(4 * 2 ** 30)
    return max(int(DEFAULT_FRACTION * min(room)), 64 * 2 ** 20)

