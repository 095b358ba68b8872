"""What the defaults are held against: published before/after figures, real online uptake,
and the whole-office savings municipalities report.

- :data:`PUBLISHED_ROWS`: the 23 published before/after figures (Japanese
  municipalities' BPR, RPA, AI-OCR and counter reforms), each with its publication and
  the parameter it calibrates; :func:`calibration_table` says, row by row, what the row
  implies for that parameter and whether the default's range covers it.
- :data:`INVENTORY_UPTAKE`: online uptake among the municipal procedures already online in
  the national inventory, against the adoption curve (:func:`uptake_comparison`).
- :data:`SAVING_BANDS`: the whole-office staff-hour savings published (東海村 realised
  1.2–4.1 %, 宇城市 about 17 % as an upper potential); :func:`band_of` says which band a
  scenario's saving falls in, with the reason, for the report and the app.

>>> band_of(0.03).key
'realised'
>>> all(row.inside for row in calibration_table() if row.implied is not None)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import sources as S
from analysis.params import PARAMETERS, adoption_year, uptake, value
from analysis.sources import Source


@dataclass(frozen=True)
class PublishedRow:
    """One published before/after figure and the parameter it calibrates (None: context)."""

    id: int
    municipality: str
    measure: str
    task: str
    metric: str
    before: float | None
    after: float | None
    unit: str
    source: Source
    parameter: str | None = None
    implied: float | None = None   # the row's outcome in the parameter's terms
    how: str = ""                  # how ``implied`` follows from before/after, or why unused


def _cut(before: float, after: float) -> float:
    return round(1 - after / before, 4)


PUBLISHED_ROWS: tuple[PublishedRow, ...] = (
    PublishedRow(1, "岩見沢市", "書かない窓口", "住民票等の証明書交付", "窓口手続時間", 18, 10, "分/件",
                 S.IWAMIZAWA_NO_FORM, "no_form_visit_retained", round(10 / 18, 4),
                 "残る割合 10/18（44%減）: 最良の例として範囲の下限"),
    PublishedRow(2, "茨城県", "RPA実証", "4業務", "年間作業時間", 3201, 433, "時間/年", S.IBARAKI_RPA,
                 "rpa_reduction", _cut(3201, 433), "1 − 433/3201"),
    PublishedRow(3, "茨城県", "RPA（試算）", "類似40業務", "年間削減時間（見込み）", None, 46000, "時間/年",
                 S.IBARAKI_RPA, None, None, "見込みで導入前の時間がなく、割合にできない"),
    PublishedRow(4, "つくば市", "RPA実証", "市民税課5業務", "作業時間（3か月）", 424.7, 88.3, "時間",
                 S.TSUKUBA_RPA, "rpa_reduction", _cut(424.7, 88.3), "1 − 88.3/424.7"),
    PublishedRow(5, "つくば市", "RPA実証", "異動届受理通知業務", "作業時間（3か月）", 85, 14.2, "時間",
                 S.TSUKUBA_RPA, "rpa_reduction", _cut(85, 14.2), "1 − 14.2/85"),
    PublishedRow(6, "南砺市", "RPA実証", "入力作業中心の4業務", "作業時間削減率", None, 56, "%",
                 S.NANTO_RPA, "rpa_reduction", 0.56, "公表された削減率"),
    PublishedRow(7, "久慈市", "AI-OCR+RPA", "ふるさと納税ワンストップ特例の転記", "作業時間（測定範囲）",
                 19.8, 4.2, "時間", S.KUJI_OCR, "rpa_reduction", _cut(19.8, 4.2), "1 − 4.2/19.8"),
    PublishedRow(8, "久慈市", "AI-OCR+RPA", "市県民税収納（納税済通知書転記）", "作業時間（測定範囲）",
                 1.6, 16.2, "時間", S.KUJI_OCR, "rpa_failure_time_ratio", round(16.2 / 1.6, 4),
                 "逆効果: 16.2/1.6 倍（目視確認が必須）。失敗の割合は公表12例中1例＝8%"),
    PublishedRow(9, "久慈市", "AI-OCRのみ", "アンケート集計", "作業時間（測定範囲）", 73, 12.2, "時間",
                 S.KUJI_OCR, "rpa_reduction", _cut(73, 12.2), "1 − 12.2/73"),
    PublishedRow(10, "北上市", "RPA+AI-OCR実証", "法人市民税申告書の入力", "年間処理時間", 360, 78,
                 "時間/年", S.KITAKAMI_RPA, "rpa_reduction", _cut(360, 78), "1 − 78/360"),
    PublishedRow(11, "北上市", "RPA+AI-OCR実証", "予防接種履歴の入力", "年間処理時間", 350, 211, "時間/年",
                 S.KITAKAMI_RPA, "rpa_reduction", _cut(350, 211), "1 − 211/350"),
    PublishedRow(12, "目黒区", "AI-OCR+RPA実証", "保育施設運営費支出", "年間稼働削減率", None, 90, "%以上",
                 S.MEGURO_OCR, "rpa_reduction", 0.90, "90%以上: 最良の例として範囲の上限"),
    PublishedRow(13, "目黒区", "AI-OCR+RPA実証", "研修評価シート集計（手書き含む）", "年間稼働削減率",
                 None, 30, "%以上", S.MEGURO_OCR, "rpa_reduction", 0.30, "30%以上: 範囲の下限"),
    PublishedRow(14, "東京都", "RPA", "29業務（うち25業務で縮減）", "平均縮減率", None, 66.8, "%",
                 S.TOKYO_RPA, "rpa_reduction", 0.668, "縮減しなかった4業務を含む平均"),
    PublishedRow(15, "宇城市", "RPA等（棚卸分析）", "123業務", "効率化可能時間", None, 22654, "時間/年",
                 S.UKI_POTENTIAL, None, None, "全庁の上限の見込み（約17%）: SAVING_BANDS の potential"),
    PublishedRow(16, "東海村", "業務量調査+BPR", "3課（税務・住民・学校教育）", "削減見込み", None, 4777,
                 "時間/年", S.TOKAI_3_SECTIONS, None, None,
                 "実労働時間の4.1%: SAVING_BANDS の realised の上端"),
    PublishedRow(17, "東海村", "業務量調査+BPR", "全庁4,339業務（約364,000時間）", "削減案→実行", 12680,
                 5014, "時間/年", S.TOKAI_WHOLE_OFFICE, "implementation_share",
                 round(5014 / 12680, 4), "実行/削減案 = 5,014/12,680。削減案は総労働時間の1.21%: "
                 "SAVING_BANDS の realised の下端"),
    PublishedRow(18, "郡山市", "業務量調査+業務標準ガイドライン", "全庁共通業務", "総業務時間に占める割合の変化",
                 None, -4.9, "ポイント", S.KORIYAMA, None, None,
                 "業務の構成比の変化で、削減時間にできない（参考）"),
    PublishedRow(19, "加古川市", "押印見直し", "申請書等2,575種類", "押印廃止可能", 2575, 1569, "種類",
                 S.KAKOGAWA_SEALS, None, None,
                 "時間ではなく様式の数（61%が廃止可能）: 押印廃止は法令で実印が必要な手続に適用しない"),
    PublishedRow(20, "札幌市中央区", "繁忙期の事前受付", "転入出等", "最大待ち時間", 120, 40, "分",
                 S.SAPPORO_PRE_RECEPTION, None, None,
                 "施策の一覧にない窓口運営の例（参考: 窓口シミュレーションの繁忙月の待ち時間）"),
    PublishedRow(21, "三鷹市", "キャッシュレス+セミセルフレジ", "証明書交付手数料収納", "1人当たり時間短縮",
                 None, 1, "分/人", S.MITAKA_CASHLESS, "cashless_minutes_saved", 1.0,
                 "1分: 最良の例として範囲の上限"),
    PublishedRow(22, "全国", "オンライン利用促進対象手続", "申請・届出", "オンライン利用率", 47.1, 49.1, "%",
                 S.NATIONAL_ONLINE_2015, "online_uptake_ceiling", 0.491,
                 "成熟した促進対象手続の利用率（長期の上限の範囲内）"),
    PublishedRow(23, "全国", "オンライン利用促進対象手続", "申請・届出", "オンライン利用率", None, 52.6, "%",
                 S.NATIONAL_ONLINE_2018, "online_uptake_ceiling", 0.526, "FY2018"),
)


@dataclass(frozen=True)
class CalibrationRow:
    row: PublishedRow
    default: float | None
    low: float | None
    high: float | None

    @property
    def implied(self) -> float | None:
        return self.row.implied

    @property
    def inside(self) -> bool | None:
        """Whether the parameter's range covers the row (None: the row calibrates nothing)."""
        if self.row.implied is None or self.low is None or self.high is None:
            return None
        return self.low - 1e-9 <= self.row.implied <= self.high + 1e-9


