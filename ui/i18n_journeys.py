"""UI text of the ライフイベント view (issue 14), merged into ``ui.i18n.TEXT``.

Kept apart so that the life-event strings do not interleave with every other view's.
"""

from __future__ import annotations

JOURNEY_TEXT: dict[str, tuple[str, str]] = {
    "nav_journeys": ("ライフイベント", "Life events"),
    "jv_intro": ("転入・おくやみなどのライフイベントごとに、市民が回る窓口・記入回数・庁舎内の時間を計算します…",
                 "Per life event (moving in, bereavement …): counters visited, forms written, time in the building…"),
    "jv_measures": ("改善後の施策:", "To-be measures:"),
    "jv_summary": ("ライフイベント {events} 件。各欄は「現状 → 改善後（{measures}）」、庁舎内の時間は平均（P5–P95）。",
                   "{events} life events. Each cell: as-is → to-be ({measures}); minutes in the building: mean (P5–P95)."),
    "jv_waiting": ("計算中（イベントごとに市民 {replications} 人）…", "Simulating ({replications} citizens an event)…"),
    "jv_note": ("市民 {replications} 人/イベント、seed {seed}、{fy}年度の開庁日（平日の祝日・年末年始 {holidays} 日は閉庁）。"
                "窓口の待ち時間は、単独の手続とすべてのイベントの来庁をあわせた待ち行列から。P5–P95 は市民ごとのばらつき。",
                "{replications} citizens an event, seed {seed}, the opening days of FY{fy} ({holidays} weekday holidays and "
                "year-end days closed). Waits come from counter queues fed by single procedures and every event "
                "together. P5–P95: the spread over citizens."),
    "jv_export": ("CSVに書き出す…", "Export CSV…"),
    "jv_import": ("CSVから読み込む…", "Import CSV…"),
    "jv_reset": ("既定に戻す", "Back to defaults"),
    "jv_tab_timeline": ("タイムライン", "Timeline"),
    "jv_tab_members": ("対象の手続", "Procedures"),
    "jv_tab_assumptions": ("前提条件と出典", "Assumptions and sources"),
    "jv_col_event": ("イベント", "Event"),
    "jv_col_per_year": ("年間件数", "A year"),
    "jv_col_counters": ("窓口数", "Counters"),
    "jv_col_names": ("氏名の記入(回)", "Name written"),
    "jv_col_addresses": ("住所の記入(回)", "Address written"),
    "jv_col_minutes_as_is": ("庁舎内(分) 現状", "Minutes as-is"),
    "jv_col_minutes_to_be": ("庁舎内(分) 改善後", "Minutes to-be"),
    "jv_col_visits": ("来庁(回)", "Visits"),
    "jv_s_mark": ("番号", "No"),
    "jv_s_side": ("", ""),
    "jv_s_counter": ("窓口", "Counter"),
    "jv_s_share": ("来る割合", "Share who go"),
    "jv_s_write": ("記入(分)", "Writing (min)"),
    "jv_s_wait": ("待ち(分)", "Waiting (min)"),
    "jv_s_service": ("窓口(分)", "Served (min)"),
    "jv_s_names": ("氏名(回)", "Name (×)"),
    "jv_s_addresses": ("住所(回)", "Address (×)"),
    "jv_s_procedures": ("そこでの手続", "Procedures there"),
    "jv_m_id": ("手続ID", "ID"),
    "jv_m_name": ("手続名", "Procedure"),
    "jv_m_share": ("必要な割合", "Share"),
    "jv_m_counter": ("窓口", "Counter"),
    "jv_m_visit": ("来庁", "Visit"),
    "jv_m_matched": ("対象とした理由", "Matched by"),
    "jv_m_source": ("割合の出典", "Source of the share"),
    "jv_a_label": ("前提", "Assumption"),
    "jv_a_value": ("値", "Value"),
    "jv_a_range": ("範囲", "Range"),
    "jv_a_unit": ("単位", "Unit"),
    "jv_a_source": ("出典・根拠", "Source / reasoning"),
}
