"""Survey workbook format v1: sheets, columns, headers, types and ranges.

This module is the single source of truth for the format: the template writer,
the importer and ``docs/survey-format.md`` all follow it. Headers are Japanese;
the English header and the aliases listed are accepted too.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from bpr_studio.model import codes
from bpr_studio.model.codes import CodeList

FORMAT_VERSION = 1

# Longest time of one step: 90 days around the clock (129,600 minutes), the same bound
# a BPMN task has (bpmn_format.MAX_TASK_MINUTES), so a model from a BPMN tool or Prosimos
# (tasks of 290–18,843 minutes in its padua example) goes to a survey workbook and back.
MAX_STEP_MINUTES = 129_600.0


@dataclass(frozen=True)
class Column:
    key: str
    ja: str
    en: str
    kind: str  # id | text | int | number | minutes | bool | code | months | next | rating
    required: bool = False
    code_list: CodeList | None = None
    minimum: float | None = None
    maximum: float | None = None
    warn_above: float | None = None  # plausible but suspicious above this
    aliases: tuple[str, ...] = ()
    help_ja: str = ""
    width: float = 12
    percent: bool = False  # holds a percentage: a cell formatted 15% (stored 0.15) means 15

    def header_keys(self) -> set[str]:
        return {header_key(h) for h in (self.ja, self.en, self.key, *self.aliases)}


@dataclass(frozen=True)
class SheetSpec:
    key: str
    ja: str
    en: str
    columns: tuple[Column, ...]
    required: bool = True
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {header_key(n) for n in (self.ja, self.en, self.key, *self.aliases)}

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_HEADER_NOISE = re.compile(r"[\s※*＊:：・_\-]|（必須）|\(必須\)|必須")


@functools.lru_cache(maxsize=4096)  # the first rows of every sheet are searched for headers
def header_key(text: str) -> str:
    """Normalize a header: NFKC, lower case, no spaces, no required-markers."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(text)).lower())


