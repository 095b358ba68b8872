"""FIFO queues of c counters: one queue by a heap, or many independent queues at once.

A visitor takes the first free counter and waits until then. :func:`run_queue` follows
one queue visitor by visitor with a heap of the counters' next-free times;
:func:`run_lane_queues` serves the k-th visitors of many queues ("lanes", e.g. every
opening day of many simulated years of many counters) in one numpy step, with the same
floating-point operations, so the same waits to the last bit.

>>> import numpy as np
>>> run_queue(np.array([0.0, 1.0, 2.0]), np.array([5.0, 5.0, 5.0]), servers=2).tolist()
[0.0, 0.0, 3.0]
>>> run_lane_queues(np.array([0.0, 1.0, 2.0, 0.0]), np.array([5.0, 5.0, 5.0, 1.0]),
...                 lane_sizes=np.array([3, 1]), servers=2).tolist()
[0.0, 0.0, 3.0, 0.0]
"""

from __future__ import annotations

import heapq

import numpy as np


def run_queue(arrivals_min: np.ndarray, service_min: np.ndarray, servers: int) -> np.ndarray:
    """FIFO waits (minutes) for sorted arrival times with their service times."""
    free = [0.0] * servers
    waits = np.empty(len(arrivals_min))
    replace = heapq.heapreplace
    for i, (arrival, service) in enumerate(zip(arrivals_min.tolist(), service_min.tolist(),
                                               strict=True)):
        first = free[0]
        start = arrival if arrival > first else first
        waits[i] = start - arrival
        replace(free, start + service)
    return waits


def run_queue_by_lane(arrivals_min: np.ndarray, service_min: np.ndarray, lane: np.ndarray,
                      servers: int | np.ndarray) -> np.ndarray:
    """FIFO waits (minutes) of many independent queues at once, e.g. every day of many
    simulated years of many counters (a counter is empty at each opening, so days do not
    interact). ``lane``: each visitor's queue; visitors in any order. ``servers``: the
    counters of every queue, or of each visitor's queue. Gives the waits of
    :func:`run_queue` lane by lane (which counter serves does not change a wait).

    A caller that has its visitors lane after lane already, and knows how many each lane
    has, saves the look at every visitor here by calling :func:`run_lane_queues`.
    """
    n = len(arrivals_min)
    if n == 0:
        return np.zeros(0)
    per_visitor = np.broadcast_to(np.asarray(servers, dtype=np.int64), (n,))
    in_order = bool(np.all((lane[1:] > lane[:-1])
                           | ((lane[1:] == lane[:-1]) & (arrivals_min[1:] >= arrivals_min[:-1]))))
    order = None if in_order else np.lexsort((arrivals_min, lane))
    sorted_lane = lane if order is None else lane[order]
    first = np.r_[0, np.flatnonzero(sorted_lane[1:] != sorted_lane[:-1]) + 1]
    sizes = np.diff(np.r_[first, n])
    if order is None:
        return run_lane_queues(arrivals_min, service_min, sizes, per_visitor[first])
    waits = np.empty(n)
    waits[order] = run_lane_queues(arrivals_min[order], service_min[order], sizes,
                                   per_visitor[order[first]])
    return waits


def run_lane_queues(arrivals_min: np.ndarray, service_min: np.ndarray, lane_sizes: np.ndarray,
                    servers: int | np.ndarray) -> np.ndarray:
    """FIFO waits (minutes) of visitors stored lane after lane, each lane's in order of
    arrival: the first ``lane_sizes[0]`` visitors are the first lane's, and so on (a lane
    may have none). ``servers``: the counters of every lane, or of each lane.

    The k-th visitors of all lanes with as many counters are served in one vectorised
    step. Lanes are taken busiest first, so step k works on the first lanes only (those
    that still have a k-th visitor), and reads each one's k-th visitor where it is stored
    (no copy of the visitors into another layout: at a million visitors, building and
    undoing such a layout cost four times the queueing itself). Each lane keeps its
    counters' next-free times sorted: a visitor takes the earliest, and the counter's new
    free time is bubbled into place — the additions and maxima of :func:`run_queue`.
    """
    sizes = np.asarray(lane_sizes, dtype=np.int64)
    waits = np.empty(int(sizes.sum()))
    lane_servers = np.broadcast_to(np.asarray(servers, dtype=np.int64), sizes.shape)
    lane_start = np.cumsum(sizes) - sizes
    used = sizes > 0
    for count in np.unique(lane_servers[used]).tolist():
        lanes = np.flatnonzero(used & (lane_servers == count))
        lanes = lanes[np.argsort(-sizes[lanes], kind="stable")]   # busiest first
        busiest = sizes[lanes]
        # active[k]: lanes with a k-th visitor (the first ones: sizes descend).
        active = (len(lanes) - np.searchsorted(busiest[::-1], np.arange(int(busiest[0])),
                                               side="right")).tolist()
        at = lane_start[lanes]                           # each lane's k-th visitor
        free = np.zeros((count, len(lanes)))  # each lane's next-free times, ascending
        for m in active:
            visitor = at[:m]
            arrival = arrivals_min.take(visitor)
            now = np.maximum(arrival, free[0, :m])
            free[0, :m] = now + service_min.take(visitor)
            waits.put(visitor, now - arrival)
            visitor += 1
            for c in range(count - 1):  # one bubble pass restores the order
                low = np.minimum(free[c, :m], free[c + 1, :m])
                np.maximum(free[c, :m], free[c + 1, :m], out=free[c + 1, :m])
                free[c, :m] = low
    return waits
