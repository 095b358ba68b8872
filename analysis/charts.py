"""Charts as functions of data that draw on a given matplotlib Axes (no pyplot).

The Qt canvas, the Excel report and PNG/SVG export reuse them. Japanese text uses the
bundled IPAexGothic (matplotlib-fontja).
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib_fontja  # noqa: E402,F401  (registers IPAexGothic as the font family)
import networkx as nx  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from analysis.graph import END, step_numbers  # noqa: E402
from analysis.measures import effect_multiplier  # noqa: E402
from bpr_studio.model import codes  # noqa: E402

LANE_ORDER = ("citizen", "counter", "clerk", "approver", "system", "external")
LANE_COLORS = {"citizen": "#FCE4D6", "counter": "#DDEBF7", "clerk": "#E2EFDA",
               "approver": "#FFF2CC", "system": "#EDEDED", "external": "#F2F2F2"}


def step_minutes(graph: nx.DiGraph, step: int) -> float:
    """Typical minutes after the step's effects (the to-be time; as-is has no effects)."""
    data = graph.nodes[step]
    minutes = float(data.get("typical_minutes") or 0)
    for effect in data.get("effects", []):
        minutes *= max(effect_multiplier(effect), 0.0)
    return minutes


def draw_swimlane(ax: Axes, graph: nx.DiGraph, title: str = "", lang: str = "ja") -> None:
    """A swimlane diagram: lanes = actors, boxes = steps with minutes, arrows with
    probabilities; marks for paper (紙), seal (印), manual entry (手); removed steps grey."""
    numbers = step_numbers(graph)
    lanes = [a for a in LANE_ORDER if any(graph.nodes[n].get("actor") == a for n in numbers)]
    lane_y = {a: len(lanes) - 1 - i for i, a in enumerate(lanes)}
    x_of = {n: i for i, n in enumerate(numbers)}
    width = max(len(numbers), 1)
    for actor, y in lane_y.items():
        ax.add_patch(FancyBboxPatch((-0.9, y - 0.48), width + 0.8, 0.96,
                                    boxstyle="square,pad=0", fc=LANE_COLORS[actor], ec="#BFBFBF",
                                    lw=0.6, zorder=0))
        ax.text(-0.85, y, codes.ACTOR.label(actor, lang), va="center", ha="left", fontsize=8,
                zorder=1)
    for n in numbers:
        data = graph.nodes[n]
        x, y = x_of[n] + 0.3, lane_y[data.get("actor", "clerk")]
        minutes = step_minutes(graph, n)
        removed = data.get("effects") and minutes <= 1e-9
        face = "#FFFFFF" if not removed else "#D9D9D9"
        ax.add_patch(FancyBboxPatch((x - 0.38, y - 0.3), 0.76, 0.6,
                                    boxstyle="round,pad=0.02", fc=face, ec="#404040",
                                    lw=0.8, ls="--" if removed else "-", zorder=2))
        name = str(data.get("name", n))
        name = name if len(name) <= 14 else name[:13] + "…"  # Japanese has no spaces to cut at
        label = "\n".join(textwrap.wrap(name, 7)[:2])
        ax.text(x, y + 0.07, label, ha="center", va="center", fontsize=6, zorder=3,
                color="#7F7F7F" if removed else "#000000")
        unit = "分" if lang == "ja" else "min"
        ax.text(x, y - 0.2, f"{minutes:.1f}{unit}", ha="center", va="center", fontsize=6,
                color="#C00000" if data.get("effects") else "#404040", zorder=3)
        marks = "".join(m for m, flag in (("紙", data.get("medium") == "paper"),
                                          ("印", data.get("seal")),
                                          ("手", data.get("manual_entry"))) if flag)
        if marks:
            ax.text(x + 0.36, y + 0.28, marks, ha="right", va="top", fontsize=5,
                    color="#C00000", zorder=4)
    for source, target, probability in graph.edges(data="probability"):
        if source == END or target == END:
            continue
        sx, sy = x_of[source] + 0.3, lane_y[graph.nodes[source].get("actor", "clerk")]
        tx, ty = x_of[target] + 0.3, lane_y[graph.nodes[target].get("actor", "clerk")]
        backward = target <= source
        arrow = FancyArrowPatch((sx + (0 if backward else 0.38), sy - (0.3 if backward else 0)),
                                (tx - (0 if backward else 0.38), ty - (0.3 if backward else 0)),
                                arrowstyle="-|>", mutation_scale=7, lw=0.7,
                                color="#C00000" if backward else "#404040",
                                connectionstyle="arc3,rad=0.35" if backward else "arc3,rad=0",
                                zorder=1.5)
        ax.add_patch(arrow)
        if probability < 0.999:
            ax.text((sx + tx) / 2, (sy + ty) / 2 + (-0.45 if backward else 0.12),
                    f"{probability:.0%}", fontsize=5.5, ha="center",
                    color="#C00000" if backward else "#404040", zorder=4)
    ax.set_xlim(-0.95, width + 0.05)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9, loc="left")


def flow_png(as_is: nx.DiGraph, to_be: nx.DiGraph, title: str, dpi: int = 90) -> bytes:
    """As-is above to-be, as one PNG image (for the report)."""
    n = max(len(step_numbers(as_is)), 1)
    lanes = max(len({as_is.nodes[s].get("actor") for s in step_numbers(as_is)}), 1)
    figure = Figure(figsize=(min(2.0 + 1.05 * n, 17), 1.1 + 1.3 * lanes))
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    draw_swimlane(top, as_is, f"{title} — 現状（As-Is）")
    draw_swimlane(bottom, to_be, "改善後（To-Be）: 赤字は変わる時間、灰色は不要になる工程")
    figure.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.02, hspace=0.15)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
