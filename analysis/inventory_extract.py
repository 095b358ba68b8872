"""The life-event columns of the national inventory, as the small file the app ships.

``python -m analysis.inventory_extract INVENTORY.csv`` writes
``analysis/data/inventory_life_events.csv``: for every procedure whose
手続が行われるイベント(個人) names a personal life event, its 手続ID, 手続名, those events and
its 申請書等に記載させる情報 (the form's fields). ``analysis.life_events`` reads it to take
an event's membership from the inventory where a procedure carries a 手続ID.

出典：「行政手続等の悉皆調査結果」（デジタル庁）を加工して作成（PDL1.0）
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from analysis.life_events import INVENTORY_EVENT_CODES, INVENTORY_EVENTS_FILE

COLUMNS = ("手続ID", "手続名", "手続が行われるイベント(個人)", "申請書等に記載させる情報")


def build_inventory_events(source: Path, target: Path = INVENTORY_EVENTS_FILE) -> int:
    """Write the life-event extract of ``source`` (the inventory CSV, UTF-8 with BOM) to
    ``target``; returns the number of procedures written."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = []
    for row in rows:
        events = [e.strip() for e in (row.get(COLUMNS[2]) or "").split(";")]
        if row.get(COLUMNS[0]) and any(e in INVENTORY_EVENT_CODES for e in events):
            kept.append({c: (row.get(c) or "").strip() for c in COLUMNS})
    kept.sort(key=lambda r: r[COLUMNS[0]])
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# 出典：「行政手続等の悉皆調査結果」（デジタル庁）"
                     "（https://www.digital.go.jp/resources/procedures-survey-results）"
                     "を加工して作成（公共データ利用規約 第1.0版 PDL1.0）\n")
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(kept)
    return len(kept)


if __name__ == "__main__":
    count = build_inventory_events(Path(sys.argv[1]))
    print(f"{count} procedures → {INVENTORY_EVENTS_FILE}")  # noqa: T201
