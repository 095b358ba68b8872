"""The random draws of the Monte Carlo and their percentiles: PERT-like Beta draws whose
mean is the surveyed value, triangular factors, and P5/P50/P95 by nearest rank
(``analysis.montecarlo`` draws with them; ``analysis.chunked`` reduces with them)."""

from __future__ import annotations

import numpy as np

from analysis.params import CONCENTRATION, beta_shape
from analysis.pert import beta_unit_from_uniforms

PERCENTILES = (5, 50, 95)


def triangular_from_uniforms(u: np.ndarray, low: np.ndarray | float, mode: np.ndarray | float,
                             high: np.ndarray | float) -> np.ndarray:
    """Triangular(low, mode, high) by inverse CDF of the uniforms ``u``."""
    low, mode, high = (np.asarray(a, dtype=float) for a in (low, mode, high))
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    cut = np.where(width > 0, (mode - low) / safe, 0.5)
    left = low + np.sqrt(u * safe * (mode - low))
    right = high - np.sqrt((1 - u) * safe * (high - mode))
    return np.where(width > 0, np.where(u < cut, left, right), mode)


def beta_draws(rng: np.random.Generator, mean: np.ndarray, low: np.ndarray, high: np.ndarray,
               size: tuple[int, ...]) -> np.ndarray:
    """Draws whose mean is ``mean``: Beta on [low, high] with α + β = 6 (PERT-like); where
    the mean sits on an edge of the range, or the range is empty, the mean itself.

    Drawn by inverse-CDF lookup (``analysis.pert``): about three times faster than numpy's
    Beta with a shape per step, with the same mean exactly.
    """
    return beta_from_uniforms(rng.random((2, *size)), mean, low, high)


def beta_from_uniforms(uniforms: np.ndarray, mean: np.ndarray, low: np.ndarray,
                       high: np.ndarray) -> np.ndarray:
    """:func:`beta_draws` from given uniforms (2, *size)."""
    mean, low, high = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (mean, low, high)))
    alpha, beta = beta_shape(mean, low, high)
    ok = (alpha > 0) & (beta > 0) & (high > low)
    u = beta_unit_from_uniforms(uniforms, np.where(ok, alpha, 0.0), CONCENTRATION)
    # Where not ok, mean + u × 0: the mean exactly, without a pass to pick it.
    u *= np.where(ok, high - low, 0.0)
    u += np.where(ok, low, mean)
    return u


def percentiles(samples: np.ndarray) -> np.ndarray:
    """P5, P50, P95 along the replication axis (axis 0), by nearest rank.

    The replications are sorted, not partitioned: numpy's vectorised sort of 1,000 values
    is about three times faster than a partition at three ranks (the per-procedure figures
    hold tens of millions of samples); the ranks' values are the same.
    """
    # Replications last and contiguous: sorting along a strided axis is several times
    # slower on (replications × procedures × metrics) arrays.
    return sorted_percentiles(np.moveaxis(samples, 0, -1).copy())


def sorted_percentiles(ordered: np.ndarray) -> np.ndarray:
    """:func:`percentiles` of samples with the replications last, ``ordered`` (…, R)
    contiguous: sorted in place (pass a copy to keep the samples)."""
    n = ordered.shape[-1]
    ranks = [min(n - 1, max(0, round(q / 100 * (n - 1)))) for q in PERCENTILES]
    ordered.sort(axis=-1)
    return np.stack([ordered[..., r] for r in ranks])