PROCEDURES = SheetSpec("procedures", "手続", "Procedures", aliases=("手続一覧", "手続シート"), columns=(
    Column("procedure_id", "手続ID", "Procedure ID", "id", required=True,
           aliases=("手続コード", "ID", "番号", "手続番号"),
           help_ja="課内で重複しない記号。国の手続IDがあればそれを使います。", width=12),
    Column("name", "手続名", "Procedure name", "text", required=True, aliases=("手続の名称", "名称"),
           help_ja="手続の正式な名称。", width=30),
    Column("department", "部", "Department", "text", aliases=("部名", "所管部")),
    Column("section", "課", "Section", "text", required=True, aliases=("課名", "所管課", "担当課"),
           help_ja="調査票を提出する課。読み込み直すとこの課のデータが置き換わります。"),
    Column("team", "係", "Team", "text", aliases=("係名", "担当", "グループ")),
    Column("category", "分類", "Category", "code", code_list=codes.CATEGORY,
           help_ja="基幹17業務 / マイナポータル対象 / その他（空欄はその他）。", width=16),
    Column("legal_basis", "根拠法令の種類", "Legal basis", "code", code_list=codes.LEGAL_BASIS,
           aliases=("根拠法令", "法的根拠"), help_ja="法律・政令 / 省令 / 条例 / 規則・要綱 / なし。",
           width=14),
    Column("legal_basis_name", "根拠法令名", "Legal basis name", "text", aliases=("法令名",),
           width=20),
    Column("legal_form_requirement", "書面・対面・原本の法的要件", "Legal requirement for form",
           "code", code_list=codes.LEGAL_FORM_REQUIREMENT,
           aliases=("法的要件", "書面対面原本"),
           help_ja="法令が書面・対面・原本を求めているか。なし / 書面 / 対面 / 原本。", width=14),
    Column("identity_check", "本人確認", "Identity check", "code", code_list=codes.IDENTITY_CHECK,
           aliases=("本人確認手法", "本人確認方法"),
           help_ja="不要 / 署名 / 押印 / 本人確認書類 / 実印・印鑑証明 / 電子署名(JPKI)。", width=16),
    Column("attachment_kind", "添付書類の種類", "Attachment kind", "code",
           code_list=codes.ATTACHMENT_KIND, aliases=("添付書類",),
           help_ja="なし / データ連携で取得可 / 写し・画像で可 / 他機関の証明書 / 原本。", width=16),
    Column("attachment_count", "添付書類の数", "Attachment count", "int", minimum=0, maximum=50,
           aliases=("添付書類数",)),
    Column("attachment_names", "添付書類の名称", "Attachment names", "text",
           aliases=("添付書類名",), help_ja="例: 住民票の写し; 戸籍謄本", width=20),
    Column("fee_yen", "手数料(円)", "Fee (yen)", "number", minimum=0, maximum=1_000_000,
           aliases=("手数料", "手数料額"), width=10),
    Column("fee_payment", "手数料の納付方法", "Fee payment", "code", code_list=codes.FEE_PAYMENT,
           aliases=("納付方法",), help_ja="現金 / 収入印紙・証紙 / 減免判断あり / キャッシュレス可 / オンライン決済可。",
           width=14),
    Column("annual_cases", "年間件数", "Annual cases", "int", required=True, minimum=0,
           maximum=10_000_000, aliases=("年間処理件数", "件数", "年間取扱件数"),
           help_ja="1年間の処理件数（直近年度の実績）。概数なら「約1,200件」「5.8万件」「1,000～1,500件」も可（概数として読んだことをお知らせします）。",
           width=10),
    Column("online_cases", "うちオンライン件数", "Online cases", "int", minimum=0,
           maximum=10_000_000, aliases=("オンライン件数", "うち電子申請件数", "電子申請件数")),
    Column("peak_months", "繁忙月", "Peak months", "months", aliases=("繁忙期",),
           help_ja="例: 3,4 や 3～4月（「3-4」「3/4」は Excel が日付に変えるので避けてください）。", width=10),
    Column("visit_required", "来庁の要否", "Visit required", "bool",
           aliases=("来庁必要", "来庁", "窓口来庁"), help_ja="市民が窓口に来る必要があるか（○/×）。",
           width=10),
    Column("lead_time_days", "処理期間(日)", "Lead time (days)", "number", minimum=0, maximum=730,
           aliases=("処理期間", "標準処理期間"), width=10),
    Column("notes", "備考", "Notes", "text", aliases=("メモ",), width=24),
    # Life events (issue 14): where the citizen goes and what the form asks for.
    Column("national_id", "国の手続ID", "National procedure ID", "text",
           aliases=("全国手続ID", "悉皆調査の手続ID", "手続ID(国)"),
           help_ja="行政手続等の悉皆調査（デジタル庁）の手続ID。あればライフイベント（転入・おくやみ等）の対象手続を調査結果から読み取ります。",
           width=12),
    Column("counter", "窓口", "Counter", "text", aliases=("窓口名", "受付窓口"),
           help_ja="市民が手続をする窓口の名前（例: 市民課 1番窓口）。空欄は課の窓口。", width=14),
    Column("form_fields", "申請書の記載事項", "Form fields", "text",
           aliases=("記載事項", "申請書等に記載させる情報"),
           help_ja="申請書に市民が書く項目を「;」で区切って（例: 氏名; 住所; 生年月日）。空欄は氏名・住所・生年月日（と悉皆調査の項目）。",
           width=20),
))

