"""Named parameters of redesign measures: default, published range, unit and source.

In the Monte Carlo a parameter is drawn from the triangular distribution
(low, default, high); deterministic figures use the default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    key: str
    ja: str
    en: str
    default: float
    low: float
    high: float
    unit: str
    source: str

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"{self.key}: default outside its range")


SOURCE_CSV = "bpr_before_after_JP.csv"

PARAMETERS: dict[str, Parameter] = {p.key: p for p in (
    Parameter("online_adoption", "オンライン申請の利用率", "online adoption rate", 0.5, 0.25, 0.75,
              "割合", f"全国の促進対象手続のオンライン利用率 47.1～52.6%（{SOURCE_CSV} 22, 23行）; "
              "上限はマイナンバーカード保有率 75.0%（2023）"),
    Parameter("online_fill_retained", "オンライン入力で残る記入時間", "filling-in time kept online",
              0.6, 0.4, 0.9, "割合", "提案値: 既知の情報を自動入力する申請フォーム（マイナポータル）で記入の4割減"),
    Parameter("online_reception_retained", "オンライン受付で残る受付時間",
              "reception time kept for online cases", 0.5, 0.3, 0.8, "割合",
              "提案値: 窓口での受付・聞き取りが電子申請の内容確認に置き換わる"),
    Parameter("online_entry_retained", "オンライン申請で残る手入力時間",
              "data-entry time kept for online cases", 0.5, 0.1, 0.9, "割合",
              "提案値: 基幹システムと連携していなければ転記は残る（連携済みなら0.1）"),
    Parameter("line_adoption", "スマホ窓口（LINE）の利用率", "LINE smartphone-counter adoption", 0.15,
              0.05, 0.3, "割合", "提案値: 市公式LINE友だち 42,124人（2024）を人口比で換算した範囲"),
    Parameter("line_fill_retained", "スマホ窓口で残る記入時間", "filling-in time kept on LINE", 0.5,
              0.3, 0.8, "割合", "提案値: 対話形式の案内で記入時間が半減"),
    Parameter("rpa_reduction", "RPA・AI-OCRによる作業時間の削減率", "RPA / AI-OCR time reduction",
              0.7, -0.2, 0.9, "割合",
              f"RPA実証で56～86%減（{SOURCE_CSV} 2, 4, 5, 6, 7, 10, 14行、最頻値は約70%）; "
              "目視確認が必須で遅くなった例（同 8行）があるため下限は負"),
    Parameter("rpa_exception_rate", "RPA・AI-OCRで手作業に残る件数の割合", "RPA exception rate", 0.1,
              0.02, 0.3, "割合", f"AI-OCR読取精度 98.2～99.9%（{SOURCE_CSV} 12, 13行）と手書き帳票の例外処理"),
    Parameter("rpa_check_minutes", "RPA・AI-OCR結果の確認時間", "added checking per case", 0.5, 0.0,
              2.0, "分/件", f"提案値: 読取結果の目視確認（{SOURCE_CSV} 8行の失敗例を踏まえて加算）"),
    Parameter("e_approval_time_retained", "電子決裁で残る決裁時間", "approval time kept with e-approval",
              0.8, 0.6, 1.0, "割合", "提案値: 押印・持ち回りがなくなり内容確認は残る"),
    Parameter("e_approval_wait_retained", "電子決裁で残る決裁待ち日数", "approval waiting kept", 0.3,
              0.1, 0.6, "割合", "提案値: 回付待ちが不在時でも処理できる"),
    Parameter("seal_time_retained", "押印廃止で残る作業時間", "time kept when seals go", 0.9, 0.8, 1.0,
              "割合", f"提案値; 押印見直しで 2,575種類中 1,569種類が廃止可能（{SOURCE_CSV} 19行）"),
    Parameter("attachment_check_retained", "添付省略で残る審査時間", "checking kept without attachments",
              0.85, 0.7, 1.0, "割合", "提案値: 添付書類の突合がシステム照会に置き換わる"),
    Parameter("paperless_filing_retained", "ペーパーレスで残る保管時間", "filing time kept paperless", 0.5,
              0.3, 0.8, "割合", "提案値: 紙の綴り・運搬がなくなる"),
    Parameter("cashless_minutes_saved", "キャッシュレスで短縮する収納時間", "minutes saved per payment", 1.0,
              0.5, 1.5, "分/件", f"三鷹市 キャッシュレス＋セミセルフレジで1人当たり1分短縮（{SOURCE_CSV} 21行）"),
    Parameter("no_form_counter_retained", "書かない窓口で残る窓口時間", "counter time kept, no-form counter",
              0.56, 0.45, 0.8, "割合", f"岩見沢市 証明書交付 18分→10分（{SOURCE_CSV} 1行）"),
    Parameter("no_form_fill_retained", "書かない窓口で残る市民の記入時間", "citizen filling kept, no-form",
              0.2, 0.1, 0.4, "割合", "提案値: 職員が聞き取って入力し、市民は確認と署名だけ"),
    Parameter("no_form_rework_retained", "書かない窓口で残る記入の差し戻し", "rework kept, no-form counter",
              0.5, 0.2, 0.8, "割合", "提案値: 記入漏れによる差し戻しが減る"),
    Parameter("automate_retained", "自動化で残る作業時間", "time kept when a step is automated", 0.0,
              0.0, 0.3, "割合", "提案値: システム化した工程は職員の作業時間がなくなる（例外処理を上限に）"),
    Parameter("merge_retained", "統合後の作業時間", "time kept when steps merge", 0.8, 0.6, 1.0, "割合",
              "提案値: 受け渡しと重複確認がなくなる"),
    Parameter("volume_spread", "年間件数の不確かさ（±）", "annual volume uncertainty (±)", 0.1, 0.0,
              0.3, "割合", "提案値: 年度による件数の変動"),
    Parameter("rework_spread", "差し戻し率の不確かさ（±）", "rework probability uncertainty (±)", 0.3,
              0.0, 0.8, "割合", "提案値: 調査時期による差し戻し率の変動"),
)}


def value(key: str, overrides: dict[str, float] | None = None) -> float:
    if overrides and key in overrides:
        return float(overrides[key])
    return PARAMETERS[key].default
