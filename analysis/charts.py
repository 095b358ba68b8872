"""Charts as functions of data that draw on a given matplotlib Axes (no pyplot).

The Qt canvas, the Excel report and PNG/SVG export reuse them. Japanese text uses the
bundled IPAexGothic (matplotlib-fontja).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib_fontja  # noqa: E402,F401  (registers IPAexGothic as the font family)
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

if TYPE_CHECKING:
    from analysis.sensitivity import SensitivityResult

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
