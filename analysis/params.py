"""Named parameters of redesign measures: default, range, unit, sources and reasoning.

Convention (one for every uncertain figure, see ``docs/simulation.md``): the value shown
(the *default*) is the **mean** of the distribution the Monte Carlo draws from, a
PERT-like Beta on [low, high] (:func:`beta_shape`). So the deterministic figures, which
use the defaults, equal the Monte Carlo mean within Monte Carlo error.

Online and LINE uptake are not constants but an **adoption curve** over the fiscal years
after a service starts (:func:`uptake`): ``online_adoption`` and ``line_adoption`` are
*derived* from a ceiling, a growth rate and ``adoption_year`` (3 by default: the default
scenario shows the third year). Setting ``online_adoption`` in a scenario replaces the
curve by that constant.

Every range covers the published outcomes it rests on (``analysis.calibration`` holds the
row-by-row comparison); a figure no publication gives is a 提案値 with its reasoning.

>>> round(value("online_adoption"), 4)     # year 3 of the default curve
0.0488
>>> round(value("online_adoption", {"adoption_year": 1}), 4)
0.02

Measures reach only part of the work they could: ``implementation_share`` (東海村
delivered 39.5 % of the savings it planned) scales the back-office measures in the
EXPECTED figures; the POTENTIAL figures (:func:`potential_values`) set it and the uptake
to 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analysis import sources as S
from analysis.sources import PROPOSAL, Source

CONCENTRATION = 6.0  # α + β of every Beta draw: the PERT weight (a mode in the middle → Beta(3, 3))


@dataclass(frozen=True)
class Parameter:
    key: str
    ja: str
    en: str
    default: float          # the mean of the draws (the figure shown)
    low: float
    high: float
    unit: str
    sources: tuple[Source, ...] = ()
    reasoning: str = ""     # why this default and range; 提案値 when no publication gives it
    drawn: bool = True      # False: a setting (year, spreads), never drawn
    derived: bool = False   # computed from other parameters (see DERIVED)
    best_case: float | None = None  # the most favourable published outcome (kept share / min saved)

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"{self.key}: default outside its range")

    @property
    def proposal(self) -> bool:
        return self.reasoning.startswith(PROPOSAL)

    @property
    def source(self) -> str:
        """Reasoning and the publications, short (the app's and the report's 出典 column):
        each publication as organisation, year and URL; :attr:`citations` gives the full
        citations (title and the figure used) for a list of sources."""
        parts = [self.reasoning] if self.reasoning else []
        parts += [s.short(url=False) for s in self.sources[:2]]
        if len(self.sources) > 2:
            parts[-1] += f" ほか{len(self.sources) - 2}件"
        return "; ".join(parts)

    @property
    def citations(self) -> list[str]:
        return [s.cite() for s in self.sources]


def uptake(year: Any, ceiling: Any, growth: Any) -> Any:
    """Share of cases filed through a new channel in fiscal year ``year`` (1 = the first
    year): ``ceiling × (1 − (1 − growth)^year)``. Works on floats and numpy arrays.

    >>> round(uptake(1, 0.1, 0.2), 3), round(uptake(3, 0.1, 0.2), 4), round(uptake(50, 0.1, 0.2), 3)
    (0.02, 0.0488, 0.1)
    """
    return ceiling * (1.0 - (1.0 - growth) ** year)


_UPTAKE_SOURCES = (S.INVENTORY, S.NATIONAL_ONLINE_2015, S.NATIONAL_ONLINE_2018, S.MYNUMBER_CARD)

_PARAMETERS: tuple[Parameter, ...] = (
    # --- adoption curves (online application, LINE) -------------------------------------
    Parameter("adoption_year", "利用率を見る年度（何年目）", "fiscal year of uptake shown",
              3, 1, 10, "年目", (), f"{PROPOSAL}: 既定のシナリオは開始3年目を示す", drawn=False),
    Parameter("online_uptake_ceiling", "オンライン利用率の上限",
              "long-run ceiling of online uptake", 0.10, 0.0, 0.75, "割合", _UPTAKE_SOURCES,
              f"{PROPOSAL}: 実施済手続の利用率 中央値0.5%・件数加重4.3%・平均41%"),
    Parameter("online_uptake_growth", "オンライン利用の伸び（年）",
              "online uptake growth (share of the gap closed a year)", 0.2, 0.05, 0.5, "割合/年",
              (S.NATIONAL_ONLINE_2015, S.NATIONAL_ONLINE_2018),
              f"{PROPOSAL}: 1年目に上限の2割、3年目に約5割"),
    Parameter("online_adoption", "オンライン利用率（その年度）",
              "online uptake in the year shown", round(uptake(3, 0.10, 0.2), 4), 0.0,
              round(uptake(3, 0.75, 0.5), 4), "割合", _UPTAKE_SOURCES,
              "上限×(1−(1−伸び)^年目)", derived=True),
    Parameter("line_uptake_ceiling", "LINE利用率の上限",
              "long-run ceiling of LINE uptake", 0.05, 0.0, 0.3, "割合", (S.INVENTORY,),
              f"{PROPOSAL}: 公表例なし; オンラインの半分"),
    Parameter("line_adoption", "LINE利用率（その年度）",
              "LINE uptake in the year shown", round(uptake(3, 0.05, 0.2), 4), 0.0,
              round(uptake(3, 0.3, 0.5), 4), "割合", (S.INVENTORY,),
              "上限×(1−(1−伸び)^年目)", derived=True),
    # --- how much of what is planned is in place ------------------------------------------
    Parameter("implementation_share", "施策の実施割合（その年度）",
              "share of the planned work the measures actually reach", 0.4, 0.0, 1.0, "割合",
              (S.TOKAI_WHOLE_OFFICE, S.TOKAI_3_SECTIONS),
              "東海村 削減案12,680時間中 実行5,014時間"),
    # --- what an online or LINE case still costs ------------------------------------------
    Parameter("online_fill_retained", "オンライン入力で残る記入時間", "filling-in time kept online",
              0.6, 0.4, 0.9, "割合", (),
              f"{PROPOSAL}: 自動入力で記入の4割減"),
    Parameter("online_reception_retained", "オンライン受付で残る受付時間",
              "reception time kept for online cases", 0.5, 0.3, 0.8, "割合", (),
              f"{PROPOSAL}: 受付が内容確認に置き換わる"),
    Parameter("online_entry_retained", "オンライン申請で残る手入力時間",
              "data-entry time kept for online cases", 0.5, 0.1, 0.9, "割合", (),
              f"{PROPOSAL}: 未連携なら転記が残る"),
    Parameter("line_fill_retained", "スマホ窓口で残る記入時間", "filling-in time kept on LINE", 0.5,
              0.3, 0.8, "割合", (), f"{PROPOSAL}: 対話形式の案内で記入時間が半減"),
    # --- RPA / AI-OCR ----------------------------------------------------------------------
    Parameter("rpa_reduction", "RPA成功時の削減率",
              "RPA / AI-OCR time cut where it works", 0.70, 0.30, 0.90, "割合",
              (S.IBARAKI_RPA, S.TSUKUBA_RPA, S.NANTO_RPA, S.KUJI_OCR, S.KITAKAMI_RPA, S.MEGURO_OCR,
               S.TOKYO_RPA),
              "公表11例 30～90%（平均70%）", best_case=0.90),
    Parameter("rpa_failure_share", "RPAが逆効果の業務の割合", "share of RPA tasks that fail",
              0.08, 0.0, 0.25, "割合", (S.KUJI_OCR, S.TOKYO_RPA),
              "公表12例中1例（8%）で増加"),
    Parameter("rpa_failure_time_ratio", "逆効果時の作業時間（倍）",
              "time of a failed RPA task (before = 1)", 1.5, 1.0, 16.2 / 1.6, "倍", (S.KUJI_OCR,),
              "久慈市 16.2/1.6倍を上限; 平均は提案値"),
    Parameter("rpa_time_cut", "RPAで減る時間（期待値）",
              "expected RPA / AI-OCR time cut, failures and exceptions included",
              round((1 - 0.08) * (1 - 0.1) * 0.70 - 0.08 * (1.5 - 1), 4),
              round((1 - 0.25) * (1 - 0.3) * 0.30 - 0.25 * (16.2 / 1.6 - 1), 4), round(0.98 * 0.90, 4),
              "割合", (),
              "成功×(1−例外)×削減率 − 失敗×(倍率−1)", derived=True,
              best_case=0.90),
    Parameter("rpa_exception_rate", "RPAの例外（手作業）の割合", "RPA exception rate", 0.1,
              0.02, 0.3, "割合", (S.MEGURO_OCR,),
              f"{PROPOSAL}: 読取精度98.2～99.9%と手書き帳票"),
    Parameter("rpa_check_minutes", "RPA・AI-OCR結果の確認時間", "added checking per case", 0.5, 0.0,
              2.0, "分/件", (S.KUJI_OCR,), f"{PROPOSAL}: 読取結果の目視確認"),
    # --- approval, seals, attachments, paper, payment, counter ------------------------------
    Parameter("e_approval_time_retained", "電子決裁で残る決裁時間", "approval time kept with e-approval",
              0.8, 0.6, 1.0, "割合", (), f"{PROPOSAL}: 押印・持ち回りがなくなり内容確認は残る"),
    Parameter("e_approval_wait_retained", "電子決裁で残る決裁待ち日数", "approval waiting kept", 0.3,
              0.1, 0.6, "割合", (), f"{PROPOSAL}: 回付待ちが不在時でも処理できる"),
    Parameter("seal_time_retained", "押印廃止で残る作業時間", "time kept when seals go", 0.9, 0.8, 1.0,
              "割合", (S.KAKOGAWA_SEALS,),
              f"{PROPOSAL}: 押印は工程の一部"),
    Parameter("attachment_check_retained", "添付省略で残る審査時間", "checking kept without attachments",
              0.85, 0.7, 1.0, "割合", (), f"{PROPOSAL}: 添付書類の突合がシステム照会に置き換わる"),
    Parameter("paperless_filing_retained", "ペーパーレスで残る保管時間", "filing time kept paperless", 0.5,
              0.3, 0.8, "割合", (), f"{PROPOSAL}: 紙の綴り・運搬がなくなる"),
    Parameter("cashless_minutes_saved", "キャッシュレスで短縮する収納時間", "minutes saved per payment", 0.7,
              0.0, 1.0, "分/件", (S.MITAKA_CASHLESS,),
              "三鷹市 1分を上限; 平均は提案値", best_case=1.0),
    Parameter("no_form_visit_retained", "書かない窓口で残る時間",
              "counter-visit time kept (filling in + reception), no-form counter", 0.65, 10 / 18,
              0.9, "割合", (S.IWAMIZAWA_NO_FORM,),
              "岩見沢市 18→10分を下限; 平均は提案値",
              best_case=10 / 18),
    Parameter("automate_retained", "自動化で残る作業時間", "time kept when a step is automated", 0.1,
              0.0, 0.3, "割合", (), f"{PROPOSAL}: システム化した工程は例外処理だけが職員に残る"),
    Parameter("merge_retained", "統合後の作業時間", "time kept when steps merge", 0.8, 0.6, 1.0, "割合",
              (), f"{PROPOSAL}: 受け渡しと重複確認がなくなる"),
    # --- spreads of the survey figures (settings, not drawn) ---------------------------------
    Parameter("volume_spread", "年間件数の不確かさ（±）", "annual volume uncertainty (±)", 0.1, 0.0,
              0.3, "割合", (), f"{PROPOSAL}: 年度による件数の変動", drawn=False),
    Parameter("rework_spread", "差し戻し率の不確かさ（±）", "rework probability uncertainty (±)", 0.3,
              0.0, 0.8, "割合", (), f"{PROPOSAL}: 調査時期による差し戻し率の変動", drawn=False),
)

PARAMETERS: dict[str, Parameter] = {p.key: p for p in _PARAMETERS}

Getter = Callable[[str], Any]

# Derived parameters: functions of the others (floats or numpy arrays alike).
DERIVED: dict[str, Callable[[Getter], Any]] = {
    "online_adoption": lambda get: uptake(get("adoption_year"), get("online_uptake_ceiling"),
                                          get("online_uptake_growth")),
    "line_adoption": lambda get: uptake(get("adoption_year"), get("line_uptake_ceiling"),
                                        get("online_uptake_growth")),
    "rpa_time_cut": lambda get: ((1 - get("rpa_failure_share")) * (1 - get("rpa_exception_rate"))
                                 * get("rpa_reduction")
                                 - get("rpa_failure_share") * (get("rpa_failure_time_ratio") - 1)),
}
ADOPTION_KEYS = ("online_adoption", "line_adoption")  # channel uptake: who files online
IMPLEMENTATION_KEY = "implementation_share"             # how much of the planned work is reached


def value(key: str, overrides: dict[str, float] | None = None) -> float:
    """A parameter's value: the override, else the derived formula, else the default."""
    if overrides and key in overrides:
        return float(overrides[key])
    if key in DERIVED:
        return float(DERIVED[key](lambda k: value(k, overrides)))
    return PARAMETERS[key].default


