"""Chart text that reads on paper: explicit font sizes, legends below, axes shown.

Without sizes, Excel and LibreOffice pick their own and shrink them with the chart;
a legend at the right of a narrow chart was cut to its first character ("現"/"改").
openpyxl ≥ 3.1 also writes axes as deleted unless told otherwise, so Excel showed
charts without their scales.
"""

from __future__ import annotations

from typing import Any

from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties

from bpr_studio.report.writer import FONT

TEXT_PT = 10
TITLE_PT = 12


def text_properties(size_pt: float, bold: bool = False) -> RichText:
    """Text properties (txPr) for axis labels, legends and data labels."""
    run = CharacterProperties(sz=int(size_pt * 100), b=bold, latin=Font(typeface=FONT),
                              ea=Font(typeface=FONT))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=run), endParaRPr=run)])


def _size_title(title: Any, size_pt: float, bold: bool) -> None:
    if title is None or title.tx is None or title.tx.rich is None:
        return
    for paragraph in title.tx.rich.p:
        run_props = CharacterProperties(sz=int(size_pt * 100), b=bold,
                                        latin=Font(typeface=FONT), ea=Font(typeface=FONT))
        paragraph.pPr = ParagraphProperties(defRPr=run_props)
        for run in paragraph.r or []:
            run.rPr = run_props


def style_chart(chart: Any, legend: str | None = "b") -> Any:
    """Sizes for every text of a chart; the legend below (or none with ``legend=None``)."""
    _size_title(chart.title, TITLE_PT, True)
    for axis in (getattr(chart, "x_axis", None), getattr(chart, "y_axis", None)):
        if axis is None:
            continue
        axis.delete = False
        axis.txPr = text_properties(TEXT_PT)
        _size_title(axis.title, TEXT_PT, False)
    if legend is None:
        chart.legend = None
    elif chart.legend is not None:
        chart.legend.position = legend
        chart.legend.txPr = text_properties(TEXT_PT)
    for series in chart.series:
        if series.dLbls is not None:
            series.dLbls.txPr = text_properties(TEXT_PT)
    return chart
