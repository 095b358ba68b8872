"""Parallel branches of a procedure: where they split, where they join, and what it means.

A step whose next steps are written ``4&5`` (survey) or a parallel gateway (BPMN) sends
every case down both branches at once. Its links are *parallel*: each carries the chance
that its branch runs (1 for a parallel split; below 1 for an inclusive split read from
BPMN), and they need not sum to one. The branches **join** at the first step every branch
leads to (the lowest step number reachable forwards from all of them; none when the
branches run to the end).

What it means for the figures:

- **work adds up**: each branch's steps are executed once per case (times their branch's
  chance), so staff and citizen minutes of both branches count;
- **the join is done once**: a case arrives at the join from every branch but goes on
  once, so the arrows from inside the block into the join carry ``1 / Σ chances``
  (a half each for two branches) in the visit count (:func:`join_weights`);
- **elapsed time takes the longer branch**: waiting days of the branches overlap, so the
  lead time counts only the branch with the most expected waiting days
  (:func:`lead_time_factors`).

Step numbers go forward along the flow (a link to a lower number is rework), which is
what the survey format and the BPMN import guarantee.

>>> links = [(1, 2, 1.0, True), (1, 3, 1.0, True), (2, 4, 1.0, False), (3, 4, 1.0, False),
...          (4, None, 1.0, False)]
>>> [(b.split, b.join, sorted(map(sorted, b.branches)), b.weight) for b in parallel_blocks(links)]
[(1, 4, [[2], [3]], 0.5)]
>>> join_weights(links, parallel_blocks(links))
[1.0, 1.0, 0.5, 0.5, 1.0]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

Link = tuple[int, "int | None", float, bool]
"""(from step, to step or None = end, probability, parallel)."""


@dataclass(frozen=True)
class ParallelBlock:
    split: int                          # the step whose links run in parallel
    join: int | None                    # first step all branches lead to; None: the end
    branches: tuple[frozenset[int], ...]  # steps of each branch before the join
    weight: float                       # 1 / sum of the branches' chances


def parallel_blocks(links: Sequence[Link]) -> list[ParallelBlock]:
    """The parallel splits of one procedure's links, each with its join and branches."""
    arms: dict[int, list[tuple[int | None, float]]] = defaultdict(list)
    forward: dict[int, list[int]] = defaultdict(list)
    for source, target, probability, parallel in links:
        if parallel:
            arms[int(source)].append((target, float(probability)))
        if target is not None and target > source:
            forward[int(source)].append(int(target))
    blocks = []
    for split in sorted(arms):
        reach = [_reachable(target, forward) for target, _p in arms[split]]
        common = set.intersection(*reach) if reach else set()
        join = min(common) if common else None
        branches = tuple(frozenset(n for n in r if join is None or n < join) for r in reach)
        total = sum(p for _t, p in arms[split])
        blocks.append(ParallelBlock(split, join, branches, 1.0 / total if total > 0 else 1.0))
    return blocks


def _reachable(start: int | None, forward: dict[int, list[int]]) -> set[int]:
    if start is None:
        return set()
    seen = {start}
    stack = [start]
    while stack:
        for target in forward.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def join_weights(links: Sequence[Link], blocks: Sequence[ParallelBlock]) -> list[float]:
    """Multiplier of each link's probability in the visit count (1 except into a join).

    A link into a block's join from a step of one of its branches (or the split's own
    parallel link straight to the join, an empty branch) carries the block's weight, so a
    case that comes back from every branch is counted once at the join. Nested blocks
    multiply.
    """
    weights = [1.0] * len(links)
    for block in blocks:
        if block.join is None:
            continue
        inside = frozenset().union(*block.branches)
        for i, (source, target, _p, parallel) in enumerate(links):
            if target == block.join and (source in inside or (source == block.split
                                                               and parallel)):
                weights[i] *= block.weight
    return weights


def lead_time_factors(blocks: Sequence[ParallelBlock],
                      wait_days: dict[int, float]) -> dict[int, float]:
    """1 for a step whose waiting days count in the lead time, 0 for a step of a parallel
    branch that another branch outlasts. ``wait_days``: expected waiting days per case of
    each step. Inner blocks (later splits) are settled first, so a branch's length counts
    only the waits that remain in it. Steps not in the result count fully.

    >>> block = ParallelBlock(1, 4, (frozenset({2}), frozenset({3})), 0.5)
    >>> lead_time_factors([block], {1: 0.0, 2: 3.0, 3: 5.0, 4: 1.0})
    {2: 0.0}
    """
    factors: dict[int, float] = {}
    for block in sorted(blocks, key=lambda b: b.split, reverse=True):
        lengths = [sum(wait_days.get(n, 0.0) * factors.get(n, 1.0) for n in branch)
                   for branch in block.branches]
        if not lengths:
            continue
        longest = max(range(len(lengths)), key=lambda i: lengths[i])
        for i, branch in enumerate(block.branches):
            if i != longest:
                factors.update(dict.fromkeys(branch, 0.0))
    return factors
