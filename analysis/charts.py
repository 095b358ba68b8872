"""Charts as functions of data that draw on a given matplotlib Axes (no pyplot).

The Qt canvas, the Excel report and PNG/SVG export reuse them. Japanese text uses the
bundled IPAexGothic (matplotlib-fontja).
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib_fontja  # noqa: E402,F401  (registers IPAexGothic as the font family)
import networkx as nx  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from analysis.flow_layout import step_minutes  # noqa: E402  (one definition, shared)
from analysis.graph import END, step_numbers  # noqa: E402
from bpr_studio.model import codes  # noqa: E402

if TYPE_CHECKING:
    from analysis.sensitivity import SensitivityResult

LANE_ORDER = ("citizen", "counter", "clerk", "approver", "system", "external")
LANE_COLORS = {"citizen": "#FCE4D6", "counter": "#DDEBF7", "clerk": "#E2EFDA",
               "approver": "#FFF2CC", "system": "#EDEDED", "external": "#F2F2F2"}


def draw_swimlane(ax: Axes, graph: nx.DiGraph, title: str = "", lang: str = "ja",
                  font_scale: float = 1.0, steps: list[Any] | None = None) -> None:
    """A swimlane diagram: lanes = actors, boxes = steps with minutes, arrows with
    probabilities; marks for paper (紙), seal (印), manual entry (手); removed steps grey.

    ``font_scale`` enlarges the text for print (:func:`flow_png`); box labels then wrap
    in shorter lines (three of them) so they stay inside their boxes. ``steps``: draw only
    these (a part of a long flow, :func:`flow_print_pngs`); an arrow to a step outside
    them ends in a note naming it ("→工程11")."""
    def size(points: float) -> float:
        return points * font_scale

    per_line = max(4, round(7 / font_scale))
    lines = 2 if font_scale <= 1.0 else 3
    everything = step_numbers(graph)
    numbers = everything if steps is None else [n for n in everything if n in set(steps)]
    lanes = [a for a in LANE_ORDER if any(graph.nodes[n].get("actor") == a for n in numbers)]
    lane_y = {a: len(lanes) - 1 - i for i, a in enumerate(lanes)}
    x_of = {n: i for i, n in enumerate(numbers)}
    width = max(len(numbers), 1)
    for actor, y in lane_y.items():
        ax.add_patch(FancyBboxPatch((-0.9, y - 0.48), width + 0.8, 0.96,
                                    boxstyle="square,pad=0", fc=LANE_COLORS[actor], ec="#BFBFBF",
                                    lw=0.6, zorder=0))
        ax.text(-0.85, y, codes.ACTOR.label(actor, lang), va="center", ha="left", fontsize=size(8),
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
        cut = per_line * lines
        name = name if len(name) <= cut else name[:cut - 1] + "…"  # Japanese has no spaces
        label = "\n".join(textwrap.wrap(name, per_line)[:lines])
        ax.text(x, y + 0.07, label, ha="center", va="center", fontsize=size(6), zorder=3,
                color="#7F7F7F" if removed else "#000000")
        unit = "分" if lang == "ja" else "min"
        shown = "" if data.get("time_missing") is True else f"{minutes:.1f}{unit}"  # 要確認
        ax.text(x, y - 0.22, shown, ha="center", va="center", fontsize=size(6),
                color="#C00000" if data.get("effects") else "#404040", zorder=3)
        marks = "".join(m for m, flag in (("紙", data.get("medium") == "paper"),
                                          ("印", data.get("seal")),
                                          ("手", data.get("manual_entry"))) if flag)
        if marks:
            ax.text(x + 0.36, y + 0.28, marks, ha="right", va="top", fontsize=size(5),
                    color="#C00000", zorder=4)
    for source, target, probability in graph.edges(data="probability"):
        if source == END or target == END:
            continue
        if (source in x_of) != (target in x_of):  # crosses into another part of the flow
            if source in x_of:
                _draw_continuation(ax, x_of[source] + 0.3, lane_y[graph.nodes[source].get(
                    "actor", "clerk")], target, probability, forward=target > source,
                    fontsize=size(5.5), lang=lang)
            continue
        if source not in x_of:
            continue
        sx, sy = x_of[source] + 0.3, lane_y[graph.nodes[source].get("actor", "clerk")]
        tx, ty = x_of[target] + 0.3, lane_y[graph.nodes[target].get("actor", "clerk")]
        backward = target <= source
        arrow = FancyArrowPatch((sx + (0 if backward else 0.38), sy - (0.3 if backward else 0)),
                                (tx - (0 if backward else 0.38), ty - (0.3 if backward else 0)),
                                arrowstyle="-|>", mutation_scale=size(7), lw=0.7,
                                color="#C00000" if backward else "#404040",
                                connectionstyle="arc3,rad=0.35" if backward else "arc3,rad=0",
                                zorder=1.5)
        ax.add_patch(arrow)
        if probability < 0.999:
            ax.text((sx + tx) / 2, (sy + ty) / 2 + (-0.45 if backward else 0.12),
                    f"{probability:.0%}", fontsize=size(5.5), ha="center",
                    color="#C00000" if backward else "#404040", zorder=4)
    ax.set_xlim(-0.95, width + (0.05 if steps is None else 1.0))  # room for "→工程11"
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=size(9), loc="left")


def _draw_continuation(ax: Axes, x: float, y: float, target: Any, probability: float,
                       forward: bool, fontsize: float, lang: str) -> None:
    """A short arrow out of a box to a step drawn in another part: "→工程11 (15%)", or
    "←工程3 (5%)" back to an earlier part (not ↩: IPAexGothic has no such glyph)."""
    step = "工程" if lang == "ja" else "step "
    share = f" ({probability:.0%})" if probability < 0.999 else ""
    color = "#404040" if forward else "#C00000"
    dy = 0 if forward else -0.42
    ax.add_patch(FancyArrowPatch((x + 0.38, y + dy * 0.7), (x + 0.62, y + dy),
                                 arrowstyle="-|>", mutation_scale=fontsize * 1.3, lw=0.7,
                                 color=color, zorder=1.5))
    ax.text(x + 0.64, y + dy, f"{'→' if forward else '←'}{step}{target}{share}", ha="left",
            va="center", fontsize=fontsize, color=color, zorder=4)


PRINT_FONT_SCALE = 1.6  # flow pictures in the report: text 1.6 times the screen size
PRINT_STEPS = 10  # steps a printed picture holds with its box text at 8 pt on A4
PART_STEPS = 9  # steps a part of a longer flow holds, leaving room for its "→工程N" notes
PRINT_DPI = 110
# The smallest on-sheet size (sheet px per picture px) at which a flow_print_png's box
# text (6 pt × PRINT_FONT_SCALE) still prints at 8 pt: Excel shows 96 px an inch.
LEGIBLE_SHOWN_SCALE = 8 / (6 * PRINT_FONT_SCALE) * 96 / PRINT_DPI


def flow_png(as_is: nx.DiGraph, to_be: nx.DiGraph, title: str, dpi: int = 90) -> bytes:
    """As-is above to-be, as one PNG image (export, tests)."""
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


def flow_print_pngs(graph: nx.DiGraph, dpi: int = PRINT_DPI) -> list[tuple[str, bytes]]:
    """A flow for the printed report, in parts when it has more than ``PRINT_STEPS``
    steps, each (part label, PNG): one picture of a 25-step flow would print its box text
    at about 4 pt; in parts of ``PART_STEPS`` every part prints at 8 pt or more. The label
    is "" when the flow fits one picture, else e.g. "工程1～9（全25工程）"."""
    numbers = step_numbers(graph)
    if len(numbers) <= PRINT_STEPS:
        return [("", flow_print_png(graph, dpi))]
    parts = []
    for start in range(0, len(numbers), PART_STEPS):
        part = numbers[start:start + PART_STEPS]
        label = f"工程{part[0]}～{part[-1]}（全{len(numbers)}工程）"
        parts.append((label, flow_print_png(graph, dpi, part)))
    return parts


def flow_print_png(graph: nx.DiGraph, dpi: int = PRINT_DPI,
                   steps: list[Any] | None = None) -> bytes:
    """One swimlane for the printed report: text ``PRINT_FONT_SCALE`` times the screen
    size in a figure about an inch a step and an inch a lane, so that shown at the
    page's size (report.appendix.flow_sheet) its box text prints at 8 pt or more for up
    to ``PRINT_STEPS`` steps (``steps``: only these, see :func:`flow_print_pngs`). The
    caption is the sheet's, not the picture's."""
    numbers = step_numbers(graph) if steps is None else steps
    n = max(len(numbers), 1) + (0 if steps is None else 1)  # room for "→工程11"
    lanes = max(len({graph.nodes[s].get("actor") for s in numbers}), 1)
    figure = Figure(figsize=(1.2 + 0.95 * n, 0.2 + 1.0 * lanes))
    FigureCanvasAgg(figure)
    draw_swimlane(figure.add_subplot(111), graph, font_scale=PRINT_FONT_SCALE, steps=steps)
    figure.subplots_adjust(left=0.01, right=0.99, top=0.98, bottom=0.02)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


# --- dashboard charts -------------------------------------------------------------------

COST_LABELS_JA = {"economic_yen": "経済的", "time_h": "時間的", "physical_bh": "肉体的",
                  "cognitive_bh": "頭脳的", "psychological_bh": "精神的"}
COST_LABELS_EN = {"economic_yen": "economic", "time_h": "time", "physical_bh": "physical",
                  "cognitive_bh": "cognitive", "psychological_bh": "psychological"}
# One panel per unit: yen, hours and burden-hours never share a y-axis (issue 12).
_PANELS = (("economic_yen",), ("time_h",), ("physical_bh", "cognitive_bh", "psychological_bh"))


def _unit(kind: str, largest: float, lang: str) -> tuple[float, str]:
    """(divisor, label) so the panel's numbers read as short figures."""
    ja = lang == "ja"
    if kind == "yen":
        for scale, label_ja, label_en in ((1e6, "百万円", "¥M"), (1e4, "万円", "¥10k")):
            if largest >= scale:
                return scale, label_ja if ja else label_en
        return 1.0, "円" if ja else "¥"
    name_ja, name_en = ("時間", "h") if kind == "h" else ("負担時間", "burden-h")
    if largest >= 1e4:
        return 1e3, f"千{name_ja}" if ja else f"k {name_en}"
    return 1.0, name_ja if ja else name_en


