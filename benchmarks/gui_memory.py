"""The desktop app's memory, for ``benchmarks.bench_gui``: its resident size and peak,
its child processes' peak, and (BPR_PROBE_MEMORY=1) which attributes of the session and
the views hold the arrays."""

from __future__ import annotations

import os
from typing import Any


def memory(window: Any = None) -> str:
    """The app process's resident memory now and at its peak (Linux: VmRSS, VmHWM), and
    the peak of its child processes that have ended (the computations). `/usr/bin/time`'s
    maximum resident size is the larger of the process's and any one child's peak: at
    30,000 procedures a comparison's child, not the window's process."""
    import resource

    fields = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0]) / 1e6  # kB -> GB
    except OSError:
        return "memory: not measured here"
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    held = (f" (arrays held: {held_memory(window)})"
            if window is not None and os.environ.get("BPR_PROBE_MEMORY") else "")
    return (f"memory of the app process: {fields.get('VmRSS', 0):.2f} GB resident now, "
            f"peak {fields.get('VmHWM', 0):.2f} GB; its child processes' peak "
            f"{children:.2f} GB{held}")


def held_memory(window: Any, top: int = 12) -> str:
    """BPR_PROBE_MEMORY=1: what the session and the views hold, as the bytes of the numpy
    arrays (a frame's columns) reachable from each attribute (each array counted once, for
    the first attribute that reaches it; text cells 8 bytes each, their strings apart)."""
    import dataclasses

    import numpy as np
    import pandas as pd

    seen: set[int] = set()

    def arrays(obj: Any, depth: int) -> int:
        if id(obj) in seen or depth > 8:
            return 0
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            base = obj if obj.base is None else obj.base
            if base is not obj and id(base) in seen:
                return 0
            seen.add(id(base))
            return int(obj.nbytes)
        if isinstance(obj, (pd.DataFrame, pd.Series)):
            return int(obj.memory_usage(index=True, deep=False).sum()) if isinstance(
                obj, pd.DataFrame) else int(obj.memory_usage(index=True, deep=False))
        if isinstance(obj, (str, bytes, int, float, bool, type(None), type)):
            return 0
        if isinstance(obj, (list, tuple, set, frozenset)):
            return sum(arrays(item, depth + 1) for item in list(obj)[:2000])
        if isinstance(obj, dict):
            return sum(arrays(item, depth + 1) for item in list(obj.values())[:2000])
        if dataclasses.is_dataclass(obj):
            return sum(arrays(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj))
        fields = getattr(obj, "__dict__", None)
        if isinstance(fields, dict) and type(obj).__module__.split(".")[0] in (
                "ui", "analysis", "bpr_studio", "cost_model"):
            return sum(arrays(item, depth + 1) for item in list(fields.values()))
        return 0

    found = []
    for owner_name, owner in [("session", window.session),
                              *((type(view).__name__, view) for view in
                                (window.stack.widget(i) for i in range(window.stack.count())))]:
        for name, value in list(vars(owner).items()):
            size = arrays(value, 0)
            if size:
                found.append((size, f"{owner_name}.{name}"))
    found.sort(reverse=True)
    return "; ".join(f"{where} {size / 1e6:.0f} MB" for size, where in found[:top])
