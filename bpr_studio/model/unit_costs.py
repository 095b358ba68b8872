"""Default unit costs, each with its unit and source.

These are the project's starting assumptions (see ``../shared/guide/domain.md``).
A project may override any of them, and so may the 単価 sheet of a survey (for
that section's procedures). No other module hard-codes these figures.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitCostDefault:
    key: str
    value: float
    unit: str
    ja: str
    en: str
    source: str

    def note_ja(self) -> str:
        """「既定値 124,352,000（出典）」: the default as a survey sheet shows it (never
        '1.24352e+08')."""
        shown = f"{int(self.value):,}" if float(self.value).is_integer() else f"{self.value:,g}"
        return f"既定値 {shown}（{self.source}）"


DEFAULT_UNIT_COSTS: tuple[UnitCostDefault, ...] = (
    UnitCostDefault(
        "hourly_cost_regular", 3500, "円/時", "正規職員の時間単価（人件費込み）",
        "Regular staff, fully loaded cost per hour",
        "貝塚市「行政評価 事務事業評価結果の公表 職員等給与事務」（2013年度、平成24年度決算: "
        "正職員2.06人工・直接人件費13,671千円 ≒ 1,860時間/人工で3,570円/時）を丸めた値 "
        "http://www.city.kaizuka.lg.jp/section/gyoseihyoka/2013/sheet/proj/020401060.html"),
    UnitCostDefault(
        "hourly_cost_fiscal_year", 1200, "円/時", "会計年度任用職員の時間単価",
        "Fiscal-year staff cost per hour",
        "提案値: つくばみらい市「会計年度任用職員募集」一般事務員 時給951円（令和2年4月）"
        "＋社会保険料等 https://www.city.tsukubamirai.lg.jp/viewer/info.html?id=6650"),
    UnitCostDefault(
        "hours_per_fte", 1860, "時間/年", "1人工あたりの年間勤務時間", "Working hours per FTE-year",
        "7時間45分×240日（日数は提案値）; 勤務時間法第5条（1994）"
        "https://elaws.e-gov.go.jp/document?lawid=406AC0000000033"),
    UnitCostDefault(
        "postage_letter_yen", 110, "円", "郵便料金（定形25g/50g以内）", "Postage, standard letter",
        "日本郵便（2024年10月1日改定）"),
    UnitCostDefault(
        "postage_postcard_yen", 85, "円", "郵便料金（はがき）", "Postage, postcard",
        "日本郵便（2024年10月1日改定）"),
    UnitCostDefault(
        "fee_juminhyo_yen", 300, "円", "住民票の写しの手数料", "Fee for a copy of the resident record",
        "提案値: 多くの市区町村の手数料条例（1通300円）"),
    UnitCostDefault(
        "fee_koseki_yen", 450, "円", "戸籍謄抄本の手数料", "Fee for a family register copy",
        "地方公共団体の手数料の標準に関する政令（2000）"),
    UnitCostDefault(
        "citizen_travel_minutes", 40, "分/回", "来庁1回の往復移動時間", "Citizen round trip per visit",
        "提案値（中規模市の平均的な移動時間）"),
    UnitCostDefault(
        "citizen_counter_wait_minutes", 20, "分/回", "窓口での平均待ち時間", "Average counter wait",
        "提案値（繁忙期を除く平均）。窓口シミュレーションで置き換え可"),
    UnitCostDefault(
        "attachment_fetch_minutes", 30, "分/通", "添付する証明書を取りに行く時間",
        "Citizen time to obtain one certificate for an attachment",
        "提案値（コンビニ交付または窓口での取得、移動を含む）"),
    UnitCostDefault(
        "national_population", 124_352_000, "人", "全国の人口（国の件数を市の規模に換算）",
        "National population (to scale national case counts)",
        "総務省統計局「人口推計」2023年10月1日現在"),
    UnitCostDefault(
        "citizen_hourly_value", 1055, "円/時", "市民の時間の価値（優先順位付けのみに使用）",
        "Value of a citizen's hour (used only to rank where to start)",
        "厚生労働省 地域別最低賃金 全国加重平均（2024年度）"),
    UnitCostDefault(
        "ranking_citizen_weight", 1.0, "倍", "優先順位での市民の便益の重み（職員の削減額＝1）",
        "Weight of citizen benefit in the ranking (staff savings = 1)",
        "国土交通省 公共事業評価の費用便益分析に関する技術指針（共通編）（2009年）: 利用者の時間短縮"
        "便益と費用削減を同じ重みで合計。0にすると職員の削減額だけで順位付け"),
    UnitCostDefault(
        "paper_cost_per_sheet_yen", 5, "円/枚", "用紙・印刷費（1枚）", "Paper and printing per sheet",
        "提案値（用紙・トナー代）; 紙を作る工程（記入・交付・郵送）1回に1枚"),
)

DEFAULTS_BY_KEY = {u.key: u for u in DEFAULT_UNIT_COSTS}
