"""User-facing messages of the core, in Japanese (default) and English.

Problems are recorded as a key plus parameters, so a report can be shown in either
language after the fact. Parameters are filled with ``str.format``.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # --- files ---------------------------------------------------------------
    "file_missing": ("ファイルが見つかりません（読み込み中に移動・削除された可能性があります）。",
                     "The file cannot be found (it may have been moved or deleted during the import)."),
    "file_unreadable": ("ファイルを開けません: {detail}", "The file cannot be opened: {detail}"),
    "file_not_workbook": ("Excelブックではないか、ファイルが壊れています（{detail}）。",
                          "This is not an Excel workbook, or the file is damaged ({detail})."),
    "file_encrypted": ("パスワードで保護されたブックは読み込めません。Excelで保護を解除して保存し直してください。",
                       "Password-protected workbooks cannot be read. Remove the password in Excel and save again."),
    "file_empty": ("ファイルが空です（0バイト）。", "The file is empty (0 bytes)."),
    "file_type_unsupported": ("対応していない形式です（.xlsx .xlsm .xls .csv .bpmn のみ）。",
                              "Unsupported file type (only .xlsx .xlsm .xls .csv .bpmn)."),
    "csv_encoding": ("文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。",
                     "Cannot tell the text encoding (save as UTF-8 or Shift_JIS)."),
    "csv_sheet_unknown": ("CSVの種類を判別できません。ファイル名に「手続」「工程」「単価」のいずれかを含めるか、見出し行を確認してください。",
                          "Cannot tell which sheet this CSV holds: put 手続/procedures, 工程/steps or 単価/unit costs in the file name, or check the header row."),
    "file_too_large": ("ファイルが大きすぎるため読み込みません（{detail}）。上限は BPR_STUDIO_MAX_* で変更できます。",
                       "The file is too large to read ({detail}); the limits are set with BPR_STUDIO_MAX_*."),
    "sheet_too_large": ("シート「{sheet}」の使用範囲が大きすぎます（{cell} まで。上限 {rows} 行・{columns} 列・{cells} セル）。不要な行・列を削除して保存し直してください。",
                        "Sheet '{sheet}' uses too large a range (up to {cell}; limits {rows} rows, {columns} columns, {cells} cells). Delete unused rows and columns and save again."),
    "sheet_xml_malformed": ("シート「{sheet}」の内容が壊れています。", "Sheet '{sheet}' is damaged."),
    "no_files": ("読み込むファイルがありません。", "There are no files to import."),
    # --- sheets and headers --------------------------------------------------
    "sheet_missing": ("シート「{sheet}」がありません（あるシート: {found}）。",
                      "Sheet '{sheet}' is missing (sheets found: {found})."),
    "header_not_found": ("見出し行が見つかりません（必須の列: {required}）。",
                         "No header row found (required columns: {required})."),
    "column_missing": ("必須の列「{column}」がありません。見出し行（{row} 行目）に「{column}」の列を加えてください。",
                       "Required column '{column}' is missing. Add a column headed '{column}' to the header row (row {row})."),
    "column_missing_similar": (
        "見出し「{found}」を読めないため、必須の列「{column}」がありません。この見出しを「{column}」に直してください。",
        "The header '{found}' is not recognised, so the required column '{column}' is missing. Rename this header to '{column}'."),
    "columns_renamed": ("次の見出しを様式の列として読みました: {pairs}。",
                        "These headers were read as the format's columns: {pairs}."),
    "header_merged": ("見出しのセル {range} が結合されています。結合を解除し、1列に1つの見出しを入れてください。",
                      "Header cells {range} are merged. Unmerge them and give each column its own header."),
    "column_unknown": ("列「{column}」は調査様式にないため読み飛ばしました。",
                       "Column '{column}' is not part of the survey format and was ignored."),
    "column_duplicate": ("列「{column}」が2回あります。最初の列だけを使いました。",
                         "Column '{column}' appears twice; only the first was used."),
    "sheet_no_rows": ("データ行がありません。", "The sheet has no data rows."),
    # --- cells ---------------------------------------------------------------
    "required": ("「{column}」は必須です。", "'{column}' is required."),
    "not_a_number": ("「{column}」には数値を入れてください（例: 1200、1,200件、約1.2万件）。",
                     "'{column}' must be a number (e.g. 1200, 1,200件, 約1.2万件)."),
    "not_an_integer": ("「{column}」には整数を入れてください。", "'{column}' must be a whole number."),
    "not_a_duration": ("「{column}」を時間として読めません（例: 30、30分、1時間30分、1.5h）。",
                       "'{column}' is not a duration (e.g. 30, 30分, 1時間30分, 1.5h)."),
    "not_a_yes_no": ("「{column}」には ○ か × を入れてください（有/無、はい/いいえ も可）。",
                     "'{column}' must be yes or no (○/×, 有/無, はい/いいえ)."),
    "bad_code": ("「{column}」の値が選択肢にありません（選択肢: {choices}）。",
                 "'{column}' is not one of the choices ({choices})."),
    "bad_months": ("「{column}」を月として読めません（例: 3,4 や 3～4月）。",
                   "'{column}' is not a list of months (e.g. 3,4 or 3～4月)."),
    "bad_next_steps": ("「{column}」を読めません（例: 3、4(85%); 2(15%)、終了）。",
                       "'{column}' cannot be read (e.g. 3, 4(85%); 2(15%), 終了)."),
    "below_min": ("「{column}」は {min} 以上にしてください。", "'{column}' must be at least {min}."),
    "above_max": ("「{column}」は {max} 以下にしてください。", "'{column}' must be at most {max}."),
    "suspicious_high": ("「{column}」が {limit} を超えています。単位（分/時間）を確認してください。",
                        "'{column}' is above {limit}; check the unit (minutes/hours)."),
    "suspicious_high_minutes": (
        "「{column}」が {limit} 分（8時間）を超えています。単位（分/時間）を確認してください。"
        "案件が待っているだけの日（回答待ち・郵送・審査会まで）なら作業時間ではなく「待ち日数」に書いてください。",
        "'{column}' is above {limit} minutes (8 hours); check the unit (minutes/hours). If the "
        "case only waits (for an answer, the post, a committee), put the days in 待ち日数 "
        "(waiting days) instead of the work time."),
    "bad_parallel_steps": ("「{column}」の並行の書き方を読めません。4&5 のように、同時に進む工程番号を & でつなぎます（2つ以上、同じ番号や終了は不可。割合を付けるなら 4&5(30%) = 工程5は30%の案件でだけ行う）。",
                           "'{column}': cannot read the parallel branches. Join the steps that run at the same time with &, as in 4&5 (two or more, no repeats, no 終了; 4&5(30%) means step 5 runs in 30 % of cases only)."),
    "parallel_backward": ("工程{step}の並行分岐の先 {target} が前の工程です。並行に進む工程は後ろの番号にしてください（差し戻しは 4(85%); 2(15%) の形で書きます）。",
                          "Step {step} branches in parallel to {target}, an earlier step. Parallel branches must go forward; write rework as 4(85%); 2(15%)."),
    "formula_error": ("セルが数式のエラー {error} を表示しています。数式を直してください。",
                      "The cell shows the formula error {error}; fix the formula."),
    "percent_fraction": (
        "「{column}」の {raw} を {pct}% と読みました（0.15 = 15% として）。{raw}% のつもりなら「{raw}%」と入力してください。",
        "'{column}': {raw} was read as {pct}% (taking 0.15 as 15%). If you meant {raw}%, type \"{raw}%\"."),
    "stored_as_date": (
        "「{column}」のこのセルを Excel が日付・時刻（{shown}）として保存しています（「10-15」「3/4」と打つと日付に変わります）。セルの書式を「文字列」にして入れ直してください。",
        "'{column}': Excel stored this cell as a date or time ({shown}); typing 10-15 or 3/4 turns into a date. Format the cell as Text and type the value again."),
    "range_reversed": ("範囲の下限 {low} が上限 {high} より大きくなっています（例: 10～15）。",
                       "The range starts at {low}, above its end {high} (e.g. 10～15)."),
    "ditto_without_value": ("「{column}」の〃（同上）の上に値がありません。値を入れてください。",
                            "'{column}': the ditto mark has no value above it. Type the value."),
    # --- readings said back to the sender (information) ------------------------
    "read_approximate": ("「{column}」の概数を {read} と読みました。",
                         "'{column}': the approximate figure was read as {read}."),
    "read_range_number": ("「{column}」の範囲 {low}～{high} を中央の {read} と読みました。",
                          "'{column}': the range {low}–{high} was read as its middle, {read}."),
    "read_range_minutes": (
        "「{column}」の範囲を 最短 {low}・標準 {read}・最長 {high} 分と読みました（最短・最長が空欄の場合）。",
        "'{column}': the range was read as minimum {low}, typical {read}, maximum {high} minutes (where minimum and maximum are blank)."),
    "read_working_days": (
        "「{column}」の日数を勤務日（1日 {day} 分 = 7時間45分）の作業時間として {read} 分と読みました。"
        "待っているだけの日なら「待ち日数」に書いてください。",
        "'{column}': days were read as working days ({day} minutes = 7 h 45 min each): {read} "
        "minutes of work. Days a case only waits belong in 待ち日数 (waiting days)."),
    "read_ditto": ("「{column}」の {mark} を上の行と同じ「{read}」と読みました。",
                   "'{column}': {mark} was read as the value above, '{read}'."),
    "read_merged": ("「{column}」の結合セル（{rows} 行）は、表示されている「{shown}」を各行の値としました。",
                    "'{column}': the merged cell (rows {rows}) gives its shown value '{shown}' to each row."),
    "read_date_as_months": (
        "「{column}」は Excel が日付 {shown} として保存していたため、{read} 月と読みました。違う場合は「3,4」や「3～4月」と文字で入力してください。",
        "'{column}': Excel stored the date {shown}; it was read as months {read}. If not meant, type 3,4 or 3～4月 as text."),
    # --- what to type (appended to a message by its "hint" parameter) --------------
    "hint_choices": ("選べる値: {choices}。", "Choices: {choices}."),
    "hint_minutes": ("分単位の数値で入れてください（例: 10、1時間30分、0:45、10～15分）。",
                     "Type a number of minutes (e.g. 10, 1時間30分, 0:45, 10～15分)."),
    "hint_count": ("件数を数値で入れてください（例: 1200、約1,200件、5.8万件）。",
                   "Type a count (e.g. 1200, 約1,200件, 5.8万件)."),
    "hint_number": ("数値で入れてください（例: 300、15%）。", "Type a number (e.g. 300, 15%)."),
    "hint_rating": ("0～4 の整数で入れてください（空欄は既定値）。",
                    "Type a whole number from 0 to 4 (blank uses the default)."),
    "hint_bool": ("○ か × を入れてください。", "Type ○ or ×."),
    "hint_months": ("例: 3,4 や 3～4月。", "E.g. 3,4 or 3～4月."),
    "hint_next": ("工程番号か終了を入れてください（例: 3、4(85%); 2(15%)、終了）。",
                  "Type a step number or 終了 (e.g. 3, 4(85%); 2(15%), 終了)."),
    "control_chars_removed": ("「{column}」に表示できない制御文字があったため取り除きました。",
                              "'{column}' held invisible control characters; they were removed."),
    "hidden_row": ("この行は Excel で非表示になっていますが、読み込みました。不要なら行を削除してください。",
                   "This row is hidden in Excel but was imported; delete it if it is not wanted."),
    "example_row_skipped": ("記入例の行を読み飛ばしました。", "The example row was skipped."),
    # --- cross-checks --------------------------------------------------------
    "duplicate_procedure_in_file": ("手続ID「{id}」がこのファイル内で重複しています（最初: {first}）。",
                                    "Procedure ID '{id}' appears twice in this file (first: {first})."),
    "duplicate_procedure_across_files": (
        "手続ID「{id}」が2つのファイルにあります（{other}）。どちらを採用するか指定してください（--prefer ファイル）。",
        "Procedure ID '{id}' is in two files ({other}). Choose which one to keep (--prefer FILE)."),
    "procedure_owned_by_other_section": (
        "手続ID「{id}」はプロジェクト内で既に「{section}」の手続です。IDを変えるか、その課の調査票を読み込み直してください。",
        "Procedure ID '{id}' already belongs to '{section}' in the project. Change the ID or re-import that section."),
    "unknown_procedure": ("工程の手続ID「{id}」が手続シートにありません。",
                          "The step names procedure ID '{id}', which is not on the procedures sheet."),
    "duplicate_step": ("手続「{id}」の工程番号 {step} が重複しています（最初: {first}）。",
                       "Step {step} of procedure '{id}' appears twice (first: {first})."),
    "min_typical_max": ("最短 ≤ 標準 ≤ 最長 になっていません（{min} / {typical} / {max} 分）。",
                        "Minimum ≤ typical ≤ maximum does not hold ({min} / {typical} / {max} min)."),
    "min_above_typical": ("最短 {min} 分が標準 {typical} 分より長くなっています。最短を {typical} 分以下に直してください（最短 ≤ 標準 ≤ 最長）。",
                          "The minimum, {min} min, is above the typical {typical} min. Make the minimum {typical} or less (minimum ≤ typical ≤ maximum)."),
    "max_below_typical": ("最長 {max} 分が標準 {typical} 分より短くなっています。最長を {typical} 分以上に直してください（最短 ≤ 標準 ≤ 最長）。",
                          "The maximum, {max} min, is below the typical {typical} min. Make the maximum {typical} or more (minimum ≤ typical ≤ maximum)."),
    "branch_sum": ("次工程の割合の合計が100%ではありません（合計 {total}%）。",
                   "The next-step percentages do not add up to 100% (total {total}%)."),
    "branch_missing_pct": ("次工程が複数あるときは、それぞれに割合(%)を付けてください（例: 4(85%); 2(15%)）。",
                           "With several next steps, give each a percentage (e.g. 4(85%); 2(15%))."),
    "next_step_unknown": ("次工程 {target} は手続「{id}」にありません。使える値: {valid}、終了。",
                          "Next step {target} does not exist in procedure '{id}'. Valid: {valid}, 終了 (end)."),
    "next_step_self": ("工程が自分自身を次工程にしています。", "The step names itself as its next step."),
    "step_unreachable": ("工程 {step} は最初の工程からたどり着けません（次工程の指定を確認してください）。",
                         "Step {step} cannot be reached from the first step (check the next-step column)."),
    "no_way_out": ("工程 {steps} の差し戻しループから終了に出られません（{rows} 行）。ループのどれかの次工程に、先へ進む工程か終了を割合付きで加えてください（例: {example}）。",
                   "Steps {steps} form a rework loop with no way to the end (rows {rows}). Give one of them a next step that leads on, or 終了, with a share (e.g. {example})."),
    "dead_end": ("工程 {step} の後に進む先がありません（次工程を指定するか「終了」としてください）。",
                 "Step {step} leads nowhere (give a next step or 終了)."),
    "not_editable": ("「{column}」はここでは変更できません（調査票を読み込み直してください）。",
                     "'{column}' cannot be changed here (re-import the survey)."),
    "section_not_declared": (
        "この調査票は「{declared}」のもの（{why}）ですが、この行の課は「{section}」です。他の課の手続は、その課の調査票で読み込んでください。",
        "This survey belongs to '{declared}' ({why}), but this row names '{section}'. Import another section's procedures with that section's survey."),
    "procedure_without_steps": ("手続「{id}」に工程がありません。", "Procedure '{id}' has no steps."),
    "online_exceeds_total": ("オンライン件数（{online}）が年間件数（{total}）を超えています。",
                             "Online cases ({online}) exceed annual cases ({total})."),
    "unit_cost_unknown": ("単価の項目「{key}」は使われません（使える項目: {known}）。",
                          "Unit cost '{key}' is not used (known items: {known})."),
    "unit_cost_negative": ("単価「{key}」に負の値は使えません。", "Unit cost '{key}' cannot be negative."),
    # --- BPMN files (docs/bpmn.md); the place is the process and element ID ------
    "bpmn_not_xml": ("XML として読めません（{detail}）。BPMN 2.0 のファイルか確認してください。",
                     "This is not readable XML ({detail}). Check that it is a BPMN 2.0 file."),
    "bpmn_dtd_forbidden": ("DTD・実体宣言・外部参照を含む XML は、安全のため読み込みません（{detail}）。BPMN には不要なので、それらを除いて保存し直してください。",
                           "XML with a DTD, entity declarations or external references is refused for safety ({detail}). BPMN needs none: save the file without them."),
    "bpmn_not_bpmn": ("BPMN 2.0 のファイルではありません（最上位の要素が definitions ではなく {detail}）。",
                      "This is not a BPMN 2.0 file (its top element is {detail}, not definitions)."),
    "bpmn_no_process": ("プロセスがありません。", "The file holds no process."),
    "bpmn_section_missing": ("取り込む課がわかりません。課を指定してください（--section 課名、または取り込み画面で選択）。",
                             "The section to import into is not known. Give it (--section NAME, or choose it in the import dialog)."),
    "bpmn_lane_unknown": ("レーン「{lane}」を実施者に対応づけられません（タスク {tasks}）。実施者: {actors}。対応を指定してください（例: --lane-map '{lane}=担当職員'）。",
                          "Lane '{lane}' does not match an actor (tasks {tasks}). Actors: {actors}. Map it (e.g. --lane-map '{lane}=担当職員')."),
    "bpmn_lane_map_bad": ("レーンの対応「{entry}」を読めません。「レーン名=実施者」の形で、実施者は {actors} のどれかにしてください。",
                          "Lane mapping '{entry}' cannot be read. Write 'lane name=actor' with one of: {actors}."),
    "bpmn_dangling_flow": ("シーケンスフロー {flow} の {end}「{ref}」がこのプロセスにありません。",
                           "Sequence flow {flow}: its {end} '{ref}' is not in this process."),
    "bpmn_no_start": ("開始イベントも、入ってくる流れのないタスクもないため、最初の工程がわかりません。",
                      "There is no start event, nor a task without incoming flows: the first step is not known."),
    "bpmn_many_starts": ("開始が複数あります。{used} から始まるものとして読みました（ほか: {others}）。",
                         "Several starts; read as starting at {used} (others: {others})."),
    "bpmn_start_branches": ("開始の直後に分岐があります。分岐の前に最初の工程（例: 受付）を置いてください（全件が最初の工程を通る形にします）。",
                            "The process branches right after its start. Put a first step (e.g. reception) before the branch: every case passes the first step."),
    "bpmn_no_tasks": ("タスクがありません。", "The process has no tasks."),
    "bpmn_branch_equal": ("分岐の出口 {count} 本に確率がないため、等分（各 {pct}%）として読みました。実際の割合を BPSim か流れの名前（例: 85%）で入れてください。",
                          "The {count} flows out of this branch have no probabilities; read as an equal split ({pct}% each). Give the real shares in BPSim or in the flow names (e.g. 85%)."),
    "bpmn_branch_sum": ("分岐の確率の合計が 100% ではありません（合計 {total}%）。",
                        "The branch probabilities do not add up to 100% (total {total}%)."),
    "bpmn_inclusive": ("包含ゲートウェイ（{count} 本、各経路の確率 {chances}）を並行分岐として読みました。近似: 各経路の作業は確率どおり数え、合流は1件1回ですが、処理日数は待ちの最も長い経路の期待値で数えます（実際は通った経路の最長で、これより長くなり得ます）。確率のない経路 {missing} 本は常に通るとしました。",
                       "Inclusive gateway ({count} paths, chances {chances}) read as parallel branches. Approximation: each path's work counts at its chance and the join once per case, but the lead time takes the path with the most expected waiting (the true elapsed time is the longest of the paths taken, which can be longer). Paths without a chance ({missing}) are taken as always run."),
    "bpmn_event_gateway": ("イベントベースゲートウェイ（{value}）は取り込めません。どのイベントが先に来るかの確率がないためです。排他ゲートウェイ（確率付き）に置き換えてください。",
                           "An event-based gateway ({value}) cannot be imported: which event comes first is not a probability the file gives. Replace it with an exclusive gateway with probabilities."),
    "bpmn_routing_step": ("{kind} を経路だけの工程（工程{step}、作業時間 0 分）として取り込みました。開始直後の分岐や、分岐と並行が組み合わさる所は、1つの工程の「次工程」では書けないためです。",
                          "The {kind} became a routing step (step {step}, 0 minutes of work): a branch right after the start, or a choice combined with parallel branches, cannot be written as one step's next steps."),
    "prosimos_json_unpaired": ("Prosimos のパラメータ（JSON）に対応する BPMN ファイルがありません（同じ名前の .bpmn を一緒に選ぶか、BPMN を1つだけ選んでください。今は {count} 個）。",
                               "No BPMN file goes with this Prosimos parameter file (choose the .bpmn of the same name with it, or a single BPMN file; there are {count})."),
    "prosimos_json_unreadable": ("Prosimos のパラメータ（JSON）を読めません: {detail}", "The Prosimos parameter file (JSON) cannot be read: {detail}"),
    "prosimos_json_bad_value": ("{path} の値を使えません（0 以上の数、または正しい形が必要です）。",
                                "The value at {path} cannot be used (a number of 0 or more, or the right structure, is needed)."),
    "prosimos_json_distribution": ("{path} の分布「{name}」は読めません（fix, uniform, norm, expon, lognorm, gamma のみ）。",
                                   "The distribution '{name}' at {path} is not supported (fix, uniform, norm, expon, lognorm, gamma)."),
    "prosimos_json_unknown_element": ("{path} の {kind} 「{id}」が BPMN ファイルにありません。",
                                      "The {kind} '{id}' at {path} is not in the BPMN file."),
    "prosimos_json_resources_mean": ("タスク {task} は {count} 種類の担当者で時間が違います。その平均を標準としました（Prosimos は空いている担当者に割り当てます）。",
                                     "Task {task} takes different times with its {count} resources: the average of their means is taken as typical (Prosimos gives the task to whoever is free)."),
    "prosimos_json_arrival_calendar": ("受付の暦（arrival_time_calendar）は週の {pct} の時間です。年間件数はその時間だけ到着するとして数えました。",
                                       "Cases arrive in {pct} of the week's hours (arrival_time_calendar): annual cases count arrivals in those hours only."),
    "prosimos_json_calendar_unread": ("受付の暦（arrival_time_calendar）を読めないため、終日到着するとして年間件数を数えました。",
                                      "The arrival calendar cannot be read: annual cases count arrivals around the clock."),
    "prosimos_json_not_modelled": ("担当者の人数と勤務の暦は BPR Studio のモデルにないため使いません（作業時間は人数によりません）: 担当 {pools}; 暦 {calendars}。",
                                   "Resource pools and calendars are not in BPR Studio's model (the work per case does not depend on them): pools {pools}; calendars {calendars}."),
    "prosimos_json_ignored": ("Prosimos の次の設定は読みません: {keys}", "These Prosimos settings are not read: {keys}"),
    "bpmn_too_many_tasks": ("1つのプロセスにタスクが {count} 個あります。工程番号は {max} までのため取り込めません（手続ごとにプロセスを分けてください）。",
                            "The process has {count} tasks; step numbers stop at {max}, so it cannot be imported (split it into one process per procedure)."),
    "bpmn_gateway_chain": ("タスクを挟まないゲートウェイ・イベントの連なりが {max} 個を超えています。取り込めません。",
                           "More than {max} gateways and events follow one another without a task: the file cannot be imported."),
    "bpmn_gateway_cycle": ("ゲートウェイだけの輪（{ids}）があり、工程に進めません。",
                           "Gateways form a loop with no task ({ids})."),
    "bpmn_no_time": ("要確認: タスク「{task}」に処理時間（BPSim の ProcessingTime か Prosimos の時間）がありません。時間は空欄のまま取り込みました（0分とは記録しません）。費用の合計ではこの工程を 0 分として数えるため、この手続の時間と人件費は少なめに出ます。時間を入れてください。",
                     "To check: task '{task}' has no processing time (BPSim ProcessingTime or a Prosimos duration). Its time is left blank (not recorded as 0). Totals count the step as 0 minutes, so this procedure's time and cost are understated until a time is entered."),
    "bpmn_time_over_a_day": ("タスク「{task}」の時間が1日を超えています（{days} 日分）。外部機関の作業などで正しければそのままで構いません。",
                             "Task '{task}' takes more than a day ({days} days of minutes). Fine if right (work by an outside body)."),
    "bpmn_time_out_of_range": ("タスク「{task}」の時間が範囲外です（0～{max} 分）。",
                               "Task '{task}' has a time out of range (0 to {max} minutes)."),
    "bpmn_timer_detached": ("タイマーイベントが工程の直後にないため、待ち日数として読みませんでした。",
                            "This timer event does not directly follow a step; it was not read as waiting days."),
    "bpmn_work_kind_default": ("作業の種類がない {count} 工程を「その他」としました（負担の既定値に使います。必要なら手続画面で直してください）。",
                               "{count} steps without a kind of work were set to 'other' (used for default burdens; correct them in the procedure view if needed)."),
    "bpmn_ignored": ("次の要素は取り込みません: {elements}。", "These elements are not imported: {elements}."),
    "bpmn_other_scenarios": ("BPSim のシナリオが複数あります。最初のシナリオだけを読みました（ほか {count} 件）。",
                             "The file has several BPSim scenarios; only the first was read ({count} more)."),
    "bpmn_no_cases": ("年間件数がありません（BPSim の到着間隔もありません）。0 件として扱います。",
                      "No annual cases (and no BPSim arrival interval); taken as 0 cases."),
    "bpmn_cases_from_arrivals": ("年間件数を BPSim の到着間隔（平均 {mean} 分）から {cases} 件と読みました。",
                                 "Annual cases read as {cases} from the BPSim arrival interval (mean {mean} minutes)."),
    "prosimos_one_process": ("Prosimos のパラメータは手続1件ごとに書き出します（このファイルには {count} 件）。--procedure で1件を選んでください。",
                             "Prosimos parameters are written for one procedure at a time (this file has {count}); choose one with --procedure."),
    "prosimos_task_incomplete": ("タスク {task} に時間かレーンがないため、Prosimos のパラメータを書き出せません。",
                                 "Task {task} has no time or no lane; the Prosimos parameters cannot be written."),
    # --- scenarios and their parameters (edited in the app) ------------------
    "scenario_name_blank": ("シナリオ名を入れてください。", "Give the scenario a name."),
    "scenario_exists": ("シナリオ「{name}」はすでにあります。別の名前にしてください。",
                        "A scenario named '{name}' already exists; choose another name."),
    "scenario_missing": ("シナリオ「{name}」はありません。", "There is no scenario '{name}'."),
    "last_scenario": ("最後のシナリオは削除できません（改善後を計算するにはシナリオが1つ必要です）。",
                      "The last scenario cannot be deleted (the to-be needs a scenario)."),
    "parameter_not_number": ("「{parameter}」には数値を入れてください（入力: {value}）。",
                             "'{parameter_en}' must be a number (typed: {value})."),
    "parameter_out_of_range": ("「{parameter}」は {low} ～ {high} の範囲で入れてください"
                               "（入力: {value}）。範囲は出典の値の幅です。",
                               "'{parameter_en}' must be between {low} and {high} (typed: {value}); "
                               "the range is what the sources support."),
    # --- national inventory -------------------------------------------------
    "inventory_id_missing": ("手続IDがないため「{id}」としました。", "No procedure ID; used '{id}'."),
    "inventory_id_duplicate": ("手続IDが重複しているため「{id}」としました。",
                               "Duplicate procedure ID; used '{id}'."),
    "inventory_bad_count": ("「{column}」が数値ではないため 0 件としました。",
                            "'{column}' is not a number; 0 was used."),
    "inventory_unknown_code": ("「{column}」の値を読めないため、安全側の「{default}」としました。",
                               "'{column}' cannot be read; the conservative '{default}' was used."),
    "inventory_default": ("「{column}」が空欄のため、安全側の「{default}」としました。",
                          "'{column}' is blank; the conservative '{default}' was used."),
    "inventory_already_surveyed": ("手続ID「{id}」は「{section}」の調査票で取り込み済みのため、一覧の行は使いませんでした。",
                                   "Procedure '{id}' was already imported from the survey of '{section}'; the inventory row was not used."),
    # --- project -------------------------------------------------------------
    "project_corrupt": ("プロジェクトファイルが壊れているか、BPR Studio のファイルではありません: {path}",
                        "The project file is damaged or not a BPR Studio project: {path}"),
    "project_read_only": ("プロジェクトファイルに書き込めません（読み取り専用か、他のプログラムが使用中）: {path}",
                          "The project file cannot be written (read-only or in use by another program): {path}"),
    "project_too_new": ("このプロジェクトは新しい版の BPR Studio（形式 {found}）で作られています。アップデートしてください。",
                        "This project was made by a newer BPR Studio (schema {found}); please update."),
    "project_missing": ("プロジェクトファイルがありません: {path}", "The project file does not exist: {path}"),
    "project_busy": ("このプロジェクトは他の人が更新中です。しばらくしてからもう一度お試しください: {path}",
                     "Someone else is updating this project; try again in a moment: {path}"),
    "project_table_missing": ("プロジェクトファイルが壊れています（表 {tables} がありません）: {path}",
                              "The project file is damaged (table {tables} is missing): {path}"),
    "project_db_empty": ("データベースにプロジェクトがありません（空のデータベース）: {path}。調査票を取り込むか、bpr-studio project copy でプロジェクトを写してください。",
                         "The database holds no project (it is empty): {path}. Import surveys into it, or copy a project in with bpr-studio project copy."),
    "project_db_unreachable": ("データベースに接続できません: {path}（{detail}）。サーバー名・データベース名・ユーザー名とパスワードを確認してください。",
                               "Cannot connect to the database {path} ({detail}). Check the server, database name, user name and password."),
    "project_no_access": ("このユーザーにはデータベースのプロジェクトを使う権限がありません: {path}。DX 担当に bpr-studio team add-user で登録してもらってください（docs/team.md）。",
                          "This user has no right to use the project in this database: {path}. Ask the DX staff to add you with bpr-studio team add-user (docs/team.md)."),
    "project_url_invalid": ("データベースのURLとして読めません: {path}（例: postgresql://ユーザー名@サーバー/データベース名）",
                            "This is not a database URL: {path} (e.g. postgresql://user@server/database)"),
    "copy_destination_not_empty": ("写し先にはすでにプロジェクトがあります: {path}。上書きするときは --replace を付けてください（写し先の内容はすべて置き換わります）。",
                                   "The destination already holds a project: {path}. Add --replace to overwrite it (everything there is replaced)."),
    "copy_same_place": ("写し元と写し先が同じです: {path}", "The source and the destination are the same: {path}"),
    "stale_edit": ("{what} は、あなたが表示した後に {who} さんが変更しました（いまの値: {current}）。あなたの変更（{value}）は保存していません。最新の内容を表示し直しましたので、確かめてからもう一度入力してください。",
                   "{what} was changed by {who} after you opened it (it is now: {current}). Your change ({value}) was not saved. The latest data is shown again: check it, then enter your change again."),
    "stale_edit_gone": ("{what} は、あなたが表示した後に削除されたか、取り込みで置き換えられました。あなたの変更（{value}）は保存していません。最新の内容を表示し直しました。",
                        "{what} was deleted or replaced by an import after you opened it. Your change ({value}) was not saved. The latest data is shown again."),
    "stale_delete": ("{what} は、あなたが表示した後に {who} さんが変更しました。削除していません。最新の内容を表示し直しましたので、確かめてから、削除するときはもう一度操作してください。",
                     "{what} was changed by {who} after you opened it. It was not deleted. The latest data is shown again: check it, and delete it again if you still want to."),
    "stale_delete_gone": ("{what} は、あなたが表示した後にすでに削除されたか、取り込みで置き換えられました。最新の内容を表示し直しました。",
                          "{what} was already deleted or replaced by an import after you opened it. The latest data is shown again."),
    "team_other_section": ("{what} は「{section}」の手続です。{user} さんは「{own}」の担当のため変更できません（変更できるのは「{own}」の手続だけです）。「{section}」の担当者か DX 担当に依頼してください。",
                           "{what} belongs to {section}. {user} works for {own} and may change only {own}'s procedures. Ask {section}'s staff or the DX staff."),
    "team_dx_only": ("{what} はプロジェクト全体の設定のため、DX 担当だけが変更できます（{user} さんは「{own}」の担当です）。",
                     "{what} is a setting of the whole project: only DX staff may change it ({user} works for {own})."),
    "team_not_member": ("{user} さんはこのプロジェクトのチームに登録されていないため、変更できません（閲覧はできます）。DX 担当に bpr-studio team add-user で登録してもらってください。",
                        "{user} is not on this project's team and may not change it (reading is allowed). Ask the DX staff to add you with bpr-studio team add-user."),
    "team_needs_database": ("チームの設定は PostgreSQL のプロジェクトだけで使えます（{path} はファイルです。bpr-studio project copy でデータベースに写してください）。",
                            "Teams apply only to a PostgreSQL project ({path} is a file; copy it into a database with bpr-studio project copy)."),
    "team_bad_name": ("ユーザー名「{name}」は使えません（英数字・かな・漢字と _ - . @、63文字まで）。",
                      "The user name '{name}' cannot be used (letters, digits, kana, kanji and _ - . @; at most 63)."),
    "team_section_or_dx": ("担当課（--section 市民課）か DX 担当（--dx）のどちらか一方を指定してください。",
                           "Give either the user's section (--section 市民課) or --dx, not both."),
    "team_no_such_member": ("「{name}」はこのプロジェクトのチームにいません。", "'{name}' is not on this project's team."),
    "nothing_to_undo": ("元に戻せる取り込みがありません。", "There is no import to undo."),
    # --- survey rounds (効果測定) ------------------------------------------------
    "round_missing": ("調査回「{name}」はありません（ある調査回: {known}）。",
                      "There is no survey round '{name}' (rounds: {known})."),
    "round_name_missing": ("調査回の名前を指定してください（例: --round R8再調査）。",
                           "Give the survey round a name (e.g. --round R8再調査)."),
    "round_name_reserved": ("「{name}」は現在のデータ（ベースライン）を指す名前のため、調査回の名前には使えません。",
                            "'{name}' names the live data (the baseline) and cannot name a survey round."),
    "round_procedure_not_in_baseline": (
        "手続ID「{id}」はベースラインにない手続です。再調査には含めますが、計画との比較はできません（新規の手続として表示）。",
        "Procedure ID '{id}' is not in the baseline. It is kept in the round but cannot be compared with the plan (shown as new)."),
    "round_section_not_in_baseline": (
        "課「{section}」はベースラインにありません。再調査の手続は計画と比較できません。",
        "Section '{section}' is not in the baseline; its re-surveyed procedures cannot be compared with the plan."),
    "undo_not_last": ("最後の取り込み（{what}）は元に戻せません。", "The last import ({what}) cannot be undone."),
    "internal_error": ("内部エラーが発生しました（{error}）。詳細はログに記録しました: {log}",
                       "Internal error ({error}). The details were written to the log: {log}"),
}


def message(key: str, lang: str = "ja", /, **params: Any) -> str:
    """The message ``key`` in ``lang`` ('ja' or 'en') with ``params`` filled in.

    Two parameters extend any message: ``hint`` names a further message saying what to
    type, and ``also`` lists other cells read the same way.
    """
    ja, en = MESSAGES[key]
    template = ja if lang == "ja" else en
    try:
        text = template.format(**params)
    except (KeyError, IndexError):
        text = template
    hint = params.get("hint")
    if hint and hint in MESSAGES and hint != key:
        text += (" " if lang != "ja" else "") + message(hint, lang, **{
            k: v for k, v in params.items() if k != "hint"})
    also = params.get("also")
    if also:
        text += f"（同じ読み方のセル: {also}）" if lang == "ja" else f" (also read this way: {also})"
    return text


class MessageError(Exception):
    """An error whose message is a key of MESSAGES (shown in the user's language)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(message(key, "en", **params))
        self.key = key
        self.params = params

    def message(self, lang: str = "ja") -> str:
        return message(self.key, lang, **self.params)


class BilingualError(Exception):
    """An error composed on the spot, in Japanese and English."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en

    def message(self, lang: str = "ja") -> str:
        return self.message_ja if lang == "ja" else self.message_en
