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
        """Sources and reasoning as one text (the app's and the report's 出典 column)."""
        parts = [s.cite() for s in self.sources]
        if self.reasoning:
            parts.append(self.reasoning)
        return "; ".join(parts)


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
    Parameter("adoption_year", "利用率を見る年度（開始から何年目）", "fiscal year of uptake shown",
              3, 1, 10, "年目", (), f"{PROPOSAL}: 既定のシナリオは開始3年目の状態を示す（1年目は低く、"
              "年を追って上限に近づく）", drawn=False),
    Parameter("online_uptake_ceiling", "オンライン申請の利用率の上限（長期）",
              "long-run ceiling of online uptake", 0.10, 0.0, 0.75, "割合", _UPTAKE_SOURCES,
              f"{PROPOSAL}: オンライン化済みの市町村手続の利用率は中央値0.5%・件数加重4.3%・平均41%で、"
              "48%の手続は0%（利用ゼロも範囲に含める）。上限0.75はマイナンバーカード保有率、"
              "全国の促進対象手続（成熟した手続）は47～53%。平均0.10は件数加重4.3%（最大の戸籍"
              "証明を除くと24%）の間"),
    Parameter("online_uptake_growth", "オンライン利用の伸び（残りの差が1年で縮まる割合）",
              "online uptake growth (share of the gap closed a year)", 0.2, 0.05, 0.5, "割合/年",
              (S.NATIONAL_ONLINE_2015, S.NATIONAL_ONLINE_2018),
              f"{PROPOSAL}: 成熟した促進対象手続でも年1～2ポイントしか伸びない（47.1%→49.1%→52.6%）。"
              "新しい手続は1年目に上限の2割、3年目に約5割"),
    Parameter("online_adoption", "オンライン申請の利用率（adoption_year年目）",
              "online uptake in the year shown", round(uptake(3, 0.10, 0.2), 4), 0.0,
              round(uptake(3, 0.75, 0.5), 4), "割合", _UPTAKE_SOURCES,
              "採用曲線 上限×(1−(1−伸び)^年目) から計算（3年目: 0.10×(1−0.8³)=4.9%）。"
              "シナリオで値を入れるとその一定値になる", derived=True),
    Parameter("line_uptake_ceiling", "スマホ窓口（LINE）の利用率の上限（長期）",
              "long-run ceiling of LINE uptake", 0.05, 0.0, 0.3, "割合", (S.INVENTORY,),
              f"{PROPOSAL}: LINEでの申請の利用率を公表した例はない。市公式LINE友だち 42,124人（2024）"
              "が届く範囲の上限。オンライン申請（上限0.10）の半分とし、利用ゼロも範囲に含める"),
    Parameter("line_adoption", "スマホ窓口（LINE）の利用率（adoption_year年目）",
              "LINE uptake in the year shown", round(uptake(3, 0.05, 0.2), 4), 0.0,
              round(uptake(3, 0.3, 0.5), 4), "割合", (S.INVENTORY,),
              "採用曲線 上限×(1−(1−伸び)^年目) から計算（伸びはオンライン申請と共通）", derived=True),
    # --- how much of what is planned is in place ------------------------------------------
    Parameter("implementation_share", "施策が実施されている割合（adoption_year年目）",
              "share of the planned work the measures actually reach", 0.4, 0.0, 1.0, "割合",
              (S.TOKAI_WHOLE_OFFICE, S.TOKAI_3_SECTIONS),
              "東海村 全庁の削減案12,680時間のうち実行は5,014時間（39.5%）。RPA・書かない窓口・電子決裁"
              "などの施策が、対象になる業務のうち実際に導入され使われている割合。0は未実施、1は"
              "すべて実施（可能性の試算）"),
    # --- what an online or LINE case still costs ------------------------------------------
    Parameter("online_fill_retained", "オンライン入力で残る記入時間", "filling-in time kept online",
              0.6, 0.4, 0.9, "割合", (),
              f"{PROPOSAL}: 既知の情報を自動入力する申請フォーム（マイナポータル）で記入の4割減"),
    Parameter("online_reception_retained", "オンライン受付で残る受付時間",
              "reception time kept for online cases", 0.5, 0.3, 0.8, "割合", (),
              f"{PROPOSAL}: 窓口での受付・聞き取りが電子申請の内容確認に置き換わる"),
    Parameter("online_entry_retained", "オンライン申請で残る手入力時間",
              "data-entry time kept for online cases", 0.5, 0.1, 0.9, "割合", (),
              f"{PROPOSAL}: 基幹システムと連携していなければ転記は残る（連携済みなら0.1）"),
    Parameter("line_fill_retained", "スマホ窓口で残る記入時間", "filling-in time kept on LINE", 0.5,
              0.3, 0.8, "割合", (), f"{PROPOSAL}: 対話形式の案内で記入時間が半減"),
    # --- RPA / AI-OCR ----------------------------------------------------------------------
    Parameter("rpa_reduction", "RPA・AI-OCRが成功した業務の作業時間の削減率",
              "RPA / AI-OCR time cut where it works", 0.70, 0.30, 0.90, "割合",
              (S.IBARAKI_RPA, S.TSUKUBA_RPA, S.NANTO_RPA, S.KUJI_OCR, S.KITAKAMI_RPA, S.MEGURO_OCR,
               S.TOKYO_RPA),
              "成功した11例の削減率 30～90%（平均70%、中央値79%、東京都29業務の平均66.8%）。"
              "最良は目黒区の90%以上", best_case=0.90),
    Parameter("rpa_failure_share", "RPA・AI-OCRが逆効果になる業務の割合", "share of RPA tasks that fail",
              0.08, 0.0, 0.25, "割合", (S.KUJI_OCR, S.TOKYO_RPA),
              "公表12例中1例（久慈市 収納転記）で作業時間が増加＝8%。東京都は29業務中4業務で縮減なし"
              f"（14%）。上限0.25は{PROPOSAL}"),
    Parameter("rpa_failure_time_ratio", "逆効果になった業務の作業時間（導入前=1）",
              "time of a failed RPA task (before = 1)", 1.5, 1.0, 16.2 / 1.6, "倍", (S.KUJI_OCR,),
              "久慈市 収納転記 1.6時間→16.2時間（測定範囲、目視確認が必須）＝10.125倍を上限に含める。"
              f"平均1.5倍は{PROPOSAL}: 遅くなった業務は年度内に手作業へ戻す"),
    Parameter("rpa_time_cut", "RPA・AI-OCRで減る作業時間の割合（失敗・例外を含む期待値）",
              "expected RPA / AI-OCR time cut, failures and exceptions included",
              round((1 - 0.08) * (1 - 0.1) * 0.70 - 0.08 * (1.5 - 1), 4),
              round((1 - 0.25) * (1 - 0.3) * 0.30 - 0.25 * (16.2 / 1.6 - 1), 4), round(0.98 * 0.90, 4),
              "割合", (),
              "(1−失敗割合)×(1−例外率)×削減率 − 失敗割合×(逆効果の倍率−1) から計算", derived=True,
              best_case=0.90),
    Parameter("rpa_exception_rate", "RPA・AI-OCRで手作業に残る件数の割合", "RPA exception rate", 0.1,
              0.02, 0.3, "割合", (S.MEGURO_OCR,),
              f"{PROPOSAL}: AI-OCR読取精度 98.2～99.9%と手書き帳票の例外処理"),
    Parameter("rpa_check_minutes", "RPA・AI-OCR結果の確認時間", "added checking per case", 0.5, 0.0,
              2.0, "分/件", (S.KUJI_OCR,), f"{PROPOSAL}: 読取結果の目視確認（久慈市の逆効果例を踏まえて加算）"),
    # --- approval, seals, attachments, paper, payment, counter ------------------------------
    Parameter("e_approval_time_retained", "電子決裁で残る決裁時間", "approval time kept with e-approval",
              0.8, 0.6, 1.0, "割合", (), f"{PROPOSAL}: 押印・持ち回りがなくなり内容確認は残る"),
    Parameter("e_approval_wait_retained", "電子決裁で残る決裁待ち日数", "approval waiting kept", 0.3,
              0.1, 0.6, "割合", (), f"{PROPOSAL}: 回付待ちが不在時でも処理できる"),
    Parameter("seal_time_retained", "押印廃止で残る作業時間", "time kept when seals go", 0.9, 0.8, 1.0,
              "割合", (S.KAKOGAWA_SEALS,),
              f"{PROPOSAL}: 押印の作業は工程の一部。加古川市では様式の61%（2,575種類中1,569種類）が廃止可能"),
    Parameter("attachment_check_retained", "添付省略で残る審査時間", "checking kept without attachments",
              0.85, 0.7, 1.0, "割合", (), f"{PROPOSAL}: 添付書類の突合がシステム照会に置き換わる"),
    Parameter("paperless_filing_retained", "ペーパーレスで残る保管時間", "filing time kept paperless", 0.5,
              0.3, 0.8, "割合", (), f"{PROPOSAL}: 紙の綴り・運搬がなくなる"),
    Parameter("cashless_minutes_saved", "キャッシュレスで短縮する収納時間", "minutes saved per payment", 0.7,
              0.0, 1.0, "分/件", (S.MITAKA_CASHLESS,),
              "三鷹市 キャッシュレス＋セミセルフレジで1人当たり1分短縮（最良の例として上限）。"
              f"平均0.7分は{PROPOSAL}: セミセルフレジのない窓口では短縮が小さい", best_case=1.0),
    Parameter("no_form_visit_retained", "書かない窓口で残る窓口手続時間（記入＋受付）",
              "counter-visit time kept (filling in + reception), no-form counter", 0.65, 10 / 18,
              0.9, "割合", (S.IWAMIZAWA_NO_FORM,),
              "岩見沢市 証明書交付の窓口手続時間 18分→10分（44%減、残り0.556）を最良の例として下限に。"
              f"平均0.65（35%減）は{PROPOSAL}: 公表例は先進事例で、聞き取り入力の時間は職員に残る",
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
