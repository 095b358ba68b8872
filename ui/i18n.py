"""UI text in Japanese (default) and English. ``tr("key")`` returns the current language."""

from __future__ import annotations

_LANG = "ja"

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("BPR Studio", "BPR Studio"),
    "menu_file": ("ファイル(&F)", "&File"),
    "new_project": ("新規プロジェクト(&N)...", "&New project..."),
    "open_project": ("開く(&O)...", "&Open..."),
    "recent": ("最近使ったプロジェクト", "Recent projects"),
    "import_surveys": ("調査票を取り込む(&I)...", "&Import surveys..."),
    "save_template": ("調査票のひな形を保存(&T)...", "Save survey &template..."),
    "export_report": ("報告書（Excel）を出力(&R)...", "Export &report (Excel)..."),
    "choose_scenario": ("シナリオ:", "Scenario:"),
    "report_running": ("報告書を作成しています…", "Writing the report…"),
    "report_saved": ("報告書を保存しました: {path}", "Report saved: {path}"),
    "quit": ("終了(&X)", "E&xit"),
    "menu_help": ("ヘルプ(&H)", "&Help"),
    "about": ("BPR Studio について", "About BPR Studio"),
    "nav_dashboard": ("ダッシュボード", "Dashboard"),
    "nav_survey": ("調査データ", "Survey data"),
    "nav_procedure": ("手続", "Procedure"),
    "nav_flow": ("業務フロー", "Process flow"),
    "nav_scenario": ("シナリオ", "Scenario"),
    "nav_comparison": ("比較", "Comparison"),
    "nav_procedures": ("手続", "Procedures"),
    "dashboard_title": ("現状（As-Is）の全体像", "The as-is city at a glance"),
    "card_staff_hours": ("職員の作業時間", "Staff hours"),
    "card_fte": ("人工（職員の人数換算）", "FTE"),
    "card_staff_yen": ("人件費等", "Staff cost"),
    "card_citizen_hours": ("市民が手続に使う時間", "Citizen hours"),
    "card_visits": ("市民の来庁", "Counter visits"),
    "card_procedures": ("調査した手続", "Procedures surveyed"),
    "readiness": ("オンライン化の難易度", "Online readiness"),
    "as_is": ("現状", "As-is"), "to_be": ("改善後", "To-be"),
    "scenario": ("シナリオ:", "Scenario:"), "new_scenario": ("新しいシナリオ...", "New scenario..."),
    "scenario_name": ("シナリオ名:", "Scenario name:"),
    "measure": ("施策", "Measure"), "max_level": ("レベル上限", "Max level"),
    "min_cases": ("件数下限", "Min cases/yr"), "applied_to": ("適用", "Applied"),
    "only_procedures": ("対象の手続ID（指定時のみ）", "Only these procedure IDs"),
    "parameter": ("パラメータ", "Parameter"), "range": ("範囲", "Range"),
    "parameters_title": ("パラメータ（値を変えるとこのシナリオに保存。黄色は既定値から変更）",
                         "Parameters (edits are saved in this scenario; yellow = changed)"),
    "needs_steps": ("工程を指定する施策はコマンド（bpr-studio scenario）で設定します。",
                    "Step-level measures are set with 'bpr-studio scenario'."),
    "run_simulation": ("シミュレーション実行", "Run simulation"),
    "replications": ("回数", "Replications"), "seed": ("乱数シード", "Seed"),
    "applied_count": ("{n} 手続に適用（{refused} 手続は対象外）", "{n} procedures ({refused} refused)"),
    "deltas": ("改善後の削減（年）: 職員 {hours:,.0f} 時間（{fte:,.1f} 人工、{yen:,.1f} 百万円）、"
               "来庁 {visits:,.0f} 回、市民 {citizen:,.0f} 時間",
               "Savings a year: staff {hours:,.0f} h ({fte:,.1f} FTE, ¥{yen:,.1f}M), "
               "{visits:,.0f} visits, citizens {citizen:,.0f} h"),
    "range_note": ("／{n}回のシミュレーションで職員時間の削減は {p5:,.0f}～{p95:,.0f} 時間（P5～P95）",
                   "/ over {n} replications staff hours saved {p5:,.0f}–{p95:,.0f} (P5–P95)"),
    "tab_charts": ("グラフ", "Charts"), "tab_top20": ("どこから始めるか（上位20）", "Where to start (top 20)"),
    "tab_counters": ("窓口の待ち時間", "Counter waits"), "tab_distribution": ("削減の分布", "Distribution"),
    "source_prompt": ("この値の出典（報告書に載ります）:", "Source of this value (shown in the report):"),
    "changed_in_app": ("アプリで変更", "changed in the app"),
    "menu_edit": ("編集(&E)", "&Edit"), "undo": ("元に戻す", "Undo"), "redo": ("やり直し", "Redo"),
    "save_as": ("名前を付けて保存(&A)...", "Save &As..."),
    "loading": ("読み込み中…", "Loading…"),
    "chart_levels": ("オンライン化レベル別の手続数", "Procedures by readiness level"),
    "chart_level_n": ("レベル{n}", "Level {n}"),
    "chart_sections": ("課別の職員の作業時間（上位12）", "Staff hours by section (top 12)"),
    "chart_top": ("職員の作業時間が多い手続（上位15）", "Procedures with the most staff hours (top 15)"),
    "hours_per_year": ("時間/年", "hours/yr"),
    "chart_waterfall_unit": ("職員の人件費等（百万円/年）", "Staff cost (¥M/yr)"),
    "chart_saved_hours": ("職員時間の削減（時間/年）", "Staff hours saved (h/yr)"),
    "other_measure": ("その他", "other"),
    "menu_view": ("表示(&V)", "&View"), "language": ("言語 / Language", "Language / 言語"),
    "language_restart": ("次回の起動から切り替わります。", "The language changes the next time the app starts."),
    "nav_quality": ("データ品質", "Data quality"),
    "nav_assumptions": ("前提条件", "Assumptions"),
    "unit_costs_title": ("単価（既定値と出典）", "Unit costs (defaults and sources)"),
    "burden_title": ("負担の既定値（作業の種類別, 0～4）", "Default burden ratings by kind of work (0–4)"),
    "rubric_title": ("オンライン化レベルの採点基準", "Online-readiness rubric"),
    "col_key": ("項目", "Item"), "col_value_num": ("値", "Value"), "col_unit": ("単位", "Unit"),
    "col_source": ("出典", "Source"), "col_changed": ("変更", "Changed"),
    "col_kind": ("作業の種類", "Kind of work"), "col_physical": ("肉体的", "Physical"),
    "col_cognitive": ("頭脳的", "Cognitive"), "col_psychological": ("精神的", "Psychological"),
    "col_reason": ("理由", "Reason"), "col_axis": ("軸", "Axis"), "col_scores": ("点数", "Scores"),
    "filter_placeholder": ("手続名・ID・課で絞り込み", "Filter by name, ID or section"),
    "all_sections": ("すべての課", "All sections"),
    "all_levels": ("すべてのレベル", "All levels"),
    "level_n": ("レベル{n}", "Level {n}"),
    "all_categories": ("すべての分類", "All categories"),
    "add_procedure": ("手続を追加...", "Add procedure..."),
    "export_section": ("課の調査票を書き出す...", "Export section survey..."),
    "choose_section_first": ("先に課を選んでください。", "Choose a section first."),
    "steps_hint": ("工程（1行に1工程。実施者・作業の種類は一覧の名称、時間は「30分」も可）",
                   "Steps (one per row; actor and kind by their names; minutes like 30 or 30分)"),
    "steps_of": ("工程: {name}", "Steps: {name}"),
    "no_selection": ("手続を選ぶと工程が表示されます", "Select a procedure to see its steps"),
    "status_loaded": ("{name} — 手続 {procedures:,} 件、工程 {steps:,} 件",
                      "{name} — {procedures:,} procedures, {steps:,} steps"),
    "project_filter": ("BPR Studio プロジェクト (*.bprproj)", "BPR Studio project (*.bprproj)"),
    "survey_filter": ("調査票 (*.xlsx *.xlsm *.xls *.csv)", "Surveys (*.xlsx *.xlsm *.xls *.csv)"),
    "excel_filter": ("Excel ブック (*.xlsx)", "Excel workbook (*.xlsx)"),
    "open_failed": ("プロジェクトを開けません", "Cannot open the project"),
    "template_saved": ("ひな形を保存しました: {path}", "Template saved: {path}"),
    "quality_count": ("未解決の警告 {n} 件", "{n} open warnings"),
    # import dialog
    "import_title": ("調査票の取り込み", "Import surveys"),
    "add_files": ("ファイルを追加...", "Add files..."),
    "add_folder": ("フォルダを追加...", "Add folder..."),
    "check": ("検査する", "Check"),
    "import": ("取り込む", "Import"),
    "cancel": ("キャンセル", "Cancel"),
    "close": ("閉じる", "Close"),
    "checking": ("検査中: {label}", "Checking: {label}"),
    "writing": ("プロジェクトに書き込んでいます...", "Writing to the project..."),
    "cancelled": ("キャンセルしました。プロジェクトは変更していません。",
                  "Cancelled. The project was not changed."),
    "show_all": ("すべて", "All"),
    "show_errors": ("エラーのみ", "Errors only"),
    "show_warnings": ("警告のみ", "Warnings only"),
    "col_severity": ("重要度", "Severity"),
    "col_file": ("ファイル", "File"),
    "col_sheet": ("シート", "Sheet"),
    "col_cell": ("セル", "Cell"),
    "col_message": ("内容", "Message"),
    "col_value": ("入力値", "Value"),
    "report_errors": ("エラーが {errors} 件あります。直してから取り込んでください（何も書き込んでいません）。"
                      "手続IDの重複は、採用するファイルにチェックを付けて再検査できます。",
                      "{errors} error(s). Fix them and check again (nothing was written)."),
    "report_ok": ("取り込めます: {sections} の手続 {procedures} 件、工程 {steps} 件（警告 {warnings} 件）。",
                  "Ready: {procedures} procedures, {steps} steps of {sections} ({warnings} warnings)."),
    "imported": ("取り込みました。", "Imported."),
    "failed": ("処理に失敗しました", "The task failed"),
    "prefer_tip": ("チェックしたファイルは、同じ手続IDが別のファイルにもあるとき優先して取り込みます。",
                   "A checked file wins when the same procedure ID is in another file too."),
    "row_detail": ("{file} の {place}", "{place} in {file}"),
}