def calibration_table() -> list[CalibrationRow]:
    """Every published row with the default and range of the parameter it calibrates."""
    out = []
    for row in PUBLISHED_ROWS:
        p = PARAMETERS.get(row.parameter) if row.parameter else None
        out.append(CalibrationRow(row, p.default if p else None, p.low if p else None,
                                  p.high if p else None))
    return out


# --- online uptake against the national inventory ----------------------------------------

@dataclass(frozen=True)
class UptakeStats:
    """Online share of cases (オンライン手続件数 / 総手続件数) among procedures already online."""

    procedures: int
    median: float
    mean: float
    case_weighted: float
    zero_share: float      # share of those procedures with no online case at all
    below_25_share: float


# 行政手続等の悉皆調査結果（令和6年度）, inventory_train_R6.csv: the 142 municipal
# application procedures marked 1 実施済 that report cases. Recomputed from the copy in
# tests/data/inventory_train_R6.csv by tests/test_calibration.py.
INVENTORY_UPTAKE = UptakeStats(142, 0.0048, 0.4075, 0.0427, 0.4789, 0.5563)
INVENTORY_UPTAKE_SOURCE = S.INVENTORY


def inventory_uptake(csv_path: str | Path) -> UptakeStats:
    """:class:`UptakeStats` of an inventory CSV (UTF-8 with BOM, the published headers)."""
    frame = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    online = frame[frame["オンライン化の実施状況"].str.startswith("1", na=False)]
    cases = pd.to_numeric(online["総手続件数"], errors="coerce")
    filed = pd.to_numeric(online["オンライン手続件数"], errors="coerce").fillna(0)
    keep = cases > 0
    cases, filed = cases[keep], filed[keep]
    share = np.minimum(filed / cases, 1.0)
    return UptakeStats(int(keep.sum()), float(share.median()), float(share.mean()),
                       float(filed.sum() / cases.sum()), float((share == 0).mean()),
                       float((share < 0.25).mean()))