STEPS = SheetSpec("steps", "工程", "Steps", aliases=("工程一覧", "業務フロー", "作業工程"), columns=(
    Column("procedure_id", "手続ID", "Procedure ID", "id", required=True,
           aliases=("手続コード", "手続番号"),
           help_ja="「手続」シートの手続ID を各行に入れます（セル結合や〃でも読めますが、各行に入れるのが確実です）。"),
    Column("step_no", "工程番号", "Step no", "int", required=True, minimum=1, maximum=999,
           aliases=("工程No", "No", "番号", "順番"), width=8),
    Column("name", "工程名", "Step name", "text", required=True, aliases=("作業名", "作業内容"),
           width=24),
    Column("actor", "実施者", "Actor", "code", required=True, code_list=codes.ACTOR,
           aliases=("担当者", "誰が"),
           help_ja="市民 / 窓口職員 / 担当職員 / 決裁者 / システム / 外部機関（一覧から選択）。上の行と同じなら〃も可。",
           width=12),
    Column("work_kind", "作業の種類", "Kind of work", "code", required=True,
           code_list=codes.WORK_KIND, aliases=("作業種別", "種類"),
           help_ja="受付 / 記入 / 入力 / 確認・審査 / 決裁 / 交付・通知 / 郵送 / 保管・ファイリング / 移動・運搬 / 待ち / その他。",
           width=14),
    Column("min_minutes", "最短(分)", "Minimum (min)", "minutes", minimum=0, maximum=MAX_STEP_MINUTES,
           warn_above=480, aliases=("最短", "最短時間(分)", "最短時間", "最小(分)", "最小", "min minutes"),
           help_ja="速く済んだときの作業時間（分）。空欄は標準と同じ。", width=9),
    Column("typical_minutes", "標準(分)", "Typical (min)", "minutes", required=True, minimum=0,
           maximum=MAX_STEP_MINUTES, warn_above=480,
           aliases=("標準", "標準時間(分)", "標準時間", "所要時間(分)", "所要時間", "平均(分)", "平均時間",
                    "1件当たり処理時間(分)", "1件当たり処理時間", "処理時間(分)", "処理時間"),
           help_ja="1件あたりの標準的な作業時間（分）。「30」「1時間30分」「0:45」も可。幅があれば「10～15分」（最短・最長も埋まります）。「10-15」は日付に変わるので避けてください。"
                   "何日もかかる作業は「3日」「1日4時間」「2.5時間」と書けます（1日 = 勤務時間7時間45分 = 465分として読みます）。"
                   "480分（8時間）を超えると確認の警告が出ます。案件が待っているだけの日は作業時間ではなく「待ち日数」へ。",
           width=9),
    Column("max_minutes", "最長(分)", "Maximum (min)", "minutes", minimum=0, maximum=MAX_STEP_MINUTES,
           warn_above=480, aliases=("最長", "最長時間(分)", "最長時間", "最大(分)", "最大", "max minutes"),
           help_ja="時間がかかったときの作業時間（分）。標準以上にします。空欄は標準と同じ。", width=9),
    Column("share_pct", "通過割合(%)", "Share of cases (%)", "number", minimum=0, maximum=100,
           aliases=("通過割合", "発生割合(%)", "割合(%)"), percent=True,
           help_ja="この工程を通る件数の割合（%）。15% なら「15」（0.15 ではなく）。空欄は100%。", width=9),
    Column("next_steps", "次工程", "Next steps", "next", aliases=("次の工程", "次工程番号"),
           help_ja="次の工程番号。分岐は 4(85%); 2(15%) のように割合を付けます（前の番号なら差し戻し）。空欄は次の番号、最後は終了。"
                   "同時に並行して進む工程は 4&5 と & でつなぎます（両方とも行い、両方が行き着く最初の工程で合流します。作業時間は両方の合計、処理日数は長い方）。",
           width=16),
    Column("medium", "媒体", "Medium", "code", code_list=codes.MEDIUM, help_ja="紙 / 電子 / 口頭。",
           width=8),
    Column("manual_entry", "手入力", "Manual entry", "bool", aliases=("手入力の有無",),
           help_ja="紙などからシステムへ手で入力するか（○/×）。", width=8),
    Column("seal", "押印", "Seal", "bool", aliases=("押印の有無", "はんこ"), width=8),
    Column("physical_burden", "身体的負担(0-4)", "Physical burden (0-4)", "rating", minimum=0,
           maximum=4, aliases=("身体的負担", "肉体的負担", "肉体的負担(0-4)"),
           help_ja="0（なし）～4（大）。空欄は作業の種類による既定値。", width=10),
    Column("cognitive_burden", "頭脳的負担(0-4)", "Cognitive burden (0-4)", "rating", minimum=0,
           maximum=4, aliases=("頭脳的負担", "思考・判断の負担"), width=10),
    Column("psychological_burden", "精神的負担(0-4)", "Psychological burden (0-4)", "rating",
           minimum=0, maximum=4, aliases=("精神的負担", "心理的負担"), width=10),
    Column("enjoyment", "楽しさ・やりがい(0-4)", "Enjoyment (0-4)", "rating", minimum=0,
           maximum=4, aliases=("楽しさ", "やりがい"),
           help_ja="作業が楽しい・やりがいがある度合い。精神的負担を打ち消します（空欄は0）。", width=10),
    Column("wait_days", "待ち日数", "Waiting days", "number", minimum=0, maximum=365,
           aliases=("待ち日数(日)", "待機日数"), width=8),
    Column("staff_category", "職員区分", "Staff category", "code", code_list=codes.STAFF_CATEGORY,
           aliases=("職員の区分", "雇用区分"), help_ja="正規職員 / 会計年度任用職員。空欄は正規職員。",
           width=14),
    Column("notes", "備考", "Notes", "text", aliases=("メモ",), width=20),
))

UNIT_COSTS = SheetSpec("unit_costs", "単価", "Unit costs", required=False,
                       aliases=("単価設定", "単価表"), columns=(
    Column("key", "項目キー", "Key", "text", required=True, aliases=("キー",), width=26),
    Column("label", "項目", "Item", "text", aliases=("項目名",), width=30),
    Column("value", "値", "Value", "number", minimum=0, width=12,
           help_ja="空欄なら既定値を使います。"),
    Column("unit", "単位", "Unit", "text", width=10),
    Column("source", "出典", "Source", "text", aliases=("根拠",), width=50),
))

INSTRUCTIONS_SHEET = "説明"
SHEETS = (PROCEDURES, STEPS, UNIT_COSTS)
