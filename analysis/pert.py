"""Fast PERT-like Beta draws with an exact mean, by inverse-CDF lookup.

Every uncertain figure is drawn from Beta(α, β) on [low, high] with α + β = 6
(``analysis.params.beta_shape``), α = 6 × (mean − low) / (high − low). A survey has as
many different α as it has steps (19,000 distinct ones among the 45,000 steps of the
generated city), and numpy draws a Beta with per-element shapes through two gamma
variates each: about two thirds of the whole Monte Carlo core's time.

Here a step's draw is instead looked up in a table of Beta quantile functions for
:data:`GRID` + 1 shapes α_j = j × 6 / GRID (one uniform picks the quantile, linear
interpolation between :data:`POINTS` + 1 tabulated quantiles). A step whose α lies
between α_j and α_j+1 draws from the one or the other, choosing α_j+1 with probability
w = (α − α_j) / (α_j+1 − α_j) (a second uniform). Because a Beta's mean α / (α + β) is
linear in α and each table is corrected to have exactly its shape's mean, **the draw's
mean is exactly the shown figure**, as before; its spread differs from Beta(α, 6 − α) by
less than the difference between two neighbouring shapes (Δα = 0.023), far below what a
survey's 最短/最長 can tell. The same seed gives the same draws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

GRID = 256            # shapes α_j = j · CONCENTRATION / GRID, j = 0 … GRID
POINTS = 4096         # quantiles per shape at u = k / POINTS, k = 0 … POINTS
_X_POINTS = 4096      # where each half of a CDF is evaluated before it is inverted


def _half_cdf(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points x in [0, ½] and ∫₀ˣ t^(a−1) (1 − t)^(b−1) dt there, one row per shape (a, b columns).

    With t = v^(1/a) the integral is (1/a) ∫₀^(x^a) (1 − v^(1/a))^(b−1) dv, whose integrand
    is bounded and smooth for t ≤ ½: a trapezoid rule on a uniform grid in v is accurate,
    and the points x = ½ (k / n)^(1/a) crowd where the density is steep.
    """
    fraction = np.arange(_X_POINTS + 1) / _X_POINTS
    v = fraction * 0.5 ** a                       # (shapes, points)
    t = 0.5 * fraction ** (1 / a)
    integrand = (1 - t) ** (b - 1)
    steps = (integrand[:, 1:] + integrand[:, :-1]) / 2 * np.diff(v, axis=1)
    integral = np.concatenate([np.zeros((len(a), 1)), np.cumsum(steps, axis=1)], axis=1) / a
    return t, integral


@lru_cache(maxsize=4)
def quantile_table(concentration: float) -> np.ndarray:
    """(GRID + 1, POINTS + 1) quantiles in [0, 1] of Beta(α_j, concentration − α_j) at
    u = k / POINTS, each row with mean exactly α_j / concentration under linear
    interpolation. Row 0 is the point mass at 0, the last row the point mass at 1."""
    alphas = np.arange(GRID + 1) * concentration / GRID
    inner_a = alphas[1:-1, None]
    inner_b = concentration - inner_a
    # The lower half directly, the upper half as the lower half of Beta(b, a) mirrored;
    # the two integrals add up to B(a, b), which normalises the CDF.
    x_low, low = _half_cdf(inner_a, inner_b)
    x_high, high = _half_cdf(inner_b, inner_a)
    total = low[:, -1:] + high[:, -1:]
    x = np.concatenate([x_low, 1 - x_high[:, -2::-1]], axis=1)
    cdf = np.concatenate([low, total - high[:, -2::-1]], axis=1) / total
    cdf = np.maximum.accumulate(np.clip(cdf, 0.0, 1.0), axis=1)
    u = np.arange(POINTS + 1) / POINTS
    table = np.empty((GRID + 1, POINTS + 1))
    table[0], table[-1] = 0.0, 1.0
    for j in range(GRID - 1):
        table[j + 1] = np.interp(u, cdf[j], x[j])
    # Make each row's mean (trapezoid rule = the mean under linear interpolation) exactly
    # α_j / concentration, keeping the row inside [0, 1] and increasing.
    means = (table.sum(axis=1) - (table[:, 0] + table[:, -1]) / 2) / POINTS
    target = alphas / concentration
    for j in range(1, GRID):
        if means[j] > target[j]:
            table[j] *= target[j] / means[j]
        elif means[j] < target[j]:
            table[j] = 1 - (1 - table[j]) * (1 - target[j]) / (1 - means[j])
    table.setflags(write=False)
    return table