def draw_five_costs(ax: Axes, side: str, as_is: dict[str, float], to_be: dict[str, float],
                    low: dict[str, float] | None = None, high: dict[str, float] | None = None,
                    lang: str = "ja") -> None:
    """As-is and to-be bars for the five costs of one side; whiskers = to-be P5–P95.

    ``as_is``/``to_be`` map cost keys (economic_yen …) to yearly values. The space of
    ``ax`` is split into three panels, one per unit (yen, hours, burden-hours), each
    with its own y-axis and unit label.
    """
    import numpy as np

    figure = ax.get_figure()
    spec = ax.get_subplotspec()
    labels = COST_LABELS_JA if lang == "ja" else COST_LABELS_EN
    side_label = {"staff": ("職員", "staff"), "citizen": ("市民", "citizens")}[side]
    title = (f"{side_label[0]}の5つのコスト（年）" if lang == "ja"
             else f"Five costs, {side_label[1]} (per year)")
    if figure is None or spec is None:  # an Axes outside a grid: draw on it as it is
        panels = [ax]
        groups: tuple[tuple[str, ...], ...] = (tuple(k for g in _PANELS for k in g),)
    else:
        ax.remove()
        grid = spec.subgridspec(1, 3, width_ratios=[1, 1, 3], wspace=0.6)
        panels = [figure.add_subplot(grid[0, i]) for i in range(3)]
        groups = _PANELS
        figure.suptitle(title, fontsize=9)
    for i, (panel, keys) in enumerate(zip(panels, groups, strict=True)):
        kind = "yen" if keys[0] == "economic_yen" else "h" if keys[0] == "time_h" else "bh"
        largest = max([as_is[k] for k in keys] + [to_be[k] for k in keys] + [0.0])
        scale, unit = _unit(kind, largest, lang)
        x = np.arange(len(keys))
        a = [as_is[k] / scale for k in keys]
        b = [to_be[k] / scale for k in keys]
        panel.bar(x - 0.2, a, 0.4, label="現状" if lang == "ja" else "as-is", color="#5B9BD5")
        bars = panel.bar(x + 0.2, b, 0.4, label="改善後" if lang == "ja" else "to-be",
                         color="#ED7D31")
        if low is not None and high is not None:
            err_low = [max(b[j] - low[k] / scale, 0) for j, k in enumerate(keys)]
            err_high = [max(high[k] / scale - b[j], 0) for j, k in enumerate(keys)]
            panel.errorbar([bar.get_x() + bar.get_width() / 2 for bar in bars], b,
                           yerr=[err_low, err_high], fmt="none", ecolor="#404040", capsize=3,
                           lw=0.8)
        panel.set_xticks(x, [labels[k] for k in keys], fontsize=7)
        panel.set_title(unit, fontsize=7, loc="left")  # the unit above its own axis
        panel.set_ylim(0, max(a + b + [0.0]) * (1.3 if i == len(panels) - 1 else 1.08) or 1.0)
        panel.grid(axis="y", alpha=0.3)
        panel.tick_params(axis="y", labelsize=7)
        if largest <= 0:  # an empty panel with a 0–1 axis read as a missing chart
            panel.text(0.5, 0.5, "なし（0）" if lang == "ja" else "none (0)", ha="center",
                       va="center", fontsize=7, color="#7F7F7F", transform=panel.transAxes)
            panel.set_yticks([0])
        if i == len(panels) - 1:
            panel.legend(fontsize=7, loc="upper right", ncol=2)  # above the bars (ylim)
    if len(panels) == 1:
        panels[0].set_title(title, fontsize=9)


