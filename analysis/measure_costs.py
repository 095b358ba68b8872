"""What each redesign measure costs to introduce and to run, as data with its sources.

A measure's costs are one or more :class:`CostItem` rows. Each row is either **shared**
(one licence, one system for the whole office: counted once however many procedures the
measure reaches) or **per procedure** (a form redesigned, an RPA scenario written for each
procedure: counted once for every procedure the measure applies to). A row gives:

* ``initial_yen``            — purchase, build or set-up (yen, once)
* ``running_yen_per_year``   — licences, maintenance, fees (yen a year)
* ``staff_hours``            — staff hours to introduce (hours, once; valued at the staff
  hourly cost of the project's unit costs)
* ``life_years``             — useful life: the horizon of the net present value
* ``subsidy_share``          — share of ``initial_yen`` a national subsidy pays (0–1);
  デジタル田園都市国家構想交付金 (デジタル実装タイプ) pays only the set-up of the first year,
  never running costs or staff time

Every figure has its publication or is marked 提案値 (:data:`analysis.sources.PROPOSAL`)
with the reasoning. A scenario overrides any figure through its ``params`` (stored with the
scenario in the project, like the measure parameters): the key is
``cost.<item>.<field>``, e.g. ``cost.rpa_licence.running_yen_per_year``; the discount rate
is ``economics.discount_rate``. Bad values are refused with the key named
(:class:`CostDataError`).

>>> table = cost_table({"cost.rpa_licence.running_yen_per_year": 1_000_000})
>>> table.item("rpa_licence").running_yen_per_year
1000000.0
>>> try:
...     cost_table({"cost.rpa_licence.life_years": 0})
... except CostDataError as problem:
...     print(problem.field)
cost.rpa_licence.life_years
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from analysis.sources import PROPOSAL, Source
from bpr_studio.messages import BilingualError

SHARED = "shared"
PER_PROCEDURE = "per_procedure"
SCOPES = (SHARED, PER_PROCEDURE)
COST_PREFIX = "cost."
DISCOUNT_KEY = "economics.discount_rate"
FIELDS = ("initial_yen", "running_yen_per_year", "staff_hours", "life_years", "subsidy_share")
FIELD_LABELS = {
    "initial_yen": ("初期費用（円）", "initial cost (yen)"),
    "running_yen_per_year": ("運用費（円/年）", "running cost (yen/yr)"),
    "staff_hours": ("導入の職員時間（時間）", "staff hours to introduce"),
    "life_years": ("耐用年数（年）", "useful life (years)"),
    "subsidy_share": ("補助率（初期費用に対する割合）", "subsidy share of the initial cost"),
}

# --- publications ---------------------------------------------------------------------

DIGITAL_GARDEN_GRANT = Source(
    "デジタル田園都市国家構想交付金（デジタル実装タイプ）", "独立行政法人中小企業基盤整備機構（内閣府の交付金の解説）",
    None, "https://machi.smrj.go.jp/support/4_0016.html",
    "デジタル実装タイプは事業の立ち上げに必要な経費を単年度に限り支援。TYPE1（優良モデル導入支援型）"
    "の補助率は1/2")
DIGITAL_GARDEN_RATES = Source(
    "デジタル田園都市国家構想交付金の事業類型ごとの補助率", "スキルDX", None,
    "https://skill-dx.com/column/9420", "デジタル実装タイプ 補助率1/2～3/4")
PITTARI_FAQ = Source(
    "ぴったりサービス よくある質問", "内閣府番号制度担当室（マイナポータル）", None,
    "https://app.oss.myna.go.jp/Application/resources/faq/index.html",
    "ぴったりサービスは国（内閣府）が運営し、地方公共団体はオンライン申請の受付に利用できる")
SOUMU_ONLINE_GUIDE = Source(
    "自治体の行政手続のオンライン化に係る手順書【第1.1版】", "総務省", 2022,
    "https://www.soumu.go.jp/main_content/000857219.pdf",
    "オンライン化の方法（ぴったりサービスの活用、申請管理システム・基幹システム連携の整備）")
OYAMA_E_VOUCHER = Source(
    "小山市 支払い事務を電子化 財務会計システム構築 経費削減効果年338万円", "下野新聞", None,
    "https://smart.shimotsuke.co.jp/articles/-/220681",
    "伝票年約7万件の電子決裁・審査、システム構築費用 約500万円、2年目以降に効果額が費用を上回る")
KUSATSU_RPA_JOINT = Source(
    "おうみ自治体クラウド・RPAおよびAI-OCR導入及び運用・利用事業（草津市ほか6市の共同調達）",
    "ジチタイワークス", None, "https://jichitai.works/article/details/514",
    "RPA・AI-OCRのライセンスは庁内（複数市）で共有して調達する")
METI_CASHLESS = Source(
    "自治体窓口及び公共施設のキャッシュレス化に取り組むモニター自治体を選定しました（キャッシュレス決済導入手順書）",
    "経済産業省", 2020, "https://www.meti.go.jp/press/2020/04/20200427002/20200427002.html",
    "窓口の決済端末・収納代行の契約と決済手数料")
MLIT_DISCOUNT = Source(
    "公共事業評価の費用便益分析に関する技術指針（共通編）", "国土交通省", 2008,
    "https://vdocuments.pub/eecc-eeoeeieci.html",
    "社会的割引率 4%（全事業共通）。URLは公表文書の写し")


@dataclass(frozen=True)
class CostItem:
    """One cost of a measure: shared across the office or repeated per procedure."""

    key: str
    measure: str
    ja: str
    en: str
    scope: str                   # SHARED or PER_PROCEDURE
    initial_yen: float
    running_yen_per_year: float
    staff_hours: float
    life_years: float
    subsidy_share: float
    sources: tuple[Source, ...] = ()
    reasoning: str = ""          # why these figures; starts with 提案値 when no publication gives them

    @property
    def proposal(self) -> bool:
        return self.reasoning.startswith(PROPOSAL)

    def citations(self, lang: str = "ja") -> list[str]:
        return [s.cite(lang) for s in self.sources]


@dataclass(frozen=True)
class DiscountRate:
    value: float
    sources: tuple[Source, ...]
    reasoning: str


DEFAULT_DISCOUNT = DiscountRate(0.04, (MLIT_DISCOUNT,),
                                "公共事業の費用便益分析の社会的割引率（4%）をそのまま使う")

_GRANT = (DIGITAL_GARDEN_GRANT, DIGITAL_GARDEN_RATES)
_SYSTEM_LIFE = f"{PROPOSAL}: 庁内システム・ライセンスの更改周期5年"

DEFAULT_ITEMS: tuple[CostItem, ...] = (
    CostItem("online_platform", "online_application", "オンライン申請の受付基盤（申請管理・基幹連携）",
             "online application platform (case management, back-office link)", SHARED,
             3_000_000, 1_500_000, 300, 5, 0.5, (PITTARI_FAQ, SOUMU_ONLINE_GUIDE, *_GRANT),
             f"{PROPOSAL}: 受付はぴったりサービス（国が運営）を使い、市の費用は申請管理システムと"
             "基幹連携の構築・保守。補助率はデジタル実装タイプTYPE1の1/2"),
    CostItem("online_forms", "online_application", "申請フォームの作成（手続ごと）",
             "online form per procedure", PER_PROCEDURE,
             0, 0, 16, 5, 0.0, (SOUMU_ONLINE_GUIDE,),
             f"{PROPOSAL}: 様式の見直しとフォーム作成・審査手順の見直しに2人日"),
    CostItem("line_platform", "line_counter", "スマホ窓口（LINE）の基盤", "LINE counter platform", SHARED,
             2_000_000, 1_200_000, 200, 5, 0.5, _GRANT,
             f"{PROPOSAL}: 自治体向けLINE公式アカウント連携サービスの構築・年額利用料"),
    CostItem("line_scenarios", "line_counter", "対話シナリオの作成（手続ごと）",
             "chat scenario per procedure", PER_PROCEDURE, 0, 0, 24, 5, 0.0, (),
             f"{PROPOSAL}: 対話シナリオの作成と試験に3人日"),
    CostItem("seal_rules", "abolish_seals", "様式・要綱の改正（手続ごと）", "forms and rules per procedure",
             PER_PROCEDURE, 0, 0, 2, 10, 0.0, (),
             f"{PROPOSAL}: 押印欄の削除と要綱改正に2時間。様式の寿命10年"),
    CostItem("attachment_linkage", "drop_attachments", "庁内データ連携の設定（手続ごと）",
             "data linkage per procedure", PER_PROCEDURE, 300_000, 0, 16, 5, 0.0, (),
             f"{PROPOSAL}: 団体内統合宛名・照会画面の権限設定と改修"),
    CostItem("rpa_licence", "rpa_ocr", "RPA・AI-OCRのライセンス（庁内共有）", "RPA / AI-OCR licences (shared)",
             SHARED, 1_000_000, 2_400_000, 100, 5, 0.5, (KUSATSU_RPA_JOINT, *_GRANT),
             f"{PROPOSAL}: RPA 1ライセンスとAI-OCRの年額利用料・導入支援。共同調達でさらに下がる"),
    CostItem("rpa_scenarios", "rpa_ocr", "RPAシナリオ・読取帳票の作成（手続ごと）",
             "RPA scenario and OCR form per procedure", PER_PROCEDURE, 0, 0, 40, 5, 0.0, (),
             f"{PROPOSAL}: シナリオ作成・例外処理の設計・試験に5人日"),
    CostItem("e_approval_system", "e_approval", "電子決裁・文書管理システム", "e-approval and records system",
             SHARED, 5_000_000, 1_000_000, 500, 5, 0.0, (OYAMA_E_VOUCHER,),
             "小山市の支払事務電子化の構築費 約500万円; 運用費・研修時間・耐用年数は提案値。"
             "内部事務のため交付金の対象外とした"),
    CostItem("paperless_devices", "paperless", "ペーパーレスの端末・スキャナ", "paperless devices and scanners",
             SHARED, 2_000_000, 500_000, 100, 5, 0.0, (),
             f"{PROPOSAL}: 会議用タブレット・複合機スキャナと電子保存の規程"),
    CostItem("cashless_terminals", "cashless", "キャッシュレス決済端末・収納代行", "cashless terminals",
             SHARED, 1_000_000, 600_000, 80, 5, 0.5, (METI_CASHLESS, *_GRANT),
             f"{PROPOSAL}: 窓口数台の決済端末と回線・保守、決済手数料の年額"),
    CostItem("no_form_system", "no_form_counter", "書かない窓口の窓口支援システム",
             "no-form counter support system", SHARED,
             10_000_000, 2_000_000, 400, 5, 0.5, _GRANT,
             f"{PROPOSAL}: 窓口支援システムの構築・年額保守と職員研修"),
    CostItem("remove_review", "remove_step", "手順の見直し（手続ごと）", "procedure review per procedure",
             PER_PROCEDURE, 0, 0, 4, 10, 0.0, (), f"{PROPOSAL}: 手順書の改訂に半日"),
    CostItem("merge_review", "merge_steps", "手順の見直し（手続ごと）", "procedure review per procedure",
             PER_PROCEDURE, 0, 0, 4, 10, 0.0, (), f"{PROPOSAL}: 手順書の改訂に半日"),
    CostItem("automate_change", "automate_step", "システム改修（手続ごと）", "system change per procedure",
             PER_PROCEDURE, 500_000, 50_000, 40, 5, 0.0, (),
             f"{PROPOSAL}: 基幹システムの小規模改修と保守"),
)


class CostDataError(BilingualError, ValueError):
    """A cost figure that cannot be used; ``field`` names it (``cost.<item>.<field>``).
    Shown as its message at the command boundary and in the app, never as a trace."""

    def __init__(self, field: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.field = field


def _number(field: str, raw: Any) -> float:
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise CostDataError(field, f"{field}: 数値ではありません（値: {raw!r}）",
                            f"{field}: not a number (value: {raw!r})") from None
    if math.isnan(number) or math.isinf(number):
        raise CostDataError(field, f"{field}: 値がありません（値: {raw!r}）",
                            f"{field}: missing value (value: {raw!r})")
    return number


def check_item(item: CostItem) -> None:
    """Refuse a cost row that cannot be right, naming the field (``cost.<item>.<field>``)."""
    def name(field: str) -> str:
        return f"{COST_PREFIX}{item.key}.{field}"
    if item.scope not in SCOPES:
        raise CostDataError(name("scope"), f"{name('scope')}: shared か per_procedure を指定してください",
                            f"{name('scope')}: must be shared or per_procedure")
    for field in ("initial_yen", "running_yen_per_year", "staff_hours"):
        value = _number(name(field), getattr(item, field))
        if value < 0:
            ja, en = FIELD_LABELS[field]
            raise CostDataError(name(field), f"{name(field)}（{ja}）が負の値です: {value:g}",
                                f"{name(field)} ({en}) is negative: {value:g}")
    life = _number(name("life_years"), item.life_years)
    if life <= 0:
        raise CostDataError(name("life_years"),
                            f"{name('life_years')}（耐用年数）は0より大きい年数にしてください（値: {life:g}）",
                            f"{name('life_years')} (useful life) must be more than 0 years "
                            f"(value: {life:g})")
    share = _number(name("subsidy_share"), item.subsidy_share)
    if not 0.0 <= share <= 1.0:
        raise CostDataError(name("subsidy_share"),
                            f"{name('subsidy_share')}（補助率）は0～1（0～100%）にしてください（値: {share:g}）",
                            f"{name('subsidy_share')} (subsidy share) must be between 0 and 1 "
                            f"(0-100 %) (value: {share:g})")


@dataclass(frozen=True)
class CostTable:
    """The cost rows in force for a scenario, and the discount rate."""

    items: tuple[CostItem, ...]
    discount_rate: float
    discount_source: DiscountRate
    changed: frozenset[str]      # override keys that differ from the defaults

    def item(self, key: str) -> CostItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def for_measure(self, measure: str) -> list[CostItem]:
        return [item for item in self.items if item.measure == measure]


def cost_table(overrides: dict[str, Any] | None = None,
               items: tuple[CostItem, ...] = DEFAULT_ITEMS) -> CostTable:
    """The default cost rows with a scenario's overrides applied and checked.

    ``overrides``: the scenario's parameter values (``analysis.compare.parameter_values``);
    only keys ``cost.<item>.<field>`` and ``economics.discount_rate`` are read. Raises
    :class:`CostDataError` naming the key for an unknown item or field, a negative cost, a
    missing or zero life, or a subsidy outside 0–1.
    """
    overrides = overrides or {}
    by_key = {item.key: item for item in items}
    changed = set()
    for key, raw in overrides.items():
        if not key.startswith(COST_PREFIX):
            continue
        item_key, _, field = key[len(COST_PREFIX):].rpartition(".")
        if item_key not in by_key:
            raise CostDataError(key, f"{key}: 費用の項目「{item_key}」はありません（あるもの: "
                                f"{', '.join(by_key)}）",
                                f"{key}: no cost item '{item_key}' (known: {', '.join(by_key)})")
        if field not in FIELDS:
            raise CostDataError(key, f"{key}: 項目「{field}」はありません（{', '.join(FIELDS)}）",
                                f"{key}: no field '{field}' (known: {', '.join(FIELDS)})")
        changes: dict[str, Any] = {field: _number(key, raw)}
        by_key[item_key] = replace(by_key[item_key], **changes)
        changed.add(key)
    for item in by_key.values():
        check_item(item)
    rate = DEFAULT_DISCOUNT.value
    if DISCOUNT_KEY in overrides:
        rate = _number(DISCOUNT_KEY, overrides[DISCOUNT_KEY])
        if not 0.0 <= rate < 1.0:
            raise CostDataError(DISCOUNT_KEY, f"{DISCOUNT_KEY}（割引率）は0～1にしてください（値: {rate:g}）",
                                f"{DISCOUNT_KEY} (discount rate) must be between 0 and 1 "
                                f"(value: {rate:g})")
        changed.add(DISCOUNT_KEY)
    return CostTable(tuple(by_key.values()), rate, DEFAULT_DISCOUNT, frozenset(changed))


def parse_cost_setting(assignment: str) -> tuple[str, float]:
    """``"rpa_licence.running_yen_per_year=1200000"`` (or with the ``cost.`` prefix, or
    ``economics.discount_rate=0.02``) → (key, value); a subsidy or rate may be typed in %.
    The value is checked against the defaults (raises :class:`CostDataError`).

    >>> parse_cost_setting("rpa_licence.subsidy_share=50%")
    ('cost.rpa_licence.subsidy_share', 0.5)
    """
    key, sep, raw = assignment.partition("=")
    key, raw = key.strip(), raw.strip().replace("，", "").replace(",", "")
    if not sep:
        raise CostDataError(key, f"{key}: 「項目.欄=値」の形で指定してください",
                            f"{key}: use item.field=value")
    if key != DISCOUNT_KEY and not key.startswith(COST_PREFIX):
        key = COST_PREFIX + key
    value = _number(key, raw[:-1]) / 100 if raw.endswith(("%", "％")) else _number(key, raw)
    cost_table({key: value})   # refuses a bad value with the key named
    return key, value
