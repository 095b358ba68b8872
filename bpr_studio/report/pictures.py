"""The report's pictures (matplotlib), drawn in a process of their own while this one
builds the sheets (issue 16).

After the simulation the report's work is one thread: the sensitivity analysis, the
sheets, the save. Its pictures — the priority matrix, the life events' timelines, the
as-is and to-be flows of the top procedures, the tornado — need only small inputs (the
top 30 of the ranking, a few events, ten graphs, the tornado's bars), so one spawned
process (the same on Windows and Linux) draws them on the other core meanwhile, and this
process never loads matplotlib; each sheet takes its picture when it is built
(:class:`Drawn`). A picture whose process cannot start or fails is drawn here, as
before; the process is ended also when the report fails.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx

from analysis.worker_init import limit_threads

T = TypeVar("T")
FLOW_PICTURES = 5  # procedures, from the top of the ranking
FLOW_PAGES = 24  # pictures (a page each) the 業務フロー sheet holds at most
Pictures = list[tuple[str, bytes]]
Flow = tuple[str, nx.DiGraph, nx.DiGraph]  # (caption of the procedure, as-is, to-be)
TO_BE_CAPTION = "改善後（To-Be）: 赤は変わる工程と時間、灰色の破線は不要になる工程"


def top_flows(ranking: list[Any], scenario: Any, model: Any) -> list[Flow]:
    """As-is and to-be graphs of the procedures at the top of ``ranking`` (its rows): the
    first ``FLOW_PICTURES`` of them, as far as their pictures fit ``FLOW_PAGES`` pages
    (a long flow prints in parts, each a page, as-is and to-be: five 28-step flows would
    be 70 pages). The first procedure is always there, whatever its length."""
    from analysis.flow_print import part_bounds, print_layout
    from analysis.scenario import apply_scenario

    graphs: dict[str, nx.DiGraph] = {}
    pages = 0
    for row in ranking[:FLOW_PICTURES]:
        graph = model.graphs.get(row.procedure_id)
        if graph is None:
            continue
        needed = 2 * len(part_bounds(print_layout(graph))[1])  # as-is and to-be, same parts
        if graphs and pages + needed > FLOW_PAGES:
            break  # the next in rank order does not fit: stop, never skip to a shorter one
        graphs[row.procedure_id] = graph
        pages += needed
    if not graphs:
        return []
    to_be, _log = apply_scenario(graphs, scenario, model.rubric)
    return [(f"{pid} {graph.graph.get('name', '')}（{graph.graph.get('section', '')}）",
             graph, to_be[pid]) for pid, graph in graphs.items()]


def draw_flows(flows: list[Flow]) -> Pictures:
    """(caption, PNG) of every flow's as-is and to-be, drawn as the app's 業務フロー view
    draws them (analysis.flow_print), in parts when a page cannot hold them at 8 pt."""
    from analysis.flow_print import print_flow

    pictures = []
    for title, as_is, to_be in flows:
        for state, parts in (("現状（As-Is）", print_flow(as_is)),
                             (TO_BE_CAPTION, print_flow(to_be, baseline=as_is))):
            for part in parts:
                pictures.append((f"{title} — {state}" + (f" {part.label}" if part.label else ""),
                                 part.png))
    return pictures


# The drawing functions by reference only: their modules load matplotlib, which this
# process does not need when another draws.

def journey_timeline(event: Any) -> bytes:
    from analysis.journey_charts import journey_png

    return journey_png(event)


def tornado(sensitivity: Any) -> bytes:
    from analysis.charts import tornado_png

    return tornado_png(sensitivity)


class PictureProcess:
    """One spawned process that draws pictures in the order asked for."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None
        with contextlib.suppress(OSError, RuntimeError):
            self.executor = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"),
                                                initializer=limit_threads)

    def draw(self, function: Callable[..., T], *args: Any) -> Callable[[], T]:
        """``function(*args)`` started in the process now; call what is returned for its
        result (computed here if the process could not start or failed)."""
        future: Future[T] | None = None
        if self.executor is not None:
            with contextlib.suppress(OSError, RuntimeError):
                future = self.executor.submit(function, *args)

        def result() -> T:
            if future is not None:
                with contextlib.suppress(BrokenProcessPool, OSError):
                    return future.result()
            return function(*args)
        return result

    def close(self) -> None:
        """End the process (at once for pictures not started)."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = None


@dataclass
class Drawn:
    """Pictures being drawn for the sheets (each: call it for the PNG); None or missing:
    the sheet draws its own."""

    matrix: Callable[[], bytes] | None = None
    journeys: dict[str, Callable[[], bytes]] = field(default_factory=dict)  # by event key
    flows: Callable[[], Pictures] | None = None
    tornado: Callable[[], bytes] | None = None