def draw_waterfall(ax: Axes, start: float, steps: list[tuple[str, float]], end_label: str,
                   unit_label: str, start_label: str = "現状") -> None:
    """From ``start`` down by each (label, saving) to the end: the savings by measure.

    Horizontal bars from zero (a cut axis makes a 28 % drop look like two thirds), each
    labelled with its amount, so the names of the measures are read, not tilted.
    """
    labels = [start_label, *[label for label, _s in steps], end_label]
    y = list(range(len(labels)))
    level = start
    ax.barh(0, start, color="#5B9BD5")
    labels_at = [(start, f"{start:,.1f}")]
    for i, (_label, saving) in enumerate(steps, start=1):
        ax.barh(i, -saving, left=level, color="#70AD47" if saving >= 0 else "#C00000")
        labels_at.append((max(level, level - saving), f"{-saving:+,.1f}"))
        level -= saving
    ax.barh(len(steps) + 1, level, color="#ED7D31")
    labels_at.append((level, f"{level:,.1f}"))
    for i, (right, text) in enumerate(labels_at):  # each amount just right of its bar
        ax.text(max(right, 0) + abs(start) * 0.01, i, text, va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, start * 1.12 if start > 0 else 1)
    ax.set_xlabel(unit_label, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", alpha=0.3)


def draw_histogram(ax: Axes, samples: list[float], label: str, p5: float, p95: float) -> None:
    """The distribution of a saving over the replications, with its 90 % interval."""
    ax.hist(samples, bins=30, color="#70AD47", alpha=0.8)
    for value in (p5, p95):
        ax.axvline(value, color="#404040", ls="--", lw=0.8)
    ax.set_xlabel(label, fontsize=8)
    ax.set_ylabel("回数", fontsize=8)
    ax.tick_params(labelsize=7)


def draw_barh(ax: Axes, names: list[str], values: list[float], xlabel: str, title: str = "",
              color: str = "#5B9BD5") -> None:
    ax.barh(range(len(names)), values, color=color)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)


