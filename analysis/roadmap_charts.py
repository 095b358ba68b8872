"""The roadmap's chart: cumulative cost against cumulative saving by fiscal year, with the
saving's P5–P95 band and the break-even year marked (drawn on a given Axes; no pyplot).
The app's 投資効果・工程表 view draws it; the report's 工程表 sheet has the same series as
a native Excel chart.
"""

from __future__ import annotations

from matplotlib.axes import Axes

import analysis.charts  # noqa: F401  (registers the Japanese font)
from analysis.roadmap_result import RoadmapResult
from analysis.roadmap_settings import REIWA_FIRST_YEAR

MILLION = 1e6


def draw_roadmap(ax: Axes, roadmap: RoadmapResult, lang: str = "ja") -> None:
    """Cumulative cost (red) and saving (blue, P5–P95 shaded) in 百万円 by fiscal year."""
    ja = lang == "ja"
    years = roadmap.fiscal_years
    x = list(range(len(years)))
    cost = [y.cumulative_cost_yen / MILLION for y in roadmap.years]
    saving = [y.cumulative_saving_yen / MILLION for y in roadmap.years]
    low = [y.cumulative_saving_p5 / MILLION for y in roadmap.years]
    high = [y.cumulative_saving_p95 / MILLION for y in roadmap.years]
    ax.fill_between(x, low, high, color="#9DC3E6", alpha=0.45,
                    label="累計の削減 P5–P95" if ja else "cumulative saving P5–P95")
    ax.plot(x, saving, color="#2E75B6", lw=2.2, marker="o", ms=3,
            label="累計の削減" if ja else "cumulative saving")
    ax.plot(x, cost, color="#C00000", lw=2.2, marker="s", ms=3,
            label="累計の費用" if ja else "cumulative cost")
    if roadmap.break_even_fy is not None:
        i = years.index(roadmap.break_even_fy)
        ax.axvline(i, color="#70AD47", lw=1.2, ls="--")
        ax.annotate(("回収 " if ja else "break-even ") + str(roadmap.break_even_fy),
                    (i, saving[i]), xytext=(6, -14), textcoords="offset points", fontsize=9,
                    color="#375623")
    ax.set_xticks(x)
    ax.set_xticklabels([_label(fy, ja) for fy in years], fontsize=8)
    ax.set_ylabel("百万円" if ja else "¥ million", fontsize=9)
    ax.set_ylim(bottom=min(0.0, *low))
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", color="#E0E0E0", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    ax.set_title("累計の費用と累計の削減" if ja else "Cumulative cost and saving", fontsize=10)


def _label(fy: int, ja: bool) -> str:
    n = fy - REIWA_FIRST_YEAR + 1
    return f"R{n}\n{fy}" if ja else f"FY{fy}"
