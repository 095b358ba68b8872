"""Expected executions per step from the branch probabilities (absorbing Markov chain).

A case starts at the first step (lowest number) and follows the arrows with their
probabilities until it ends. With Q the step-to-step transition matrix of one
procedure, the expected visits v solve v = e₁ + Qᵀv, i.e. (I − Qᵀ)v = e₁, which counts
rework loops exactly: a step redone with probability p is executed 1/(1−p) times.

All procedures of one size are solved in one batched ``numpy.linalg.solve``.

>>> import pandas as pd
>>> steps = pd.DataFrame({"procedure_id": ["P", "P"], "step_no": [1, 2]})
>>> links = pd.DataFrame({"procedure_id": ["P", "P", "P"], "from_step_no": [1, 2, 2],
...                       "to_step_no": [2, 1, None], "probability": [1.0, 0.2, 0.8]})
>>> expected_visits(steps, links).round(3).tolist()
[1.25, 1.25]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cost_model.parallel import ParallelBlock, join_weights, lead_time_factors, parallel_blocks


def expected_visits(steps: pd.DataFrame, links: pd.DataFrame) -> np.ndarray:
    """Expected executions per case of each row of ``steps`` (aligned with its rows).

    ``steps`` needs procedure_id and step_no; ``links`` procedure_id, from_step_no,
    to_step_no (NaN/None = end) and probability, and optionally ``parallel`` (the links
    of a parallel split: each branch runs, the join counts once; see
    :mod:`cost_model.parallel`). A procedure with no links at all is taken as a straight
    sequence (every step once). A loop with no way out gives inf.
    """
    return FlowStructure(steps, links).visits(links["probability"].to_numpy(dtype=float))


class FlowStructure:
    """The index work of :func:`expected_visits`, done once; ``visits`` solves for any
    probabilities of the same links (the Monte Carlo varies rework probabilities)."""

    def __init__(self, steps: pd.DataFrame, links: pd.DataFrame) -> None:
        self.n_rows = len(steps)
        self.row_of = np.arange(len(steps))
        self.link_weight = np.ones(len(links))
        # Parallel blocks by procedure ID (few procedures have any: only those are walked).
        self.blocks: dict[str, list[ParallelBlock]] = {}
        if "parallel" in links.columns and len(links):
            self._parallel(links)
        if steps.empty:
            return
        if _sorted_steps(steps):   # the tables' order (``analysis.tabular``): no sort
            order = steps
            self.row_of = np.arange(len(steps))
        else:
            order = steps.sort_values(["procedure_id", "step_no"], kind="stable")
            self.row_of = steps.index.get_indexer(order.index)
        pid = order["procedure_id"].to_numpy()
        step_no = order["step_no"].to_numpy()
        starts = np.r_[0, np.flatnonzero(pid[1:] != pid[:-1]) + 1]
        self.sizes = np.diff(np.r_[starts, len(pid)])
        self.local = np.arange(len(pid)) - np.repeat(starts, self.sizes)
        self.proc_index = np.repeat(np.arange(len(starts)), self.sizes)
        procedure_ids = pid[starts]
        proc_of = pd.Series(np.arange(len(starts)), index=procedure_ids)
        to_step = links["to_step_no"]
        link_proc = proc_of.reindex(links["procedure_id"].to_numpy()).to_numpy(dtype=float)
        from_no = links["from_step_no"].to_numpy().astype(int)
        to_no = to_step.fillna(-1).to_numpy().astype(int)
        src, dst = _positions(self.local, self.proc_index, step_no, pid, link_proc,
                              links["procedure_id"].to_numpy(), from_no, to_no)
        self.valid = ~(np.isnan(link_proc) | np.isnan(src) | np.isnan(dst)) & to_step.notna().to_numpy()
        self.link_proc = link_proc[self.valid].astype(int)
        self.src = src[self.valid].astype(int)
        self.dst = dst[self.valid].astype(int)
        self.has_links = np.zeros(len(starts), dtype=bool)
        self.has_links[proc_of.reindex(links["procedure_id"].unique()).dropna().astype(int)
                       .to_numpy()] = True
        self.n_proc = len(starts)

    def _parallel(self, links: pd.DataFrame) -> None:
        flags = links["parallel"].fillna(False).astype(bool).to_numpy()
        if not flags.any():
            return
        pids = links["procedure_id"].to_numpy()
        for pid in pd.unique(pids[flags]):
            rows = np.flatnonzero(pids == pid)
            own = [(int(s), None if pd.isna(t) else int(t), float(p), bool(f))
                   for s, t, p, f in zip(links["from_step_no"].to_numpy()[rows],
                                         links["to_step_no"].to_numpy()[rows],
                                         links["probability"].to_numpy()[rows],
                                         flags[rows], strict=True)]
            blocks = parallel_blocks(own)
            self.blocks[pid] = blocks
            self.link_weight[rows] = join_weights(own, blocks)

    def lead_time_factors(self, steps: pd.DataFrame, wait_days_per_case: np.ndarray) -> np.ndarray:
        """Per step row: 1 where its waiting days count in the lead time, 0 in a parallel
        branch outlasted by another (elapsed time takes the longer branch)."""
        factors = np.ones(len(steps))
        if not self.blocks:
            return factors
        pid = steps["procedure_id"].to_numpy()
        number = steps["step_no"].to_numpy()
        for procedure_id, blocks in self.blocks.items():
            rows = np.flatnonzero(pid == procedure_id)
            waits = {int(number[r]): float(wait_days_per_case[r]) for r in rows}
            own = lead_time_factors(blocks, waits)
            for r in rows:
                factors[r] = own.get(int(number[r]), 1.0)
        return factors

    def visits(self, probability: np.ndarray) -> np.ndarray:
        """Expected visits per step row for link probabilities aligned with the links frame."""
        return self.visits_many(np.asarray(probability, dtype=float)[None, :])[0]

    def visits_many(self, probabilities: np.ndarray) -> np.ndarray:
        """:meth:`visits` of each row of ``probabilities`` (K, links) → (K, step rows).

        The procedures of one size are solved for every row in one batched solve: the same
        matrices, each factorised and solved on its own as K calls would (the Monte Carlo's
        K branch scenarios: the per-call work was most of their time)."""
        probabilities = np.asarray(probabilities, dtype=float)
        k = probabilities.shape[0]
        out = np.ones((k, self.n_rows))
        if self.n_rows == 0:
            return out
        probability = (probabilities * self.link_weight)[:, self.valid]
        result = np.ones((k, len(self.local)))
        for size in np.unique(self.sizes):
            procs = np.flatnonzero((self.sizes == size) & self.has_links)
            if len(procs) == 0:
                continue
            slot = np.full(self.n_proc, -1)
            slot[procs] = np.arange(len(procs))
            q = np.zeros((k, len(procs), size, size))
            mine = slot[self.link_proc] >= 0
            count = int(np.count_nonzero(mine))
            # Each row's links in their order, as one call per row added them.
            np.add.at(q, (np.repeat(np.arange(k), count), np.tile(slot[self.link_proc[mine]], k),
                          np.tile(self.src[mine], k), np.tile(self.dst[mine], k)),
                      probability[:, mine].ravel())
            a = np.eye(size)[None, None, :, :] - np.swapaxes(q, 2, 3)
            e = np.zeros((len(procs), size, 1))
            e[:, 0, 0] = 1.0
            solved = _solve_rows(a, e)
            rows = np.flatnonzero(slot[self.proc_index] >= 0)
            result[:, rows] = solved[:, slot[self.proc_index[rows]], self.local[rows]]
        out[:, self.row_of] = result
        return out


def _sorted_steps(steps: pd.DataFrame) -> bool:
    """Whether the steps are in (procedure ID, step number) order already, with a
    RangeIndex (the stable sort would leave them as they are)."""
    if not isinstance(steps.index, pd.RangeIndex) or steps.index.start != 0 \
            or steps.index.step != 1 or steps["step_no"].dtype.kind not in "iu":
        return False
    pid = steps["procedure_id"].to_numpy()
    number = steps["step_no"].to_numpy()
    try:
        same = pid[1:] == pid[:-1]
        later = pid[1:] > pid[:-1]
    except TypeError:   # IDs that do not compare (missing ones): sort as before
        return False
    return bool(np.all(later | (same & (number[1:] >= number[:-1]))))


def _positions(local: np.ndarray, proc_index: np.ndarray, step_no: np.ndarray,
               pid: np.ndarray, link_proc: np.ndarray, link_pid: np.ndarray,
               from_no: np.ndarray, to_no: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each link's source and target step as the position in its procedure (NaN where not
    found): the look-up of (procedure ID, step number) pairs, by one integer key of the
    procedure's number and the step's where the step numbers are whole and not negative
    (a MultiIndex of the pairs is several times slower)."""
    known = ~np.isnan(link_proc)
    if step_no.dtype.kind in "iu" and (len(step_no) == 0 or step_no.min() >= 0):
        stride = int(max(step_no.max(initial=0), from_no.max(initial=0),
                         to_no.max(initial=0))) + 2
        keys = pd.Index(proc_index.astype(np.int64) * stride + step_no + 1)
        if keys.is_unique:
            base = np.where(known, link_proc, 0).astype(np.int64) * stride
            found = []
            for number in (from_no, to_no):
                inside = known & (number >= -1)
                at = keys.get_indexer(base + np.clip(number, -1, None) + 1)
                found.append(np.where(inside & (at >= 0), local[np.maximum(at, 0)].astype(float),
                                      np.nan))
            return found[0], found[1]
    position = pd.Series(local, index=pd.MultiIndex.from_arrays([pid, step_no]))
    return tuple(position.reindex(pd.MultiIndex.from_arrays([link_pid, number])
                                  ).to_numpy(dtype=float) for number in (from_no, to_no))


def _solve_rows(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """:func:`_solve_batch` of each a[k] (K, n, size, size) with e (n, size, 1) → (K, n, size):
    all at once, or one row at a time where a matrix is singular (as K calls did)."""
    k, n, size = a.shape[:3]
    try:
        return np.linalg.solve(a.reshape(k * n, size, size),
                               np.broadcast_to(e, (k, n, size, 1)).reshape(k * n, size, 1)
                               )[:, :, 0].reshape(k, n, size)
    except np.linalg.LinAlgError:
        return np.stack([_solve_batch(a[i], e) for i in range(k)])


def _solve_batch(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(a, e)[:, :, 0]
    except np.linalg.LinAlgError:
        out = np.empty(e.shape[:2])
        for i in range(len(a)):
            try:
                out[i] = np.linalg.solve(a[i], e[i])[:, 0]
            except np.linalg.LinAlgError:
                out[i] = np.inf  # a loop with no way out: never finishes
        return np.where(out < -1e-9, np.inf, out)