def draw_tornado(ax: Axes, result: SensitivityResult, metric: str = "staff_economic_yen",
                 lang: str = "ja", top: int = 12) -> None:
    """Tornado of a city-wide saving (``analysis.sensitivity.SensitivityResult``): one bar
    per assumption from the figure at its low end to the figure at its high end, widest
    on top, around the base figure (the vertical line)."""
    bars = result.ordered(metric)[:top]
    base = result.base[metric]
    scale, unit = ((1e6, "百万円/年" if lang == "ja" else "¥M/yr") if metric.endswith("_yen")
                   else (1.0, "時間/年" if lang == "ja" else "h/yr") if metric.endswith("_h")
                   else (1.0, "回/年" if lang == "ja" else "/yr"))
    if not bars:
        ax.text(0.5, 0.5, "データなし" if lang == "ja" else "no data", ha="center")
        return
    for i, bar in enumerate(reversed(bars)):
        low, high = bar.at_low[metric] / scale, bar.at_high[metric] / scale
        ax.barh(i, low - base / scale, left=base / scale, color="#F4B183", height=0.6)
        ax.barh(i, high - base / scale, left=base / scale, color="#5B9BD5", height=0.6)
    labels = [f"{b.label(lang)}（{b.low_input:,.3g}～{b.high_input:,.3g}）" if lang == "ja"
              else f"{b.label(lang)} ({b.low_input:,.3g}–{b.high_input:,.3g})"
              for b in reversed(bars)]
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.axvline(base / scale, color="#404040", lw=0.8)
    names = {"staff_economic_yen": ("職員の人件費等の削減", "staff cost saved"),
             "staff_time_h": ("職員時間の削減", "staff hours saved"),
             "citizen_time_h": ("市民時間の削減", "citizen hours saved"),
             "citizen_visits": ("来庁の削減", "visits avoided")}
    ja, en = names.get(metric, (metric, metric))
    ax.set_xlabel(f"{ja if lang == 'ja' else en}（{unit}）" if lang == "ja"
                  else f"{en} ({unit})", fontsize=8)
    ax.set_title("感度分析：前提を下限（橙）・上限（青）にしたときの\n市全体の削減" if lang == "ja"
                 else "Sensitivity: city-wide saving with each assumption at its low (orange) "
                      "and high (blue) end", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(axis="x", alpha=0.3)


def tornado_png(result: SensitivityResult, metric: str = "staff_economic_yen", lang: str = "ja",
                dpi: int = 150) -> bytes:
    """The tornado as a PNG (for the Excel report). A small figure in inches, shown about
    1.6 times larger on the sheet, so its 7 pt labels print at 8 pt or more."""
    figure = Figure(figsize=(6.6, 1.0 + 0.26 * min(max(len(result.bars), 1), 12)), dpi=dpi)
    FigureCanvasAgg(figure)
    draw_tornado(figure.add_subplot(111), result, metric, lang)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
