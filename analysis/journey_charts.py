"""The journey timeline: a citizen's route through the counters, as-is above to-be.

Drawn on a given matplotlib Axes (the app's canvas and the report's PNG use the same
function). Each counter on the route is a run of segments: writing, waiting, being
served, then walking to the next; the figures are the means of the citizens who go to
that counter (``analysis.journey_result.CounterStop``), so the bar is the route of a
citizen who needs every counter, and the text gives the event's own mean and P5–P95.
"""

from __future__ import annotations

from typing import Any

from analysis.journey_result import EventJourney, JourneySide

COLOURS = {"write": "#F4B183", "wait": "#C00000", "service": "#2E75B6", "walk": "#A6A6A6"}
LABELS = {"write": ("記入", "writing"), "wait": ("待ち", "waiting"),
          "service": ("窓口", "at the counter"), "walk": ("移動", "walking")}


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _row(ax: Any, y: float, side: JourneySide, walk_min: float, first: int
         ) -> tuple[float, list[tuple[float, float, str, Any]]]:
    """One side's bar: each counter's minutes weighted by the share of citizens who go
    there (so the bar adds up to the event's mean time, revisits aside), numbered."""
    x, spans = 0.0, []
    for n, stop in enumerate(side.stops):
        share = stop.visit_share
        if n:
            ax.barh(y, walk_min * share, left=x, height=0.5, color=COLOURS["walk"])
            x += walk_min * share
        start = x
        for part, width in (("write", stop.write_min), ("wait", stop.wait_min),
                            ("service", stop.service_min)):
            ax.barh(y, width * share, left=x, height=0.5, color=COLOURS[part],
                    edgecolor="white", linewidth=0.5)
            x += width * share
        spans.append((start, x, CIRCLED[(first + n) % len(CIRCLED)], stop))
    return x, spans


def _stop_line(mark: str, stop: Any, lang: str) -> str:
    if lang == "ja":
        return (f"{mark} {stop.counter}（{stop.visit_share:.0%}が来る）記入{stop.write_min:.0f}・"
                f"待ち{stop.wait_min:.0f}・窓口{stop.service_min:.0f}分、"
                f"氏名{stop.name_writes:.1f}回・住所{stop.address_writes:.1f}回")
    return (f"{mark} {stop.counter} ({stop.visit_share:.0%} go): writing {stop.write_min:.0f}, "
            f"waiting {stop.wait_min:.0f}, served {stop.service_min:.0f} min; name "
            f"{stop.name_writes:.1f}×, address {stop.address_writes:.1f}×")


def stop_rows(event: EventJourney, lang: str = "ja") -> list[tuple[str, str, Any]]:
    """(mark, side label, stop) of every numbered counter, as the chart numbers them."""
    ja = lang == "ja"
    rows = [(CIRCLED[n % len(CIRCLED)], "現状" if ja else "As-is", stop)
            for n, stop in enumerate(event.as_is.stops)]
    first = len(rows)
    return rows + [(CIRCLED[(first + n) % len(CIRCLED)], "改善後" if ja else "To-be", stop)
                   for n, stop in enumerate(event.to_be.stops)]


def draw_journey(ax: Any, event: EventJourney, lang: str = "ja", with_list: bool = True) -> None:
    """Draw ``event``'s as-is and to-be routes on ``ax`` (minutes on the x axis), each
    counter numbered, and (``with_list``) under them the list of the numbered counters."""
    import matplotlib_fontja  # noqa: F401  (IPAexGothic; loaded when drawn, not at start-up)

    ja = lang == "ja"
    moves = sum(stop.visit_share for stop in event.as_is.stops[1:])
    walk = event.as_is.walk_minutes.mean / moves if moves > 0 else 0.0
    end_as_is, spans = _row(ax, 1.0, event.as_is, walk, 0)
    end_to_be, to_be_spans = _row(ax, 0.0, event.to_be, 0.0, len(spans))
    right = max(end_as_is, end_to_be, 1.0)
    for y, (start, stop_x, mark, _stop) in [(1.0, s) for s in spans] + [(0.0, s) for s in to_be_spans]:
        wide = stop_x - start > right * 0.035
        ax.text((start + stop_x) / 2, y if wide else y + 0.3, mark, ha="center", va="center",
                fontsize=9, color="white" if wide else "black")  # IPAexGothic has no bold
    ax.set_yticks([1.0, 0.0])
    ax.set_yticklabels(["現状" if ja else "As-is", "改善後" if ja else "To-be"], fontsize=9)
    for y, side in ((1.0, event.as_is), (0.0, event.to_be)):
        m = side.minutes
        text = (f"平均 {m.mean:.0f} 分（P5–P95 {m.p5:.0f}–{m.p95:.0f}）\n窓口 {side.counters.mean:.1f}・"
                f"来庁 {side.visits.mean:.2f} 回" if ja else
                f"mean {m.mean:.0f} min (P5–P95 {m.p5:.0f}–{m.p95:.0f})\n"
                f"{side.counters.mean:.1f} counters, {side.visits.mean:.2f} visits")
        ax.text(right * 1.02, y, text, va="center", fontsize=8)
    lines = [_stop_line(mark, stop, lang) for *_x, mark, stop in spans + to_be_spans]
    if with_list:   # one line a counter, under the axis (the figure leaves room: journey_png)
        ax.text(0.0, -0.22, "\n".join(lines), fontsize=7.5, transform=ax.transAxes, va="top",
                linespacing=1.35)
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(0, right * 1.45)
    ax.set_xlabel("分（窓口ごとの時間×そこへ行く市民の割合: 棒の長さ＝イベントの平均）" if ja
                  else "minutes (each counter's time × the share who go there: the bar is the mean)",
                  fontsize=8)
    for part, (label_ja, label_en) in LABELS.items():
        ax.barh(-5, 0, color=COLOURS[part], label=label_ja if ja else label_en)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7.5, ncol=4, frameon=False)
    ax.set_title(event.name if ja else event.name_en, fontsize=10, loc="left")
    ax.tick_params(axis="x", labelsize=8)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)


def journey_png(event: EventJourney, lang: str = "ja", dpi: int = 150) -> bytes:
    """The timeline as a PNG for the Excel report: 7.5 × 3 inches, shown at about 1.25×
    on the sheet, so the 7.5 pt labels print at 8 pt or more."""
    import io

    # Before the figure exists: its axes' tick labels take the font family in force when
    # they are made, so importing it later (in draw_journey) left them in DejaVu Sans and
    # the report's 現状/改善後 printed as empty boxes when no other chart came first.
    import matplotlib_fontja  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(len(event.as_is.stops) + len(event.to_be.stops), 1)
    list_in = 0.16 * rows + 0.5            # inches the numbered list takes under the axis
    height = 2.3 + list_in
    figure = Figure(figsize=(7.5, height), dpi=dpi)
    FigureCanvasAgg(figure)
    draw_journey(figure.add_subplot(111), event, lang)
    figure.subplots_adjust(left=0.08, right=0.98, top=1 - 0.45 / height, bottom=list_in / height)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
