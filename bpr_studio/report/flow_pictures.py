"""The 業務フロー sheet's pictures, drawn in a process of their own while the report
builds its other sheets (issue 16).

After the simulation the report's work is one thread: the sensitivity analysis, the
sheets, the save. The as-is and to-be pictures of the top procedures (matplotlib, about
2 s for a city) need only their ten small graphs, so a spawned process (the same on
Windows and Linux) draws them on the other core meanwhile; the sheet takes them when it
is built. Where no process can be started, they are drawn here, as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import networkx as nx

from analysis.worker_init import limit_threads

FLOW_PICTURES = 5
Pictures = list[tuple[str, bytes]]
Flow = tuple[str, nx.DiGraph, nx.DiGraph]  # (caption of the procedure, as-is, to-be)
TO_BE_CAPTION = "改善後（To-Be）: 赤字は変わる時間、灰色は不要になる工程"


def top_flows(ranking: list[Any], scenario: Any, model: Any) -> list[Flow]:
    """As-is and to-be graphs of the procedures at the top of ``ranking`` (its rows)."""
    from analysis.scenario import apply_scenario

    chosen = [row.procedure_id for row in ranking[:FLOW_PICTURES]]
    graphs = {pid: model.graphs[pid] for pid in chosen if pid in model.graphs}
    if not graphs:
        return []
    to_be, _log = apply_scenario(graphs, scenario, model.rubric)
    return [(f"{pid} {graph.graph.get('name', '')}（{graph.graph.get('section', '')}）",
             graph, to_be[pid]) for pid, graph in graphs.items()]


def draw(flows: list[Flow]) -> Pictures:
    """(caption, PNG) of every flow's as-is and to-be, in parts when it is long."""
    from analysis.charts import flow_print_pngs

    pictures = []
    for title, as_is, to_be in flows:
        for state, drawn in (("現状（As-Is）", as_is), (TO_BE_CAPTION, to_be)):
            for part, png in flow_print_pngs(drawn):
                pictures.append((f"{title} — {state}" + (f" {part}" if part else ""), png))
    return pictures


class Drawing:
    """The pictures of some flows, started in a spawned process at once: :meth:`result`
    waits for them, :meth:`close` ends the process (also when the report fails before
    it took them). Drawn in this process when no other can start or the other failed."""

    def __init__(self, flows: list[Flow]) -> None:
        self.flows = flows
        self.executor: ProcessPoolExecutor | None = None
        self.future: Future[Pictures] | None = None
        if not flows:
            return
        try:
            self.executor = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"),
                                                initializer=limit_threads)
            self.future = self.executor.submit(draw, flows)
        except (OSError, RuntimeError):
            self.close()

    def result(self) -> Pictures:
        if not self.flows:
            return []
        try:
            if self.future is not None:
                with contextlib.suppress(BrokenProcessPool, OSError):
                    return self.future.result()
            return draw(self.flows)
        finally:
            self.close()

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor, self.future = None, None
