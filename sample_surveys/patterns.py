"""Step patterns shared by the sample surveys and the synthetic generator.

A pattern is the typical flow of one kind of procedure in a city hall, written as
survey rows (Japanese labels, as a section would type them). ``scale`` stretches the
staff minutes; the min/max spread follows what sections report (about -40 % / +80 %).
"""

from __future__ import annotations

from typing import Any


def _step(no: int, name: str, actor: str, kind: str, minutes: float, *, next_steps: str = "",
          medium: str = "紙", manual: bool = False, seal: bool = False, share: float | None = None,
          wait_days: float = 0, staff: str = "正規職員", spread: tuple[float, float] = (0.6, 1.8),
          burdens: tuple[int | None, int | None, int | None] = (None, None, None)) -> dict[str, Any]:
    low, high = spread
    return {
        "step_no": no, "name": name, "actor": actor, "work_kind": kind,
        "min_minutes": round(minutes * low, 1), "typical_minutes": round(minutes, 1),
        "max_minutes": round(minutes * high, 1), "share_pct": share, "next_steps": next_steps or None,
        "medium": medium, "manual_entry": "○" if manual else "×", "seal": "○" if seal else "×",
        "physical_burden": burdens[0], "cognitive_burden": burdens[1],
        "psychological_burden": burdens[2], "wait_days": wait_days or None,
        "staff_category": staff if actor not in ("市民", "システム", "外部機関") else None,
    }


def certificate(scale: float = 1.0, seal: bool = False, counter_staff: str = "会計年度任用職員"
                ) -> list[dict[str, Any]]:
    """Certificate issued at the counter the same day (住民票の写し, 税証明 …)."""
    s = scale
    return [
        _step(1, "交付申請書の記入", "市民", "記入", 5 * s, seal=seal, burdens=(None, 2, 2)),
        _step(2, "受付・本人確認", "窓口職員", "受付", 3 * s, next_steps="3(95%); 1(5%)",
              staff=counter_staff),
        _step(3, "システムで検索・証明書発行", "担当職員", "入力", 2 * s, manual=True,
              medium="電子", staff=counter_staff),
        _step(4, "記載内容・交付要件の確認", "担当職員", "確認・審査", 1.5 * s),
        _step(5, "手数料の収納", "窓口職員", "受付", 1.5 * s, staff=counter_staff),
        _step(6, "証明書の交付", "窓口職員", "交付・通知", 1 * s, staff=counter_staff),
        _step(7, "申請書の保管", "担当職員", "保管・ファイリング", 0.5 * s),
    ]


def notification(scale: float = 1.0, seal: bool = False, approval: bool = False,
                 linked_sections: int = 0) -> list[dict[str, Any]]:
    """A notification (届出) entered into the core system (転入, 出生 …)."""
    s = scale
    steps = [
        _step(1, "届出書の記入", "市民", "記入", 10 * s, seal=seal, burdens=(None, 3, 2)),
        _step(2, "受付・本人確認・記載内容の聞き取り", "窓口職員", "受付", 8 * s,
              next_steps="3(90%); 1(10%)", burdens=(None, None, 3)),
        _step(3, "基幹システムへの入力", "担当職員", "入力", 10 * s, manual=True, medium="電子"),
        _step(4, "入力内容の照合（読み合わせ）", "担当職員", "確認・審査", 5 * s,
              next_steps="5(93%); 3(7%)"),
    ]
    no = 5
    if approval:
        steps.append(_step(no, "決裁", "決裁者", "決裁", 3 * s, seal=True, wait_days=1))
        no += 1
    for k in range(linked_sections):
        steps.append(_step(no, f"関係課への連絡票の作成・回付（{k + 1}）", "担当職員",
                           "移動・運搬", 4 * s, burdens=(2, None, None)))
        no += 1
    steps.append(_step(no, "届書の保管", "担当職員", "保管・ファイリング", 2 * s))
    return steps


def application(scale: float = 1.0, seal: bool = True, rework_pct: float = 12,
                mail: bool = True, external: bool = False, field_visit: bool = False,
                wait_days: float = 10) -> list[dict[str, Any]]:
    """An application judged by staff and approved (認定申請, 支給申請 …)."""
    s = scale
    steps = [
        _step(1, "申請書・添付書類の準備と記入", "市民", "記入", 30 * s, seal=seal,
              burdens=(None, 3, 3)),
        _step(2, "受付・書類確認", "窓口職員", "受付", 10 * s),
        _step(3, "審査（要件・添付書類の確認）", "担当職員", "確認・審査", 20 * s,
              next_steps=f"4({100 - rework_pct:g}%); 1({rework_pct:g}%)", burdens=(None, 4, 3)),
        _step(4, "システムへの手入力", "担当職員", "入力", 12 * s, manual=True, medium="電子"),
    ]
    no = 5
    if external:
        steps.append(_step(no, "外部機関への照会・意見書依頼", "外部機関", "待ち", 0,
                           wait_days=14, medium="紙"))
        no += 1
    if field_visit:
        steps.append(_step(no, "現地調査", "担当職員", "移動・運搬", 60 * s,
                           burdens=(4, 2, 2), wait_days=5))
        no += 1
    steps += [
        _step(no, "起案", "担当職員", "決裁", 10 * s),
        _step(no + 1, "決裁（紙の回付）", "決裁者", "決裁", 5 * s, seal=True,
              wait_days=wait_days * 0.3),
        _step(no + 2, "決定通知書の作成・送付", "担当職員", "郵送" if mail else "交付・通知",
              8 * s),
        _step(no + 3, "書類の保管", "担当職員", "保管・ファイリング", 3 * s),
    ]
    return steps


def report_by_phone(scale: float = 1.0) -> list[dict[str, Any]]:
    """A citizen's report (通報) handled in the field: road damage, illegal dumping."""
    s = scale
    return [
        _step(1, "電話・来庁での通報", "市民", "記入", 10 * s, medium="口頭", burdens=(None, 2, 2)),
        _step(2, "聞き取り・受付簿への記入", "担当職員", "受付", 10 * s, medium="紙",
              burdens=(None, 2, 3)),
        _step(3, "現地確認", "担当職員", "移動・運搬", 60 * s, burdens=(4, 2, 2), wait_days=2),
        _step(4, "対応方法の判断", "担当職員", "確認・審査", 15 * s,
              next_steps="5(70%); 6(30%)"),
        _step(5, "業者への補修依頼", "担当職員", "交付・通知", 15 * s, next_steps="6",
              wait_days=7),
        _step(6, "対応結果の入力・報告", "担当職員", "入力", 10 * s, manual=True, medium="電子"),
    ]


def booking(scale: float = 1.0) -> list[dict[str, Any]]:
    """A booking or simple request by phone (粗大ごみ, 予約 …)."""
    s = scale
    return [
        _step(1, "電話での申込", "市民", "記入", 8 * s, medium="口頭"),
        _step(2, "聞き取り・受付", "窓口職員", "受付", 6 * s, medium="口頭",
              staff="会計年度任用職員", burdens=(None, None, 3)),
        _step(3, "予約システムへの入力", "窓口職員", "入力", 4 * s, manual=True, medium="電子",
              staff="会計年度任用職員"),
        _step(4, "受付番号・手数料の案内", "窓口職員", "交付・通知", 2 * s, medium="口頭",
              staff="会計年度任用職員"),
    ]


PATTERNS = {
    "certificate": certificate,
    "notification": notification,
    "application": application,
    "report": report_by_phone,
    "booking": booking,
}
