"""Coded vocabularies of the survey format: canonical code, Japanese and English labels.

Every coded survey column maps what people type (the Japanese label, the English
label, or an alias) onto one canonical code. The same lists feed the template's
drop-downs, the importer and the UI, so a label changes in one place only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    code: str
    ja: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: tuple[Code, ...]
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for c in self.codes:
            for text in (c.code, c.ja, c.en, *c.aliases):
                self._lookup[_key(text)] = c.code

    def parse(self, text: str) -> str | None:
        """Canonical code for ``text`` (label, English label or alias), or None."""
        return self._lookup.get(_key(text))

    def ja(self, code: str) -> str:
        return next((c.ja for c in self.codes if c.code == code), code)

    def en(self, code: str) -> str:
        return next((c.en for c in self.codes if c.code == code), code)

    def label(self, code: str, lang: str = "ja") -> str:
        return self.ja(code) if lang == "ja" else self.en(code)

    @property
    def ja_labels(self) -> list[str]:
        return [c.ja for c in self.codes]

    @property
    def values(self) -> list[str]:
        return [c.code for c in self.codes]


def _key(text: str) -> str:
    # NFKC folds full-width letters/digits and half-width kana; case and inner
    # spaces are not meaningful in a code.
    return "".join(unicodedata.normalize("NFKC", str(text)).lower().split())


CATEGORY = CodeList("category", (
    Code("core17", "基幹17業務", "core 17 businesses", ("基幹業務", "基幹系17業務", "基幹")),
    Code("myna_portal", "マイナポータル対象", "My Number portal", ("マイナポータル", "ぴったりサービス")),
    Code("other", "その他", "other", ("他",)),
))

LEGAL_BASIS = CodeList("legal_basis", (
    Code("law", "法律・政令", "law / cabinet order", ("法律", "政令", "法令")),
    Code("ministerial", "省令", "ministerial ordinance", ("府省令", "規則(国)")),
    Code("ordinance", "条例", "municipal ordinance", ()),
    Code("regulation", "規則・要綱", "regulation / guideline", ("規則", "要綱", "要領", "guideline")),
    Code("none", "なし", "none", ("無", "無し", "根拠なし")),
))

LEGAL_FORM_REQUIREMENT = CodeList("legal_form", (
    Code("none", "なし", "none", ("無", "無し", "不要")),
    Code("paper", "書面", "paper", ("書面必須", "紙")),
    Code("face_to_face", "対面", "face to face", ("対面必須", "来庁必須")),
    Code("original", "原本", "original", ("原本必須", "原本提出")),
))

IDENTITY_CHECK = CodeList("identity_check", (
    Code("none", "不要", "none", ("なし", "本人確認不要", "無")),
    Code("signature", "署名", "signature", ("自署",)),
    Code("seal", "押印", "seal", ("認印",)),
    Code("id_document", "本人確認書類", "ID document", ("本人確認書類の提示", "身分証", "id")),
    Code("registered_seal", "実印・印鑑証明", "registered seal + certificate",
         ("押印＋印鑑証明", "実印", "印鑑証明")),
    Code("jpki", "電子署名(JPKI)", "electronic signature (JPKI)", ("jpki", "電子署名", "マイナンバーカード")),
))

ATTACHMENT_KIND = CodeList("attachment_kind", (
    Code("none", "なし", "none", ("無", "無し", "添付なし", "添付書類なし")),
    Code("linkable", "データ連携で取得可", "obtainable by data linkage", ("情報連携", "データ連携")),
    Code("image", "写し・画像で可", "copy / image accepted", ("写し", "画像", "コピー")),
    Code("certificate", "他機関の証明書", "certificate from another body",
         ("証明書", "住民票", "戸籍", "所得証明")),
    Code("original", "原本", "paper original", ("原本必須",)),
))

FEE_PAYMENT = CodeList("fee_payment", (
    Code("cash", "現金", "cash", ("現金のみ", "窓口現金")),
    Code("stamp", "収入印紙・証紙", "revenue stamp", ("収入印紙", "証紙")),
    Code("reduction", "減免判断あり", "fee with reduction judgement", ("減免",)),
    Code("cashless", "キャッシュレス可", "cashless accepted", ("キャッシュレス", "クレジット", "電子マネー")),
    Code("online", "オンライン決済可", "payable online", ("オンライン決済", "電子納付")),
))

ACTOR = CodeList("actor", (
    Code("citizen", "市民", "citizen", ("申請者", "住民", "申請人", "事業者")),
    Code("counter", "窓口職員", "counter staff", ("窓口", "受付担当")),
    Code("clerk", "担当職員", "clerk", ("担当", "職員", "担当者", "事務担当")),
    Code("approver", "決裁者", "approver", ("係長", "課長", "上司", "決裁")),
    Code("system", "システム", "system", ("sys", "rpa", "自動")),
    Code("external", "外部機関", "external body", ("他機関", "委託先", "外部")),
))

WORK_KIND = CodeList("work_kind", (
    Code("reception", "受付", "reception", ("受理",)),
    Code("filling_in", "記入", "filling in", ("申請書記入", "記載")),
    Code("data_entry", "入力", "data entry", ("データ入力", "システム入力", "登録")),
    Code("checking", "確認・審査", "checking", ("確認", "審査", "照合", "点検")),
    Code("approval", "決裁", "approval", ("承認", "起案・決裁")),
    Code("issuing", "交付・通知", "issuing / notifying", ("交付", "通知", "発行", "証明書発行")),
    Code("mailing", "郵送", "mailing", ("発送", "送付")),
    Code("filing", "保管・ファイリング", "filing", ("保管", "ファイリング", "綴り")),
    Code("moving", "移動・運搬", "moving / carrying", ("移動", "運搬", "持ち回り", "来庁")),
    Code("waiting", "待ち", "waiting", ("待機", "待ち時間")),
    Code("other", "その他", "other", ()),
))

MEDIUM = CodeList("medium", (
    Code("paper", "紙", "paper", ("書面", "紙媒体")),
    Code("electronic", "電子", "electronic", ("電子データ", "システム", "メール")),
    Code("verbal", "口頭", "verbal", ("対話", "電話")),
))

STAFF_CATEGORY = CodeList("staff_category", (
    Code("regular", "正規職員", "regular staff", ("正規", "正職員", "常勤")),
    Code("fiscal_year", "会計年度任用職員", "fiscal-year staff",
         ("会計年度", "会計年度職員", "非常勤", "fiscal year", "fiscal-year")),
))

ALL_CODE_LISTS = {cl.name: cl for cl in (
    CATEGORY, LEGAL_BASIS, LEGAL_FORM_REQUIREMENT, IDENTITY_CHECK, ATTACHMENT_KIND,
    FEE_PAYMENT, ACTOR, WORK_KIND, MEDIUM, STAFF_CATEGORY,
)}
