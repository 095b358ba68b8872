"""Charts of the landing view and of scenarios side by side (drawn on a given Figure or
Axes; no pyplot).

One axis per unit: hours, yen and visits never share a y-axis (issue 12).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import analysis.charts  # noqa: F401  (registers the Japanese font)

# (metric key of Comparison.city(), scale, JA label, EN label)
SAVINGS_PANELS: tuple[tuple[str, float, str, str], ...] = (
    ("staff_time_h", 1e3, "職員時間の削減（千時間/年）", "Staff hours saved (k h/yr)"),
    ("staff_economic_yen", 1e6, "人件費等の削減（百万円/年）", "Staff cost saved (¥M/yr)"),
    ("citizen_visits", 1e3, "来庁の削減（千回/年）", "Visits avoided (k/yr)"),
    ("citizen_time_h", 1e3, "市民の時間の削減（千時間/年）", "Citizen hours saved (k h/yr)"),
)
COLORS = ("#ED7D31", "#5B9BD5", "#70AD47", "#FFC000", "#7030A0", "#C00000")


def draw_scenario_savings(figure: Figure, names: list[str], saved: list[dict[str, float]],
                          lang: str = "ja") -> None:
    """One small bar chart per unit; a bar per scenario, labelled with its value.

    ``saved[i]`` maps the SAVINGS_PANELS keys to yearly savings of scenario ``names[i]``.
    """
    if not names:
        return
    axes = figure.subplots(1, len(SAVINGS_PANELS))
    colors = [COLORS[i % len(COLORS)] for i in range(len(names))]
    for ax, (key, scale, ja, en) in zip(axes, SAVINGS_PANELS, strict=True):
        values = [row.get(key, 0.0) / scale for row in saved]
        bars = ax.bar(range(len(names)), values, color=colors)
        ax.set_title(ja if lang == "ja" else en, fontsize=8)
        ax.set_xticks(range(len(names)), [_short(n) for n in names], fontsize=7,
                      rotation=30 if len(names) > 2 else 0, ha="right" if len(names) > 2
                      else "center")
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylim(bottom=min(0.0, *values) * 1.15, top=max(0.0, *values) * 1.15 or 1.0)
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(f"{value:,.1f}", (bar.get_x() + bar.get_width() / 2, value),
                        ha="center", va="bottom", fontsize=7, xytext=(0, 1),
                        textcoords="offset points")


def _short(name: str, limit: int = 10) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def draw_priority_bubbles(ax: Axes, rows: list[Any], lang: str = "ja", top: int = 30,
                          named: int = 10, highlight: str | None = None) -> None:
    """Where to start: readiness level (x) against yearly benefit (y), bubble area ∝ annual
    cases. Each bubble carries its rank; the first ``named`` are listed by name beside the
    axes (names written next to bubbles collide when procedures share a level).

    ``rows`` are ranked procedures (objects with rank, procedure_id, name, level,
    benefit_yen, annual_cases), best first. ``highlight``: a procedure ID drawn in red.
    """
    rows = rows[:top]
    if not rows:
        ax.text(0.5, 0.5, "データなし" if lang == "ja" else "no data", ha="center",
                transform=ax.transAxes)
        ax.axis("off")
        return
    levels = np.array([float(r.level) for r in rows])
    # Spread bubbles of the same level sideways by rank, not at random: the same list
    # always draws the same picture.
    offsets = np.zeros(len(rows))
    for level in set(levels):
        index = np.flatnonzero(levels == level)
        offsets[index] = np.linspace(-0.3, 0.3, len(index)) if len(index) > 1 else 0.0
    x = levels + offsets
    y = np.array([float(r.benefit_yen) for r in rows]) / 1e6
    cases = np.array([float(r.annual_cases or 0) for r in rows])
    size = 60 + 700 * np.sqrt(cases / max(cases.max(), 1))
    red = [r.procedure_id == highlight for r in rows]
    ax.scatter(x, y, s=size, alpha=0.45, color=["#C00000" if h else "#5B9BD5" for h in red],
               edgecolor="#1F4E78", lw=0.6, zorder=2)
    ax.set_xlim(0.5, 4.5)
    ax.set_ylim(bottom=0, top=float(y.max()) * 1.12 or 1.0)
    names = []
    for r in rows[:named]:
        name = str(r.name)
        names.append(f"{r.rank}. {name if len(name) <= 13 else name[:12] + '…'}")
    ax.text(1.03, 1.0, "\n".join(names), transform=ax.transAxes, fontsize=7, va="top",
            ha="left", linespacing=1.5)
    ax.set_xticks([1, 2, 3, 4], [f"{n}" for n in range(1, 5)])
    ax.set_xlabel("オンライン化の難易度レベル（1 易 ～ 4 難）" if lang == "ja"
                  else "Online-readiness level (1 easy – 4 hard)", fontsize=8)
    ax.set_ylabel("効果額（百万円/年）" if lang == "ja" else "Benefit (¥M/yr)", fontsize=8)
    ax.set_title(f"上位{len(rows)}（番号＝順位、円＝年間件数）" if lang == "ja"
                 else f"Top {len(rows)} (number = rank, bubble = cases)", fontsize=9, loc="left")
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    # Numbers are placed in screen space, so the axes must have their final size first.
    if isinstance(ax.figure, Figure):
        with contextlib.suppress(ValueError, RuntimeError, AttributeError):
            ax.figure.tight_layout()
    _number_bubbles(ax, x, y, size, [str(r.rank) for r in rows], red)


NUMBER_FONT_PT = 6.5


def _number_bubbles(ax: Axes, x: np.ndarray, y: np.ndarray, area_pt2: np.ndarray,
                    labels: list[str], red: list[bool]) -> None:
    """Write each bubble's rank where it collides with no other number (the best first):
    in the bubble, else beside it; a number with no free place is left out (the table
    and the key name every procedure)."""
    dpi = float(ax.figure.dpi)
    px = dpi / 72.0
    anchors = ax.transData.transform(np.column_stack([x, y]))
    boxes = [(len(t) * NUMBER_FONT_PT * 0.62 * px + 5, NUMBER_FONT_PT * 1.15 * px + 1)
             for t in labels]
    radii = np.sqrt(area_pt2) / 2 * px
    left, bottom, right, top = ax.bbox.extents
    places = place_labels([(float(a), float(b)) for a, b in anchors], boxes,
                          [float(r) for r in radii], (left, bottom, right, top))
    for i in reversed(range(len(labels))):  # the best drawn last, on top
        place = places[i]
        if place is None:
            continue
        dx, dy = (place[0] - anchors[i][0]) / px, (place[1] - anchors[i][1]) / px
        ax.annotate(labels[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points",
                    fontsize=NUMBER_FONT_PT, ha="center", va="center", zorder=3,
                    color="#7F0000" if red[i] else "#1F1F1F",
                    arrowprops=None if dx == dy == 0 else
                    {"arrowstyle": "-", "lw": 0.4, "color": "#7F7F7F", "shrinkA": 0,
                     "shrinkB": 2})


def place_labels(anchors: list[tuple[float, float]], boxes: list[tuple[float, float]],
                 radii: list[float], bounds: tuple[float, float, float, float]
                 ) -> list[tuple[float, float] | None]:
    """Greedy label placement without overlaps, in display units (pixels).

    Each label (``boxes[i]`` = width, height) goes, in order, to the first free place
    among: centred on its anchor, then right, left, above, below and the four diagonals
    just outside its bubble (radius ``radii[i]``). A place is free when the label lies
    inside ``bounds`` (left, bottom, right, top) and overlaps no label placed before it;
    with none free the label is left out (None). Earlier labels win: pass them best first.

    >>> place_labels([(10, 10), (12, 10)], [(6, 4), (6, 4)], [3, 3], (0, 0, 40, 40))
    [(10, 10), (19.0, 10)]
    >>> place_labels([(2, 2)], [(6, 4)], [1], (0, 0, 3, 3))
    [None]
    """
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float] | None] = []
    for (ax_, ay), (w, h), r in zip(anchors, boxes, radii, strict=True):
        side_x, side_y = r + w / 2 + 1, r + h / 2 + 1
        diag = r * 0.75
        candidates = [(ax_, ay), (ax_ + side_x, ay), (ax_ - side_x, ay), (ax_, ay + side_y),
                      (ax_, ay - side_y), (ax_ + diag + w / 2, ay + diag + h / 2),
                      (ax_ - diag - w / 2, ay + diag + h / 2),
                      (ax_ + diag + w / 2, ay - diag - h / 2),
                      (ax_ - diag - w / 2, ay - diag - h / 2)]
        chosen: tuple[float, float] | None = None
        for cx, cy in candidates:
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2] \
                    or box[3] > bounds[3]:
                continue
            if any(box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3]
                   for p in placed):
                continue
            placed.append(box)
            chosen = (cx, cy)
            break
        out.append(chosen)
    return out
