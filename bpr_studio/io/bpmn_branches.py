"""Where cases go after a BPMN node: through gateways and events to the next tasks.

Used by :mod:`bpr_studio.io.bpmn_import`. The result for a node is a :class:`Targets`
mapping each next task (None = the end) to a probability, and whether the tasks run
**in parallel** (then each value is the chance that branch runs; see
``cost_model.parallel``):

- ``exclusiveGateway`` / ``complexGateway``, or conditional flows straight out of a task:
  one branch per case, probabilities from BPSim, the flow's name (``85%``) or an equal
  split with a warning;
- ``parallelGateway``, or several unconditional flows out of a task or an event (BPMN
  runs them all): every branch runs (chance 1); a branch that goes straight to an end
  event does no work and is left out;
- ``inclusiveGateway``: each branch runs with its own chance (BPSim probability or
  ``30%`` in its name; without one it is counted as always running), read as parallel
  branches with those chances, **with a warning that says the approximation**: the work
  of each branch is exact (chance × time) and the join is counted once per case, but the
  lead time takes the branch with the most expected waiting, where the true elapsed time
  is the expected longest of the branches that run (at least that much);
- ``eventBasedGateway``: refused (which event comes first is not a probability we have);
- a choice between a parallel block and something else, or a parallel branch that
  starts with a choice, cannot be written as one step's next steps: that gateway becomes
  a **routing step** of its own (no work, 0 minutes, named after the gateway), and so
  does a start event followed by a branch (every case starts at one step).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bpr_studio.io.bpmn_read import GATEWAY_KINDS, TASK_KINDS, Flow, Node, Process, Simulation
from bpr_studio.io.report import ERROR, WARNING

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
# Gateways and events followed one after another without a task: real models chain a
# few; a file with thousands would exhaust the stack (a hostile file).
MAX_GATEWAY_CHAIN = 100
_END = None


class Targets(dict[str | None, float]):
    """Next task ID (None = end) → probability; ``parallel``: all of them run."""

    parallel: bool = False


Issue = Callable[..., None]


class BranchReader:
    def __init__(self, process: Process, simulation: Simulation,
                 outgoing: dict[str, list[Flow]], issue: Issue) -> None:
        self.p = process
        self.sim = simulation
        self.outgoing = outgoing
        self.issue = issue
        # Gateways (and a start event that branches) read as steps of their own, with no
        # work: where one step's next steps cannot say the way (see the module doc).
        self.routing: set[str] = set()
        # Each node's way on, worked out once per pass: a lattice of gateways that split
        # and merge again would otherwise be walked once per path (2^layers).
        self._cache: dict[str, Targets | None] = {}

    def find_routing(self, start: str, tasks: list[str]) -> None:
        """Fill :attr:`routing` (quietly: the real pass reports), until it is stable."""
        report, self.issue = self.issue, _quiet
        try:
            for _round in range(len(self.p.nodes) + 1):
                self._cache.clear()
                before = len(self.routing)
                entry = self.targets(start)
                if entry is not None and (len(entry) > 1 or entry.parallel) \
                        and self.p.nodes[start].kind not in TASK_KINDS:
                    self.routing.add(start)  # every case must start at one step
                for node_id in [*tasks, *sorted(self.routing)]:
                    self.targets(node_id)
                if len(self.routing) == before:
                    break
        finally:
            self.issue = report
            self._cache.clear()

    def shares(self, node: Node, flows: list[Flow]) -> list[float] | None:
        """Probabilities of an exclusive split: BPSim, else '85%' in the flow names,
        else an equal split with a warning."""
        given = self._given(flows)
        if any(p is None for p in given):
            share = 1.0 / len(flows)
            self.issue(WARNING, "bpmn_branch_equal", node.id, "", count=len(flows),
                       pct=f"{share * 100:.4g}")
            return [share] * len(flows)
        values = [float(p or 0.0) for p in given]
        total = sum(values)
        if abs(total - 1.0) > 0.005:
            if total > 0 and abs(total - 100.0) <= 0.5:  # written as percentages
                return [v / 100 for v in values]
            self.issue(ERROR, "bpmn_branch_sum", node.id, f"{total * 100:g}%",
                       total=f"{total * 100:g}")
            return None
        return [v / total for v in values]

    def _given(self, flows: list[Flow]) -> list[float | None]:
        given = [self.sim.probabilities.get(f.id) for f in flows]
        if any(p is None for p in given):
            named = [_PERCENT.search(f.name) for f in flows]
            if all(named):
                given = [float(m.group(1)) / 100 for m in named if m]
        return given

    def chances(self, node: Node, flows: list[Flow]) -> list[float] | None:
        """Chance of each branch of an inclusive split (1 where none is given)."""
        given = self._given(flows)
        values = [1.0 if p is None else (p / 100 if p > 1 else p) for p in given]
        if any(not 0 < v <= 1 for v in values):
            self.issue(ERROR, "bpmn_branch_sum", node.id, "", total="?")
            return None
        self.issue(WARNING, "bpmn_inclusive", node.id, "", count=len(flows),
                   chances=", ".join(f"{v:.0%}" for v in values),
                   missing=sum(p is None for p in given))
        return values

    def split(self, node: Node, flows: list[Flow]) -> tuple[list[float], bool] | None:
        """(probabilities, parallel) of the flows out of ``node``."""
        if len(flows) == 1:
            return [1.0], False
        if node.kind == "eventBasedGateway":
            self.issue(ERROR, "bpmn_event_gateway", node.id, node.kind)
            return None
        if node.kind == "parallelGateway":
            return [1.0] * len(flows), True
        if node.kind == "inclusiveGateway":
            chances = self.chances(node, flows)
            return None if chances is None else (chances, True)
        if node.kind in GATEWAY_KINDS or all(f.has_condition for f in flows):
            shares = self.shares(node, flows)
            return None if shares is None else (shares, False)
        return [1.0] * len(flows), True  # several plain flows out of a task or event

    def targets(self, node_id: str, path: tuple[str, ...] = ()) -> Targets | None:
        """Where cases go from ``node_id`` onwards (None when an error was reported).

        A gateway in :attr:`routing` is a step of its own: the way stops there.
        """
        if node_id in self._cache:
            return self._cache[node_id]
        node = self.p.nodes[node_id]
        if node_id in path:
            self.issue(ERROR, "bpmn_gateway_cycle", node_id, "", ids=" → ".join(path))
            return None
        if len(path) > MAX_GATEWAY_CHAIN:
            self.issue(ERROR, "bpmn_gateway_chain", node_id, "", max=MAX_GATEWAY_CHAIN)
            return None
        result = self._targets(node_id, node, path)
        self._cache[node_id] = result
        return result

    def _targets(self, node_id: str, node: Node, path: tuple[str, ...]) -> Targets | None:
        flows = self.outgoing[node_id]
        result = Targets()
        if not flows:
            result[_END] = 1.0
            return result
        split = self.split(node, flows)
        if split is None:
            return None
        shares, parallel = split
        result.parallel = parallel
        for flow, share in zip(flows, shares, strict=True):
            target = self.p.nodes[flow.target]
            if target.kind in TASK_KINDS or target.id in self.routing:
                onward: Targets = Targets({target.id: 1.0})
            elif target.kind == "endEvent":
                if parallel:
                    continue  # a branch that only ends: no work, nothing to wait for
                onward = Targets({_END: 1.0})
            else:
                found = self.targets(target.id, (*path, node_id))
                if found is None:
                    return None
                onward = found
                if self._mixed(onward, parallel, len(flows)):
                    # A choice that opens a parallel block, or a parallel branch that
                    # starts with a choice: the gateway becomes a step of its own.
                    self.routing.add(target.id)
                    onward = Targets({target.id: 1.0})
            for key, p in onward.items():
                result[key] = result.get(key, 0.0) + share * p
            result.parallel = result.parallel or onward.parallel
        if result.parallel and len(result) < 2:
            result.parallel = False  # one branch left: a plain sequence
            for key in result:
                result[key] = 1.0
        return result

    @staticmethod
    def _mixed(onward: Targets, parallel: bool, flows: int) -> bool:
        if onward.parallel and not parallel:
            return flows > 1
        return parallel and not onward.parallel and len(onward) > 1


def _quiet(*_args: Any, **_params: Any) -> None:
    return None