def resolved_values(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Every parameter's value in force (derived ones computed once), for loops over
    thousands of effects: ``resolved_values(o)[k] == value(k, o)``."""
    return {key: value(key, overrides) for key in PARAMETERS}


def adoption_year(overrides: dict[str, float] | None = None) -> int:
    """The fiscal year (1 = first) whose uptake the figures show: "3年目" by default."""
    return int(round(value("adoption_year", overrides)))


def potential_values(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Parameter values for the POTENTIAL saving: every measure is in place wherever it
    applies (implementation 1.0) and every case of the chosen procedures moves to the new
    channels (uptake 1.0); everything else as in ``overrides``. The EXPECTED saving uses
    ``overrides`` as they are: the adoption curve in ``adoption_year`` and the published
    share of planned savings that municipalities deliver."""
    return {**(overrides or {}), IMPLEMENTATION_KEY: 1.0, **{key: 1.0 for key in ADOPTION_KEYS}}


def beta_shape(mean: Any, low: Any, high: Any, concentration: float = CONCENTRATION
               ) -> tuple[Any, Any]:
    """(α, β) of the Beta on [low, high] whose mean is ``mean``; α or β ≤ 0 where the mean
    sits on an edge or the range is empty (the caller then uses the mean itself).

    >>> beta_shape(5.0, 3.0, 9.0)   # the survey's 標準 5 min between 最短 3 and 最長 9
    (2.0, 4.0)
    """
    width = high - low
    share = (mean - low) / (width if not hasattr(width, "shape") else _safe(width))
    alpha = concentration * share
    return alpha, concentration - alpha


def _safe(width: Any) -> Any:
    import numpy as np

    return np.where(width > 0, width, 1.0)


def parameter_rows(overrides: dict[str, float] | None = None, lang: str = "ja"
                   ) -> list[dict[str, Any]]:
    """Every parameter with its value in force, default, range, unit, sources (cited) and
    whether it is a 提案値 — what the report's and the app's assumption tables print."""
    overrides = overrides or {}
    return [{"key": k, "label": p.ja if lang == "ja" else p.en, "value": value(k, overrides),
             "default": p.default, "low": p.low, "high": p.high, "unit": p.unit,
             "sources": [s.cite(lang) for s in p.sources], "reasoning": p.reasoning,
             "proposal": p.proposal, "derived": p.derived, "changed": k in overrides}
            for k, p in PARAMETERS.items()]