PROCEDURE_COLUMNS: dict[str, tuple[str, str]] = {
    "procedure_id": ("手続ID", "ID"), "name": ("手続名", "Name"), "section": ("課", "Section"),
    "category": ("分類", "Category"), "annual_cases": ("年間件数", "Annual cases"),
    "online_cases": ("うちオンライン", "Online"), "fee_yen": ("手数料(円)", "Fee (yen)"),
    "identity_check": ("本人確認", "Identity check"),
    "attachment_kind": ("添付書類", "Attachments"), "visit_required": ("来庁", "Visit"),
    "level": ("レベル", "Level"), "staff_time_h": ("職員 時間/年", "Staff h/yr"),
    "staff_economic_yen": ("職員 円/年", "Staff yen/yr"), "staff_fte": ("人工", "FTE"),
    "citizen_time_h": ("市民 時間/年", "Citizen h/yr"), "citizen_visits": ("来庁 回/年", "Visits/yr"),
    "level_reasons": ("レベルの理由", "Level reasons"),
}
STEP_COLUMNS: dict[str, tuple[str, str]] = {
    "step_no": ("No", "No"), "name": ("工程名", "Step"), "actor": ("実施者", "Actor"),
    "work_kind": ("作業の種類", "Kind"), "min_minutes": ("最短(分)", "Min (min)"),
    "typical_minutes": ("標準(分)", "Typical (min)"), "max_minutes": ("最長(分)", "Max (min)"),
    "next_steps": ("次工程", "Next"), "medium": ("媒体", "Medium"),
    "manual_entry": ("手入力", "Manual entry"), "seal": ("押印", "Seal"),
    "wait_days": ("待ち日数", "Wait (days)"),
}


def set_language(lang: str) -> None:
    global _LANG
    _LANG = "en" if lang == "en" else "ja"


def language() -> str:
    return _LANG


def tr(key: str, **params: object) -> str:
    ja, en = TEXT[key]
    text = ja if _LANG == "ja" else en
    return text.format(**params) if params else text


def column_label(columns: dict[str, tuple[str, str]], key: str) -> str:
    ja, en = columns[key]
    return ja if _LANG == "ja" else en