def uptake_comparison(overrides: dict[str, float] | None = None, years: int = 10
                      ) -> pd.DataFrame:
    """The online adoption curve by fiscal year next to the inventory's uptake figures."""
    ceiling = value("online_uptake_ceiling", overrides)
    growth = value("online_uptake_growth", overrides)
    frame = pd.DataFrame({"year": np.arange(1, years + 1)})
    frame["online_uptake"] = uptake(frame["year"].to_numpy(), ceiling, growth)
    frame["shown"] = frame["year"] == adoption_year(overrides)
    frame["inventory_median"] = INVENTORY_UPTAKE.median
    frame["inventory_case_weighted"] = INVENTORY_UPTAKE.case_weighted
    frame["inventory_mean"] = INVENTORY_UPTAKE.mean
    return frame


# --- whole-office savings published ---------------------------------------------------------

@dataclass(frozen=True)
class SavingBand:
    """A published range of whole-office staff-hour savings (shares of all staff hours)."""

    key: str
    ja: str
    en: str
    low: float
    high: float
    sources: tuple[Source, ...]
    reason_ja: str
    reason_en: str


SAVING_BANDS: tuple[SavingBand, ...] = (
    SavingBand("below", "公表された実績より小さい", "below what municipalities realised", 0.0, 0.012,
               (S.TOKAI_WHOLE_OFFICE,),
               "東海村の全庁の削減案（総労働時間の1.21%）より小さい。",
               "Less than 東海村's whole-office proposals (1.21 % of all working hours)."),
    SavingBand("realised", "実現された削減の範囲", "what municipalities realised", 0.012, 0.041,
               (S.TOKAI_WHOLE_OFFICE, S.TOKAI_3_SECTIONS),
               "東海村が実際に削減した範囲: 全庁の削減案1.21%（うち5,014時間を実行）から、先に改革した"
               "3課の4.1%まで。",
               "What 東海村 achieved: 1.21 % of all hours proposed office-wide (5,014 h carried out) "
               "up to 4.1 % in the three sections reformed first."),
    SavingBand("potential", "実績を超え、上限の見込みの範囲内", "beyond the realised, within the upper "
               "potential", 0.041, 0.17, (S.TOKAI_3_SECTIONS, S.UKI_POTENTIAL),
               "実績（4.1%）を超えるが、宇城市が上限の見込みとした棚卸業務の約17%以内。"
               "全庁で施策を一斉に実施する前提の値で、実現には実施の範囲を広げる必要がある。",
               "More than 東海村 realised (4.1 %) but within the upper potential 宇城市 estimated "
               "(about 17 % of its inventoried work): it assumes the measures across the office."),
    SavingBand("above", "公表された上限の見込みを超える", "above the published upper potential", 0.17,
               1.0, (S.UKI_POTENTIAL,),
               "宇城市の上限の見込み（約17%）を超える: 前提（利用率・実施の範囲）の説明が必要。",
               "Above 宇城市's upper potential (about 17 %): the assumptions need explaining."),
)
PUBLISHED_RANGE = (0.012, 0.17)  # the published whole-office range: realised … upper potential


def band_of(saving_share: float) -> SavingBand:
    """The published band a whole-office staff-hour saving (share of all hours) falls in."""
    for band in SAVING_BANDS:
        if saving_share < band.high:
            return band
    return SAVING_BANDS[-1]


def band_text(saving_share: float, lang: str = "ja", label: str = "") -> str:
    """One sentence for the report/app: the share, its band, and why."""
    band = band_of(saving_share)
    if lang == "ja":
        return (f"{label or '職員の作業時間の削減'} {saving_share:.1%} は「{band.ja}」"
                f"（{band.low:.1%}～{band.high:.1%}）です。{band.reason_ja}")
    return (f"{label or 'Staff-hour saving'} {saving_share:.1%} is {band.en} "
            f"({band.low:.1%}–{band.high:.1%}). {band.reason_en}")
