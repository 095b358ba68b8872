"""Life events as data: an event is a set of procedures with the share of cases needing each.

Membership comes from two places, and every member says which (``EventMember.matched``):

- the national inventory's 手続が行われるイベント(個人) column, for a procedure that carries
  a national 手続ID (the survey's 国の手続ID, or a procedure imported from the inventory):
  the codes 引越し, 出生・こども, 死亡・相続, 結婚・離婚, 介護, 妊娠 map to the events below
  (:data:`INVENTORY_EVENT_CODES`);
- the default set (:data:`DEFAULT_EVENTS`): for the common events, the procedures a
  citizen usually files, found by name, with the share of event cases needing each. Shares
  no publication gives are 提案値 with their reasoning.

A project may store its own events (``bpr_studio.life_event_store``); they replace the
defaults. :func:`validate_events` refuses shares outside 0–100 % and unknown procedure IDs,
naming the field.

>>> INVENTORY_EVENT_CODES["死亡・相続"]
'death'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis import sources as S
from analysis.sources import PROPOSAL, Source
from bpr_studio.messages import BilingualError

INVENTORY_EVENTS_FILE = Path(__file__).resolve().parent / "data" / "inventory_life_events.csv"
INVENTORY_EVENT_CODES = {"引越し": "moving_in", "出生・こども": "birth", "死亡・相続": "death",
                         "結婚・離婚": "marriage", "介護": "care", "妊娠": "pregnancy"}
# A procedure the inventory puts in an event but the default set does not name: most event
# cases do not need it (the inventory lists e.g. 在外選挙人名簿 under 引越し).
INVENTORY_MEMBER_SHARE = 0.05
# Fields every personal form asks for. The inventory's 申請書等に記載させる情報 itemises only
# identifiers (マイナンバー, 法人番号, 代表者…) and puts the rest under その他の情報, so the
# person's name, address and date of birth are the proposal for a form that names no field.
PERSONAL_FIELDS = ("氏名", "住所", "生年月日")
_FIELD_FROM_INVENTORY = {"マイナンバー": "マイナンバー", "役員氏名（代表者含む）": "氏名",
                         "代表者住所": "住所", "本店又は主たる事務所の所在地": "住所"}


@dataclass(frozen=True)
class MemberDefault:
    """A procedure of a default event, found by name (a regular expression)."""

    pattern: str
    share: float
    reasoning: str
    source: Source | None = None

    def source_text(self) -> str:
        """The publication in short (its full citation: :data:`MEMBER_SOURCES`), or 提案値
        with the reasoning."""
        if self.source:
            return f"{self.source.short(url=False)} {self.source.title}: {self.reasoning}"
        return f"{PROPOSAL}: {self.reasoning}"


@dataclass(frozen=True)
class EventDefault:
    key: str
    ja: str
    en: str
    anchor: str                    # name pattern of the procedure whose cases count the events
    members: tuple[MemberDefault, ...]
    one_stop_ja: str = "ワンストップ窓口"
    # Inventory matches left out: 引越し also codes what happens on moving out.
    exclude: str = r"(?!)"


def _m(pattern: str, share: float, reasoning: str, source: Source | None = None) -> MemberDefault:
    return MemberDefault(pattern, share, reasoning, source)


DEFAULT_EVENTS: tuple[EventDefault, ...] = (
    EventDefault("moving_in", "転入（引越し）", "Moving in", r"^転入届", exclude=r"転出|喪失|消滅|返還|廃止", members=(
        _m(r"^転入届", 1.0, "転入する世帯はすべて届け出る（住民基本台帳法第22条）"),
        _m(r"(マイナンバー|個人番号)カード.*(継続|住所|記載事項)", 0.75,
           "カード保有者は券面の住所変更が必要", S.MYNUMBER_CARD),
        _m(r"国民健康保険.*(資格取得|加入)", 0.25, "国保加入者は人口の約2割強（被用者保険・後期高齢以外）"),
        _m(r"後期高齢者医療.*(資格取得|加入|転入)", 0.05, "転入者に75歳以上は少ない"),
        _m(r"国民年金.*(住所|資格取得|種別)", 0.15, "第1号被保険者の世帯"),
        _m(r"児童手当.*認定請求", 0.3, "15歳以下の子のいる転入世帯"),
        _m(r"保育.*利用申込", 0.06, "就学前の子で保育を申し込む世帯"),
        _m(r"(転入学|就学)", 0.15, "小中学生のいる転入世帯"),
        _m(r"介護保険.*(資格取得|加入)|^被保険者資格取得", 0.08, "65歳以上の転入者"),
        _m(r"住所移転後.*認定", 0.01, "要介護認定を受けたまま転入する人"),
        _m(r"印鑑登録$", 0.1, "転入時に印鑑登録をし直す人"),
    )),
    EventDefault("birth", "出生", "Birth", r"^出生届", (
        _m(r"^出生届", 1.0, "出生はすべて届け出る（戸籍法第49条）"),
        _m(r"児童手当.*認定請求", 0.95, "受給者（父母）の申請; 公務員等は勤務先"),
        _m(r"(子ども|乳幼児|こども).*医療", 0.95, "子ども医療費助成の受給者証"),
        _m(r"国民健康保険.*(資格取得|加入)", 0.2, "国保世帯に生まれた子"),
        _m(r"児童手当.*額.*改定", 0.3, "第2子以降で額が変わる世帯"),
    )),
    EventDefault("death", "おくやみ（死亡・相続）", "Bereavement", r"^死亡届", (
        _m(r"^死亡届", 0.2, "死亡届は葬祭業者が代わりに出すことが多く、遺族の来庁の時に出すのは一部"),
        _m(r"後期高齢者医療.*(資格喪失|喪失|葬祭費)", 0.75, "亡くなる人の多くは75歳以上"),
        _m(r"国民健康保険.*(資格喪失|喪失|葬祭費)", 0.2, "75歳未満の国保加入者"),
        _m(r"葬祭費", 0.85, "国保・後期高齢の加入者の葬祭を行った人"),
        _m(r"介護保険.*(資格喪失|喪失)|^被保険者資格喪失", 0.9, "65歳以上の被保険者証の返還"),
        _m(r"(未支給|遺族).*年金|年金.*死亡", 0.6, "年金受給者の未支給年金・死亡の届出"),
        _m(r"世帯主.*変更|世帯.*変更", 0.3, "世帯主が亡くなり、世帯に他の人が残る"),
        _m(r"相続人.*代表者", 0.5, "固定資産・市県民税の相続人代表者の指定"),
        _m(r"印鑑登録.*(廃止|返還)", 0.3, "印鑑登録証の返還"),
        _m(r"戸籍謄抄本", 0.6, "相続・銀行手続のための戸籍"),
        _m(r"除票", 0.3, "相続・保険金のための住民票の除票"),
        _m(r"児童手当.*(受給事由消滅|消滅)", 0.01, "受給者が亡くなった世帯"),
    ), one_stop_ja="おくやみコーナー"),
    EventDefault("marriage", "結婚・離婚", "Marriage / divorce", r"^婚姻届", (
        _m(r"^婚姻届", 1.0, "婚姻はすべて届け出る（戸籍法第74条）"),
        _m(r"(マイナンバー|個人番号)カード.*(継続|住所|記載事項)", 0.75, "氏の変わる人の券面変更",
           S.MYNUMBER_CARD),
        _m(r"国民健康保険.*(資格取得|資格喪失|加入)", 0.1, "扶養に入る・外れる"),
        _m(r"国民年金.*(住所|資格取得|種別)", 0.2, "第3号への種別変更"),
        _m(r"印鑑登録$", 0.1, "氏の変更で登録し直す"),
    )),
    EventDefault("care", "介護", "Long-term care", r"^要介護・要支援認定の申請", (
        _m(r"^要介護・要支援認定の申請", 1.0, "新規の認定申請"),
        _m(r"居宅.*サービス計画作成依頼", 0.7, "在宅サービスを使う人"),
        _m(r"負担限度額認定", 0.1, "施設入所で低所得の人"),
        _m(r"福祉用具購入費", 0.2, "福祉用具を買う人"),
        _m(r"住宅改修費", 0.1, "手すり等の改修をする人"),
    )),
    EventDefault("pregnancy", "妊娠", "Pregnancy", r"^妊娠の届出", (
        _m(r"^妊娠の届出", 1.0, "母子健康手帳の交付"),
        _m(r"(支給認定|保育.*利用申込)", 0.1, "上の子の保育を申し込む世帯"),
    )),
)
DEFAULTS_BY_KEY = {e.key: e for e in DEFAULT_EVENTS}
# Every publication a default share or membership rests on, cited in full once.
MEMBER_SOURCES: tuple[Source, ...] = (S.MYNUMBER_CARD, S.INVENTORY)


@dataclass(frozen=True)
class EventMember:
    procedure_id: str
    share: float                # 0–1: share of the event's cases that need this procedure
    matched: str                # what put it in the event (name pattern, inventory code, user)
    source: str = ""            # the share's publication, or 提案値 with its reasoning


@dataclass(frozen=True)
class LifeEvent:
    key: str
    name: str                   # Japanese, shown in the app and report
    name_en: str
    events_per_year: float
    members: tuple[EventMember, ...]
    anchor_procedure_id: str | None = None
    one_stop_name: str = "ワンストップ窓口"
    origin: str = "default"     # default | project
    notes: list[str] = field(default_factory=list, compare=False)


class EventDataError(BilingualError):
    """Event data that cannot be used; the message names the field (or file cell)."""


@lru_cache(maxsize=1)
def inventory_events() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """手続ID → (the life-event codes, the form's fields) of the national inventory extract."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    if not INVENTORY_EVENTS_FILE.exists():
        return out
    with INVENTORY_EVENTS_FILE.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(lines):
            events = tuple(e.strip() for e in row["手続が行われるイベント(個人)"].split(";"))
            fields = tuple(f.strip() for f in row["申請書等に記載させる情報"].split(";") if f.strip())
            out[row["手続ID"]] = (events, fields)
    return out


def form_fields(national_id: str | None, stated: str | None = None) -> tuple[str, ...]:
    """The fields a form asks for: the survey's 申請書の記載事項 if given, else the person's
    name, address and date of birth plus what the inventory itemises for the 手続ID.

    >>> form_fields(None, "氏名; 住所")
    ('氏名', '住所')
    >>> form_fields("48398")
    ('氏名', '住所', '生年月日', 'マイナンバー')
    """
    if stated and str(stated).strip():
        return tuple(dict.fromkeys(f.strip() for f in re.split(r"[;；、,，]", str(stated))
                                   if f.strip()))
    fields = list(PERSONAL_FIELDS)
    for item in inventory_events().get(str(national_id or ""), ((), ()))[1]:
        mapped = _FIELD_FROM_INVENTORY.get(item)
        if mapped and mapped not in fields:
            fields.append(mapped)
    return tuple(fields)


def _national_id(row: dict[str, Any]) -> str:
    stated = row.get("national_id")
    if isinstance(stated, str) and stated.strip():
        return stated.strip()
    pid = str(row.get("procedure_id", ""))
    return pid if pid in inventory_events() else ""


def resolve_default_events(procedures: list[dict[str, Any]]) -> list[LifeEvent]:
    """The default events of a project: members found by name (the default set) and by the
    inventory code of their 手続ID. Events with none of their procedures are left out.

    ``procedures``: records with procedure_id, name, annual_cases and (optional) national_id.
    """
    codes = inventory_events()
    cases = {str(r["procedure_id"]): float(r.get("annual_cases") or 0) for r in procedures}
    events = []
    for default in DEFAULT_EVENTS:
        members: dict[str, EventMember] = {}
        for member in default.members:
            regex = re.compile(member.pattern)
            for row in procedures:
                pid = str(row["procedure_id"])
                if pid not in members and regex.search(str(row["name"])):
                    members[pid] = EventMember(pid, member.share,
                                               f"名称「{row['name']}」～ {member.pattern}",
                                               member.source_text())
        for row in procedures:
            pid, nid = str(row["procedure_id"]), _national_id(row)
            if pid in members or not nid:
                continue
            found = [c for c in codes.get(nid, ((), ()))[0]
                     if INVENTORY_EVENT_CODES.get(c) == default.key]
            if re.search(default.exclude, str(row["name"])):
                continue
            if found:
                members[pid] = EventMember(
                    pid, INVENTORY_MEMBER_SHARE, f"全国手続ID {nid}: {found[0]}",
                    f"{PROPOSAL}: 悉皆調査がこのイベントの手続としているが既定の一覧にない"
                    f"（{S.INVENTORY.short(url=False)}）")
        if not members:
            continue
        anchor_regex = re.compile(default.anchor)
        anchor = next((r for r in procedures if anchor_regex.search(str(r["name"]))), None)
        if anchor is not None:
            per_year = cases[str(anchor["procedure_id"])]
        else:   # the busiest member's cases over its share
            per_year = max(cases[m.procedure_id] / max(m.share, 1e-9) for m in members.values())
        events.append(LifeEvent(default.key, default.ja, default.en, per_year,
                                tuple(members.values()),
                                str(anchor["procedure_id"]) if anchor is not None else None,
                                default.one_stop_ja))
    return events


def validate_events(events: list[LifeEvent], procedure_ids: set[str]) -> None:
    """Refuse events that cannot be simulated, naming the event and field.

    >>> try:
    ...     validate_events([LifeEvent("x", "転入", "x", 10, (EventMember("P1", 1.5, "u"),))], {"P1"})
    ... except EventDataError as error:
    ...     print(error.message("en"))
    Life event 転入, procedure P1: share 150% is outside 0–100%
    """
    for event in events:
        if not event.name.strip():
            raise EventDataError("ライフイベントの名前が空です", "A life event has no name")
        if not event.events_per_year >= 0:
            raise EventDataError(f"ライフイベント {event.name}: 年間件数 {event.events_per_year} は0以上にしてください",
                                 f"Life event {event.name}: events a year {event.events_per_year} must be ≥ 0")
        for member in event.members:
            if member.procedure_id not in procedure_ids:
                raise EventDataError(
                    f"ライフイベント {event.name}: 手続ID {member.procedure_id} はプロジェクトにありません",
                    f"Life event {event.name}: procedure ID {member.procedure_id} is not in the project")
            if not 0.0 <= member.share <= 1.0:
                raise EventDataError(
                    f"ライフイベント {event.name}、手続 {member.procedure_id}: "
                    f"割合 {member.share:.0%} は0～100%の範囲外です",
                    f"Life event {event.name}, procedure {member.procedure_id}: share "
                    f"{member.share:.0%} is outside 0–100%")
