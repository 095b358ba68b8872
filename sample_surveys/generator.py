"""A synthetic but realistic whole-city survey, one workbook per section.

``bpr-studio generate-survey --procedures 3000 --sections 40 --out DIR`` writes the
benchmark data set (about 15 steps a procedure, 45,000 steps). Volumes are heavy-
tailed (a few certificates carry most cases), flows have branches and rework loops,
and a share of cells is typed the way people type ("30分", "１，２００", ○/×), so the
importer's normalisation is exercised at scale.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from bpr_studio.io.template import write_survey_workbook

DEPARTMENTS = ("総務部", "市民生活部", "健康福祉部", "こども未来部", "環境部", "都市建設部",
               "産業経済部", "教育部")
SECTION_STEMS = ("市民", "税務", "収納", "保険年金", "福祉", "障がい福祉", "介護保険", "子育て支援",
                 "保育", "健康づくり", "環境", "廃棄物対策", "道路", "都市計画", "建築指導", "商工",
                 "農政", "学校教育", "生涯学習", "スポーツ", "文化", "防災", "消防", "水道",
                 "下水道", "住宅", "公園緑地", "交通", "観光", "人事", "財政", "契約", "資産税",
                 "市民協働", "男女共同参画", "国際交流", "選挙管理", "監査", "議会事務", "会計")
SUBJECTS = ("証明書", "許可", "届出", "補助金", "手当", "認定", "登録", "減免", "使用", "変更",
            "再交付", "助成", "申込", "給付", "指定", "承認")
OBJECTS = ("住民", "事業所", "施設", "道路", "公園", "児童", "高齢者", "障がい者", "農地",
           "建築物", "犬", "ごみ", "水道", "下水道", "保険", "税", "学校", "店舗", "車両", "イベント")

# (JP label, typical minutes, actor)
KIND_TIMES = {
    "受付": (6, "窓口職員"), "記入": (15, "市民"), "入力": (8, "担当職員"),
    "確認・審査": (12, "担当職員"), "決裁": (5, "決裁者"), "交付・通知": (4, "担当職員"),
    "郵送": (5, "担当職員"), "保管・ファイリング": (2, "担当職員"), "移動・運搬": (20, "担当職員"),
}
MIDDLE_KINDS = ("確認・審査", "入力", "確認・審査", "移動・運搬", "入力", "決裁")


def _minutes_text(rng: np.random.Generator, minutes: float) -> Any:
    """Usually a number; sometimes typed as text the way sections do."""
    roll = rng.random()
    if roll < 0.05:
        return f"{minutes:g}分"
    if roll < 0.07 and minutes >= 60:
        hours, rest = divmod(int(minutes), 60)
        return f"{hours}時間{rest}分" if rest else f"{hours}時間"
    return minutes


def _steps(rng: np.random.Generator, procedure_id: str, n_steps: int) -> list[dict[str, Any]]:
    kinds = ["記入", "受付"]
    kinds += [MIDDLE_KINDS[i] for i in rng.integers(0, len(MIDDLE_KINDS), n_steps - 5)]
    kinds += ["決裁", rng.choice(["交付・通知", "郵送"]), "保管・ファイリング"]
    scale = float(rng.lognormal(0.0, 0.45))
    rows = []
    for index, kind in enumerate(kinds, start=1):
        base_minutes, actor = KIND_TIMES[kind]
        typical = max(0.5, round(base_minutes * scale * float(rng.lognormal(0.0, 0.3)), 1))
        low = round(typical * float(rng.uniform(0.4, 0.9)), 1)
        high = round(typical * float(rng.uniform(1.2, 3.0)), 1)
        next_steps = None
        if kind == "確認・審査" and index > 2 and rng.random() < 0.35:
            back = int(rng.integers(1, index))
            pct = int(rng.integers(3, 25))
            next_steps = f"{index + 1}({100 - pct}%); {back}({pct}%)"
        elif kind == "入力" and index + 2 < len(kinds) and rng.random() < 0.15:
            pct = int(rng.integers(10, 40))
            next_steps = f"{index + 1}({100 - pct}%); {index + 2}({pct}%)"
        manual = kind == "入力" and rng.random() < 0.7
        rows.append({
            "procedure_id": procedure_id, "step_no": index, "name": f"{kind}（{index}）",
            "actor": actor, "work_kind": kind, "min_minutes": low,
            "typical_minutes": _minutes_text(rng, typical), "max_minutes": high,
            "next_steps": next_steps,
            "medium": "電子" if kind == "入力" or rng.random() < 0.2 else "紙",
            "manual_entry": "○" if manual else "×",
            "seal": "○" if kind == "決裁" or (kind == "記入" and rng.random() < 0.4) else "×",
            "wait_days": round(float(rng.uniform(0.5, 5)), 1) if kind == "決裁" else None,
            "staff_category": ("会計年度任用職員" if actor == "窓口職員" and rng.random() < 0.6
                               else "正規職員") if actor != "市民" else None,
        })
    return rows


def _procedure(rng: np.random.Generator, procedure_id: str, department: str, section: str,
               index: int) -> dict[str, Any]:
    cases = int(min(200_000, rng.lognormal(5.0, 1.6)))
    online = int(cases * rng.beta(0.6, 3.0)) if rng.random() < 0.5 else 0
    fee = int(rng.choice([0, 0, 0, 200, 300, 450, 1000, 3000]))
    attach = str(rng.choice(["なし", "なし", "写し・画像で可", "他機関の証明書", "原本",
                             "データ連携で取得可"]))
    count_text: Any = cases if rng.random() > 0.05 else f"{cases:,}"
    return {
        "procedure_id": procedure_id,
        "name": f"{rng.choice(OBJECTS)}{rng.choice(SUBJECTS)}の手続（{index}）",
        "department": department, "section": section, "team": f"{section[:-1]}第{index % 3 + 1}係",
        "category": str(rng.choice(["基幹17業務", "マイナポータル対象", "その他", "その他", "その他"])),
        "legal_basis": str(rng.choice(["法律・政令", "法律・政令", "省令", "条例", "規則・要綱"])),
        "legal_form_requirement": str(rng.choice(["なし"] * 8 + ["書面", "対面", "原本"])),
        "identity_check": str(rng.choice(["不要", "署名", "押印", "本人確認書類", "実印・印鑑証明"])),
        "attachment_kind": attach,
        "attachment_count": 0 if attach == "なし" else int(rng.integers(1, 4)),
        "fee_yen": fee, "fee_payment": "現金" if fee else None,
        "annual_cases": count_text, "online_cases": online,
        "peak_months": str(rng.choice(["", "3,4", "4,5", "6", "12,1"])) or None,
        "visit_required": "○" if rng.random() < 0.6 else "×",
        "lead_time_days": int(rng.choice([0, 0, 7, 14, 30])),
    }


def _write_workbook(job: tuple[Path, list[dict[str, Any]], list[dict[str, Any]]]) -> Path:
    path, procedure_rows, step_rows = job
    return write_survey_workbook(path, procedure_rows, step_rows)


def generate_survey(out_dir: str | Path, procedures: int = 3000, sections: int = 40,
                    seed: int = 1, mean_steps: int = 15, workers: int | None = None
                    ) -> list[Path]:
    """Write ``sections`` workbooks holding ``procedures`` procedures in all.

    The rows are drawn here, in order, from one seeded generator (the same survey whatever
    ``workers``); the workbooks are written by ``workers`` processes (default: every core
    for a survey of more than 5,000 procedures; 1: this process).
    """
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if workers is None:
        workers = (os.cpu_count() or 1) if procedures > 5000 else 1
    pool = (ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
            if workers > 1 else None)
    written: list[Future[Path] | Path] = []
    shares = rng.dirichlet(np.full(sections, 3.0))
    counts = np.maximum(1, np.round(shares * procedures)).astype(int)
    counts[-1] += procedures - counts.sum()
    serial = 0
    try:
        for s in range(sections):
            stem = SECTION_STEMS[s % len(SECTION_STEMS)]
            section = (f"{stem}課" if s < len(SECTION_STEMS)
                       else f"{stem}第{s // len(SECTION_STEMS) + 1}課")
            department = DEPARTMENTS[s % len(DEPARTMENTS)]
            procedure_rows, step_rows = [], []
            for _ in range(int(counts[s])):
                serial += 1
                pid = f"G{serial:05d}"
                procedure_rows.append(_procedure(rng, pid, department, section, serial))
                n_steps = int(np.clip(rng.poisson(mean_steps - 5) + 5, 5, 40))
                step_rows.extend(_steps(rng, pid, n_steps))
            job = (out / f"{s + 1:02d}_{section}.xlsx", procedure_rows, step_rows)
            if pool is None:
                written.append(_write_workbook(job))
                continue
            while sum(1 for f in written if isinstance(f, Future) and not f.done()) > 2 * workers:
                next(f for f in written if isinstance(f, Future) and not f.done()).result()
            written.append(pool.submit(_write_workbook, job))
        return [f.result() if isinstance(f, Future) else f for f in written]
    finally:
        if pool is not None:
            pool.shutdown()
