"""Online-readiness level 1–4 (オンライン化の難易度), with the reasons that set it.

Four axes are scored from a procedure's coded fields and summed; the sum maps to a
level, and any axis at its maximum forces level 4. Scores and thresholds are data
(:class:`ReadinessRubric`), starting from the plan's proposal in ``domain.md`` and
calibrated on the national inventory's training half (``python -m
benchmarks.calibrate_readiness``; docs/cost-model.md, section 6):

- legal: 0 the city's own 要綱/規則 (or none); 1 the city's 条例, or national law or
  ministerial ordinance that does not forbid online filing; 3 a legal requirement for
  paper, face to face or an original. (The proposal gave national law 2 points; but the
  digital-procedure law allows online filing of any law-based procedure the law does not
  forbid, and in the national inventory such procedures are the most often online —
  see docs/cost-model.md.)
- identity: 0 none; 1 signature or a plain seal; 2 ID document (→ My Number Card login);
  3 registered seal + certificate, or a JPKI signature;
- attachments: 0 none or obtainable by data linkage; 1 a copy/image; 2 a certificate from
  another body; 3 a paper original;
- fee: 0 none; 1 payable online or cashless; 2 cash, revenue stamp or a reduction judgement.

Sum ≤ 3 → level 1, ≤ 5 → 2, ≤ 8 → 3; an axis at 3 → 4. The plan's first bound was 2: in
the inventory a national-law procedure whose only other obstacle is the identity check
(sum 3; online that is the My Number Card login) is as often online as those with nothing
in the way (70 % vs 68–72 % of 実施済 among 実施済/未実施), while one more point drops it to
48 %. Every level is shown with the points of each axis that set it.

>>> rubric = ReadinessRubric()
>>> result = score_procedure(rubric, {"legal_basis": "law", "identity_check": "id_document",
...                                   "attachment_kind": "none", "fee_yen": 300})
>>> result.level, result.text("en")
(2, 'level 2 (5 points): ID document required 2, fee paid in cash 2, based on national law 1')
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

AXES = ("legal", "identity", "attachments", "fee")


@dataclass(frozen=True)
class ReadinessRubric:
    legal: dict[str, int] = field(default_factory=lambda: {
        "none": 0, "regulation": 0, "ordinance": 1, "law": 1, "ministerial": 1,
        "requirement": 3, "unknown": 2})
    identity: dict[str, int] = field(default_factory=lambda: {
        "none": 0, "signature": 1, "seal": 1, "id_document": 2, "registered_seal": 3, "jpki": 3,
        "unknown": 1})
    attachments: dict[str, int] = field(default_factory=lambda: {
        "none": 0, "linkable": 0, "image": 1, "certificate": 2, "original": 3, "unknown": 1})
    fee: dict[str, int] = field(default_factory=lambda: {
        "none": 0, "online": 1, "cashless": 1, "cash": 2, "stamp": 2, "reduction": 2})
    # Upper bounds of the summed score for levels 1, 2 and 3; above the last → level 4.
    # The plan proposed (2, 5, 8); level 1 reaches 3 after the national inventory (above).
    thresholds: tuple[int, int, int] = (3, 5, 8)
    axis_max_forces_level_4: bool = True
    # A publication, not a file name: this line is shown in the app and the report.
    source: str = ("市のDX推進計画（2022年・2024年改定）の難易度4段階（法的根拠・添付書類・手数料）に"
                   "本人確認を加えた4軸の合計を、「行政手続等の悉皆調査結果」（デジタル庁、令和6年度、"
                   "https://www.digital.go.jp/resources/procedures-survey-results）の市町村の申請手続"
                   "1,599件で較正：国の法令は2点→1点、レベル1の上限は2点→3点")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReadinessRubric:
        data = json.loads(text)
        data["thresholds"] = tuple(data["thresholds"])
        return cls(**data)


_REASONS: dict[tuple[str, str], tuple[str, str]] = {
    ("legal", "requirement"): ("法令で書面・対面・原本が必要", "the law requires paper, a meeting or an original"),
    ("legal", "law"): ("国の法令に基づく手続", "based on national law"),
    ("legal", "ministerial"): ("国の省令に基づく手続", "based on a ministerial ordinance"),
    ("legal", "ordinance"): ("市の条例に基づく手続", "based on a city ordinance"),
    ("legal", "unknown"): ("根拠法令の種類が不明", "legal basis unknown"),
    ("identity", "registered_seal"): ("実印と印鑑証明が必要", "registered seal and certificate"),
    ("identity", "jpki"): ("電子署名(JPKI)が必要", "JPKI signature required"),
    ("identity", "id_document"): ("本人確認書類が必要", "ID document required"),
    ("identity", "signature"): ("署名が必要", "signature required"),
    ("identity", "seal"): ("押印が必要", "seal required"),
    ("identity", "unknown"): ("本人確認方法が不明", "identity check unknown"),
    ("attachments", "original"): ("原本の添付が必要", "paper original attached"),
    ("attachments", "certificate"): ("他機関の証明書を添付", "certificate from another body attached"),
    ("attachments", "image"): ("添付書類あり（写し・画像で可）", "attachments (copies accepted)"),
    ("attachments", "unknown"): ("添付書類の種類が不明", "attachments unknown"),
    ("fee", "cash"): ("手数料を現金で納付", "fee paid in cash"),
    ("fee", "stamp"): ("手数料を収入印紙・証紙で納付", "fee paid by revenue stamp"),
    ("fee", "reduction"): ("手数料の減免判断あり", "fee with reduction judgement"),
    ("fee", "online"): ("手数料あり（オンライン決済可）", "fee (payable online)"),
    ("fee", "cashless"): ("手数料あり（キャッシュレス可）", "fee (cashless accepted)"),
}


@dataclass(frozen=True)
class Readiness:
    level: int
    score: int
    axis_scores: dict[str, int]
    reasons_ja: list[str]
    reasons_en: list[str]
    # Points of each reason, in the same order (the axis score that put it there).
    reason_points: list[int] = field(default_factory=list)
    forced: bool = False  # an axis at 3 set level 4 whatever the sum

    def text(self, lang: str = "ja") -> str:
        """E.g. 「レベル2（計5点）：手数料を現金で納付 2点、本人確認書類が必要 2点、…」."""
        ja = lang == "ja"
        reasons = self.reasons_ja if ja else self.reasons_en
        points = self.reason_points or [0] * len(reasons)
        if ja:
            head = f"レベル{self.level}（計{self.score}点{'、3点の項目あり' if self.forced else ''}）"
        else:
            unit = "point" if self.score == 1 else "points"
            head = f"level {self.level} ({self.score} {unit}{', an axis at 3' if self.forced else ''})"
        if not reasons:
            return head + ("：障壁なし" if ja else ": no obstacle")
        parts = [f"{r} {p}点" if ja else f"{r} {p}" for r, p in zip(reasons, points, strict=True)]
        return head + ("：" if ja else ": ") + ("、" if ja else ", ").join(parts)


def axis_values(procedure: dict[str, Any]) -> dict[str, str]:
    """The category of each axis for one procedure (keys of the rubric's tables)."""
    legal_form = procedure.get("legal_form_requirement")
    legal = ("requirement" if legal_form and legal_form != "none"
             else procedure.get("legal_basis") or "unknown")
    identity = procedure.get("identity_check") or "unknown"
    attachments = procedure.get("attachment_kind") or "unknown"
    fee_yen = procedure.get("fee_yen")
    payment = procedure.get("fee_payment")
    has_fee = (fee_yen is not None and not pd.isna(fee_yen) and fee_yen > 0) or bool(payment)
    fee = (payment or "cash") if has_fee else "none"
    return {"legal": legal, "identity": identity, "attachments": attachments, "fee": fee}


def _forced(rubric: ReadinessRubric, axis_scores: dict[str, int]) -> bool:
    """An axis at its maximum of 3 or more (a legal requirement, an original, a registered seal)."""
    maxima = {axis: max(getattr(rubric, axis).values()) for axis in AXES}
    return rubric.axis_max_forces_level_4 and any(
        axis_scores[a] >= maxima[a] and maxima[a] >= 3 for a in AXES)


def level_for(rubric: ReadinessRubric, axis_scores: dict[str, int]) -> tuple[int, int]:
    total = sum(axis_scores.values())
    if _forced(rubric, axis_scores):
        return 4, total
    for level, bound in enumerate(rubric.thresholds, start=1):
        if total <= bound:
            return level, total
    return 4, total


def score_procedure(rubric: ReadinessRubric, procedure: dict[str, Any]) -> Readiness:
    values = axis_values(procedure)
    scores = {axis: getattr(rubric, axis).get(values[axis], getattr(rubric, axis).get("unknown", 0))
              for axis in AXES}
    level, total = level_for(rubric, scores)
    # Reasons: the axes that add to the score, hardest first.
    ranked = sorted((a for a in AXES if scores[a] > 0), key=lambda a: -scores[a])
    reasons = [_REASONS.get((a, values[a]), (values[a], values[a])) for a in ranked]
    return Readiness(level, total, scores, [r[0] for r in reasons], [r[1] for r in reasons],
                     [scores[a] for a in ranked], _forced(rubric, scores))


def score_frame(rubric: ReadinessRubric, procedures: pd.DataFrame) -> pd.DataFrame:
    """Level, score and reasons (ja/en) for every row of a procedures frame.

    Procedures share a handful of factor combinations, so each combination is scored
    once and the result mapped back onto the rows.
    """
    columns = ["legal_basis", "legal_form_requirement", "identity_check", "attachment_kind",
               "fee_yen", "fee_payment"]
    frame = procedures.reindex(columns=columns)
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    keys = [tuple(axis_values(r).values()) for r in records]
    scored = {key: score_procedure(rubric, _procedure_for(key)) for key in set(keys)}
    # Each combination's figures and texts once, then one lookup per row.
    by_key = {key: (r.level, r.score, r.text("ja"), r.text("en")) for key, r in scored.items()}
    rows = [by_key[key] for key in keys]
    return pd.DataFrame({
        "level": np.array([r[0] for r in rows], dtype=int),
        "readiness_score": np.array([r[1] for r in rows], dtype=int),
        "level_reasons_ja": [r[2] for r in rows],
        "level_reasons_en": [r[3] for r in rows],
    }, index=procedures.index)


def _procedure_for(key: tuple[str, ...]) -> dict[str, Any]:
    """A procedure whose axis values are ``key`` (inverse of :func:`axis_values`)."""
    legal, identity, attachments, fee = key
    return {
        "legal_basis": None if legal == "requirement" else legal,
        "legal_form_requirement": "paper" if legal == "requirement" else None,
        "identity_check": identity, "attachment_kind": attachments,
        "fee_yen": 0 if fee == "none" else 1, "fee_payment": None if fee == "none" else fee,
    }