@lru_cache(maxsize=4)
def _lookup(concentration: float) -> np.ndarray:
    """The table as one complex number per cell, quantile + 1j × rise to the next one, so a
    draw costs one random memory access instead of two."""
    table = quantile_table(concentration)
    cells = table[:, :-1] + 1j * np.diff(table, axis=1)
    cells = cells.ravel()
    cells.setflags(write=False)
    return cells


def beta_unit_draws(rng: np.random.Generator, alpha: np.ndarray, concentration: float,
                    size: tuple[int, ...]) -> np.ndarray:
    """Draws in [0, 1] of shape ``size`` with mean exactly α / concentration (α broadcast
    to ``size``, 0 ≤ α ≤ concentration), distributed as Beta(α, concentration − α)."""
    return beta_unit_from_uniforms(rng.random((2, *size)), alpha, concentration)


def beta_unit_from_uniforms(uniforms: np.ndarray, alpha: np.ndarray,
                            concentration: float) -> np.ndarray:
    """As :func:`beta_unit_draws`, from given uniforms (2, *size): the first picks the
    quantile, the second the neighbouring shape. The Monte Carlo draws each procedure's
    uniforms from the procedure's own generator, so a draw does not depend on which other
    procedures share its chunk."""
    shapes = BetaShapes.of(alpha, concentration)
    return shapes.draw(uniforms[0], uniforms[1], shapes.first_cell, shapes.weight,
                       np.empty(uniforms.shape[1:]))


class BetaShapes:
    """What a draw needs of its shapes α, made once for an array of them (the table's
    first cell of the lower neighbouring shape, and the weight of the upper one), so that
    the draws can be made a block at a time: the Monte Carlo draws each procedure's
    steps × replications right after its uniforms, while both are in the cache, instead of
    passing over arrays of every step × replication several times."""

    def __init__(self, first_cell: np.ndarray, weight: np.ndarray, cells: np.ndarray) -> None:
        self.first_cell, self.weight, self.cells = first_cell, weight, cells

    @classmethod
    def of(cls, alpha: np.ndarray, concentration: float) -> BetaShapes:
        grid = np.clip(np.asarray(alpha, dtype=float) * (GRID / concentration), 0.0, GRID)
        lower = np.minimum(np.floor(grid), GRID - 1)
        return cls((lower * POINTS).astype(np.int64), grid - lower,
                   _lookup(float(concentration)))

    def draw(self, u_quantile: np.ndarray, u_shape: np.ndarray, first_cell: np.ndarray,
             weight: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Draws into ``out`` (the uniforms' shape) for shapes given by ``first_cell`` and
        ``weight`` (a part of this object's, broadcast to the uniforms)."""
        position = np.multiply(u_quantile, POINTS, out=out)
        cell = position.astype(np.int64)                  # 0 … POINTS − 1 (u < 1)
        position -= cell                                  # where in the cell, 0 … 1
        cell += first_cell
        # The neighbour, by weight: an add of 0 or POINTS to every cell (numpy's masked
        # add, ``where=``, took three times as long: a fifth of the draws' passes).
        cell += (u_shape < weight) * POINTS
        found = self.cells.take(cell)
        del cell
        position *= found.imag
        position += found.real
        return position
