"""Default burden ratings (0–4) by kind of work, used where the survey leaves a rating blank.

Proposal from the plan (``../shared/guide/domain.md``): moving, carrying and mail are
physical; checking and approval are mental; counter work with complaints is
psychological. Each default carries its reason, shown in the app and the report.
"""

from __future__ import annotations

from dataclasses import dataclass

RATING_MAX = 4


@dataclass(frozen=True)
class BurdenDefault:
    work_kind: str
    physical: int
    cognitive: int
    psychological: int
    reason: str


BURDEN_DEFAULTS: dict[str, BurdenDefault] = {b.work_kind: b for b in (
    BurdenDefault("reception", 1, 2, 3, "窓口での対応は苦情・気遣いを伴う（精神的）"),
    BurdenDefault("filling_in", 1, 3, 2, "記入は様式の理解と判断を要し、誤りへの不安を伴う"),
    BurdenDefault("data_entry", 1, 2, 2, "手入力は定型だが単調で誤入力への気遣いを伴う"),
    BurdenDefault("checking", 0, 3, 2, "確認・審査は判断と規則の解釈を要する（頭脳的）"),
    BurdenDefault("approval", 0, 3, 2, "決裁は判断と責任を伴う（頭脳的）"),
    BurdenDefault("issuing", 1, 1, 1, "交付・通知は定型作業"),
    BurdenDefault("mailing", 2, 1, 1, "封入・発送は手作業（身体的）"),
    BurdenDefault("filing", 2, 1, 1, "書類の保管・運搬は手作業（身体的）"),
    BurdenDefault("moving", 4, 0, 1, "移動・運搬・来庁は身体的負担が大きい"),
    BurdenDefault("waiting", 0, 0, 2, "待ち時間は不安・いら立ちを伴う（精神的）"),
    BurdenDefault("other", 1, 1, 1, "その他の作業の中庸な既定値"),
)}
