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


def expected_visits(steps: pd.DataFrame, links: pd.DataFrame) -> np.ndarray:
    """Expected executions per case of each row of ``steps`` (aligned with its rows).

    ``steps`` needs procedure_id and step_no; ``links`` procedure_id, from_step_no,
    to_step_no (NaN/None = end) and probability. A procedure with no links at all is
    taken as a straight sequence (every step once). A loop with no way out gives inf.
    """
    visits = np.ones(len(steps))
    if steps.empty:
        return visits
    order = steps.sort_values(["procedure_id", "step_no"], kind="stable")
    pid = order["procedure_id"].to_numpy()
    step_no = order["step_no"].to_numpy()
    starts = np.r_[0, np.flatnonzero(pid[1:] != pid[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(pid)])
    local = np.arange(len(pid)) - np.repeat(starts, sizes)
    proc_index = np.repeat(np.arange(len(starts)), sizes)
    procedure_ids = pid[starts]

    position = pd.Series(local, index=pd.MultiIndex.from_arrays([pid, step_no]))
    proc_of = pd.Series(np.arange(len(starts)), index=procedure_ids)
    step_links = links[links["to_step_no"].notna()]
    link_proc = proc_of.reindex(step_links["procedure_id"].to_numpy()).to_numpy()
    key_from = pd.MultiIndex.from_arrays([step_links["procedure_id"].to_numpy(),
                                          step_links["from_step_no"].to_numpy().astype(int)])
    key_to = pd.MultiIndex.from_arrays([step_links["procedure_id"].to_numpy(),
                                        step_links["to_step_no"].to_numpy().astype(int)])
    src = position.reindex(key_from).to_numpy()
    dst = position.reindex(key_to).to_numpy()
    valid = ~(np.isnan(link_proc.astype(float)) | np.isnan(src) | np.isnan(dst))
    link_proc, src, dst = link_proc[valid].astype(int), src[valid].astype(int), dst[valid].astype(int)
    probability = step_links["probability"].to_numpy(dtype=float)[valid]
    has_links = np.zeros(len(starts), dtype=bool)
    has_links[proc_of.reindex(links["procedure_id"].unique()).dropna().astype(int).to_numpy()] = True

    result = np.ones(len(pid))
    for size in np.unique(sizes):
        procs = np.flatnonzero((sizes == size) & has_links)
        if len(procs) == 0:
            continue
        slot = np.full(len(starts), -1)
        slot[procs] = np.arange(len(procs))
        q = np.zeros((len(procs), size, size))
        mine = slot[link_proc] >= 0
        np.add.at(q, (slot[link_proc[mine]], src[mine], dst[mine]), probability[mine])
        a = np.eye(size)[None, :, :] - np.transpose(q, (0, 2, 1))
        e = np.zeros((len(procs), size, 1))
        e[:, 0, 0] = 1.0
        solved = _solve_batch(a, e)
        rows = np.flatnonzero(np.isin(proc_index, procs))
        result[rows] = solved[slot[proc_index[rows]], local[rows]]
    visits[order.index.to_numpy() if order.index.equals(pd.RangeIndex(len(steps)))
           else steps.index.get_indexer(order.index)] = result
    return visits


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
