"""The saving headline, worded the same wherever a saving is shown (issue 9: a potential
saving is never read as the expected one).

- 見込み (expected): the adoption year's uptake (``analysis.params.adoption_year``), with
  its P5–P95 once a simulation has run;
- 潜在（全件移行した場合） (potential): every measure in place, every eligible case moved;
- the sentence placing the expected share of staff hours among published outcomes
  (``analysis.calibration.band_text``, via the pipeline's ``SavingBandReading``).

:func:`headline_of` runs in the comparison's worker (it sums tables); the views only
format what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.params import adoption_year
from analysis.result import SavingBandReading, SimulationResult
from analysis.simulate import ScenarioAnalysis

FIGURES = ("staff_time_h", "staff_fte", "staff_economic_yen", "citizen_visits",
           "citizen_time_h")
_TEXT: dict[str, tuple[str, str]] = {
    "figures": ("職員 {staff_time_h:,.0f} 時間（{staff_fte:,.1f} 人工、{yen:,.1f} 百万円）、"
                "来庁 {citizen_visits:,.0f} 回、市民 {citizen_time_h:,.0f} 時間",
                "staff {staff_time_h:,.0f} h ({staff_fte:,.1f} FTE, ¥{yen:,.1f}M), "
                "{citizen_visits:,.0f} visits, citizens {citizen_time_h:,.0f} h"),
    "expected": ("削減の見込み（{year}年目、年間）: ", "Expected saving (year {year}, a year): "),
    "range": ("。職員時間は {p5:,.0f}～{p95:,.0f} 時間、人件費等は {y5:,.1f}～{y95:,.1f} 百万円"
              "（P5～P95、{n:,}回のシミュレーション）",
              "; staff hours {p5:,.0f}–{p95:,.0f}, staff cost ¥{y5:,.1f}M–¥{y95:,.1f}M "
              "(P5–P95 over {n:,} replications)"),
    "no_range": ("（幅はシミュレーションで出ます）", " (run a simulation for its range)"),
    "potential": ("潜在（全件移行した場合）: ", "Potential (every case moved): "),
}


def _t(key: str, lang: str, **params: object) -> str:
    ja, en = _TEXT[key]
    return (ja if lang == "ja" else en).format(**params)


@dataclass(frozen=True)
class SavingHeadline:
    """City-wide yearly savings of a scenario, expected and potential (deterministic)."""

    year: int
    expected: dict[str, float]
    potential: dict[str, float]
    band: SavingBandReading


def headline_of(analysis: ScenarioAnalysis) -> SavingHeadline:
    """The headline of a deterministic analysis (call it in the worker)."""
    expected = analysis.comparison.city()["saved"]
    potential = analysis.potential.city()["saved"]
    return SavingHeadline(adoption_year(analysis.comparison.values),
                          {k: float(expected[k]) for k in FIGURES},
                          {k: float(potential[k]) for k in FIGURES}, analysis.band())


def _figures(values: dict[str, float], lang: str) -> str:
    return _t("figures", lang, yen=values["staff_economic_yen"] / 1e6, **values)


def headline_lines(headline: SavingHeadline, simulation: SimulationResult | None,
                   lang: str = "ja") -> list[str]:
    """Three lines: expected (with P5–P95 after a simulation), potential, the band."""
    expected = _t("expected", lang, year=headline.year) + _figures(headline.expected, lang)
    band = headline.band
    if simulation is not None:
        hours = simulation.city.savings["staff_time_h"]
        yen = simulation.city.savings["staff_economic_yen"]
        expected += _t("range", lang, p5=hours.p5, p95=hours.p95, y5=yen.p5 / 1e6,
                       y95=yen.p95 / 1e6, n=simulation.replications)
        band = simulation.band or band  # its share carries the P5–P95 too
    else:
        expected += _t("no_range", lang)
    potential = _t("potential", lang) + _figures(headline.potential, lang)
    return [expected, potential, band.text(lang)]
