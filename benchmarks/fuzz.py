"""Fuzz the survey import: mutate the sample workbooks at cell, XML and byte level.

``python -m benchmarks.fuzz --cases 10000`` imports that many mutated files into a copy
of a small project, each in a worker process watched by this one, and prints:
crashes (an uncaught exception, "internal error" exit 3, or a dead process — must be 0),
hangs (> 30 s — must be 0), refused imports that changed the project (must be 0), the
worst time and the peak memory. ``--bombs`` also times the bomb files of the regression
corpus and the BPMN bombs of benchmarks/bpmn_bombs.py in fresh processes (each must be
refused in ≤ 2 s and ≤ 200 MB of growth on an idle machine).

The same mutators drive the hypothesis test in tests/test_fuzz_import.py.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample_surveys").glob("*.xlsx"))
HANG_S = 30.0

# Values people and attackers put in cells.
NASTY = ["nan", "NaN", "inf", "-inf", "1e308", "-1", "0", "", " ", "=1+1", "\t=1+1", "@SUM(A1)",
         "+1", "-1+2", "\x07ベル", "\x00", "\x1b[31m", "<b>太字</b>", "９９９９９９９９９９",
         "99999999999999999999999", "1e-320", "3～4月", "4(85%); 2(15%)", "終了", "○", "×",
         "#REF!", "2026-02-30", "一時間三十分", "x" * 5000, "手続\n改行", "&amp;", "]]>",
         "市民課", "税務課", "𠮷野家", "\ufeff", "\u202e逆", "%s%s%n", "1,2,3", "NULL"]

_CELL = re.compile(rb"<c\b[^<>]*?(?:/>|>.*?</c>)", re.S)
_TAG = re.compile(rb"<[^<>]{1,200}>")


def _xml_text(value: str) -> bytes:
    text = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    text = "".join(ch if ch in "\t\n\r" or ord(ch) >= 32 else f"&#{ord(ch)};" for ch in text)
    return text.encode("utf-8")


def mutate_cells(data: bytes, rng: random.Random) -> bytes:
    """Replace a few cells of a sheet with nasty values (as inline strings or numbers)."""
    cells = list(_CELL.finditer(data))
    if not cells:
        return data
    out = bytearray(data)
    for match in sorted(rng.sample(cells, min(len(cells), rng.randint(1, 4))),
                        key=lambda m: m.start(), reverse=True):
        ref = re.search(rb'r="([A-Z]+\d+)"', match.group(0))
        attr = b' r="' + ref.group(1) + b'"' if ref else b""
        value = rng.choice(NASTY)
        if rng.random() < 0.3 and re.fullmatch(r"-?[\d.e+-]+|nan|inf|-inf", value):
            new = b"<c" + attr + b"><v>" + value.encode() + b"</v></c>"
        elif rng.random() < 0.1:
            new = b"<c" + attr + b' t="e"><v>#DIV/0!</v></c>'
        else:
            new = b"<c" + attr + b' t="inlineStr"><is><t>' + _xml_text(value) + b"</t></is></c>"
        out[match.start():match.end()] = new
    return bytes(out)


def mutate_xml(data: bytes, rng: random.Random) -> bytes:
    """Structural damage: drop, duplicate or swap tags, odd attributes, truncation."""
    tags = list(_TAG.finditer(data))
    if not tags:
        return data
    kind = rng.randrange(7)
    tag = rng.choice(tags)
    if kind == 0:
        return data[:tag.start()] + data[tag.end():]
    if kind == 1:
        return data[:tag.end()] + tag.group(0) + data[tag.end():]
    if kind == 2:
        return data[: rng.randrange(len(data))]
    if kind == 3:
        big = rng.choice([b"XFD1048576", b"A1048577", b"ZZZZ1", b"A0", b"A-1", b"1", b"", b"A99999999999"])
        return re.sub(rb'\br="[A-Z]*\d*"', b'r="' + big + b'"', data, count=rng.randint(1, 3))
    if kind == 4:
        return data[:tag.start()] + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data[tag.start():]
    if kind == 5:
        return re.sub(rb'\bt="[a-z]+"', rng.choice([b't="e"', b't="s"', b't="b"', b't="zz"']),
                      data, count=rng.randint(1, 20))
    other = rng.choice(tags)
    a, b = sorted((tag, other), key=lambda m: m.start())
    if a.end() > b.start():
        return data
    return data[:a.start()] + b.group(0) + data[a.end():b.start()] + a.group(0) + data[b.end():]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif kind == 1:
        del out[rng.randrange(len(out)):]
    elif kind == 2:
        position = rng.randrange(len(out))
        out[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    else:
        start = rng.randrange(len(out))
        del out[start:start + rng.randint(1, 512)]
    return bytes(out)


def _rezip(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return buffer.getvalue()


def make_case(seed: int) -> tuple[str, bytes, str]:
    """(file name, content, description) of mutated case ``seed``."""
    rng = random.Random(seed)
    sample = SAMPLES[seed % len(SAMPLES)]
    data = sample.read_bytes()
    level = rng.choice(["cell", "cell", "xml", "bytes", "cell+bytes", "csv"])
    if level == "csv":
        return _csv_case(sample, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml_parts = [n for n in archive.namelist() if n.endswith((".xml", ".rels"))]
    if level.startswith("cell"):
        chosen = set(rng.sample(sheets, rng.randint(1, len(sheets))))
        data = _rezip(data, lambda n, d: mutate_cells(d, rng) if n in chosen else d)
    if level == "xml":
        part = rng.choice(xml_parts if rng.random() < 0.3 else sheets)
        data = _rezip(data, lambda n, d: mutate_xml(d, rng) if n == part else d)
    if level.endswith("bytes"):
        data = mutate_bytes(data, rng)
    return sample.name, data, level


def _csv_case(sample: Path, rng: random.Random) -> tuple[str, bytes, str]:
    rows = ["手続ID,手続名,課,年間件数,手数料(円)"]
    for i in range(rng.randint(1, 6)):
        cells = [f"C-{i}", "住民票の写しの交付", "市民課", "1200", "300"]
        for _ in range(rng.randint(0, 3)):
            cells[rng.randrange(len(cells))] = rng.choice(NASTY).replace(",", "，")
        rows.append(",".join(f'"{c}"' if rng.random() < 0.3 else c for c in cells))
    text = "\n".join(rows) + "\n"
    data = text.encode("cp932", "replace") if rng.random() < 0.3 else text.encode("utf-8")
    if rng.random() < 0.3:
        data = mutate_bytes(data, rng)
    return "市民課_手続.csv", data, "csv"


def fingerprint(project: Path) -> str:
    """A digest of the stored survey data (not the file bytes: SQLite pages move)."""
    from sqlalchemy import select

    from bpr_studio.model import tables
    from bpr_studio.store import open_project

    digest = hashlib.sha256()
    with open_project(project) as opened, opened.engine.connect() as conn:
        for table in (tables.Procedure, tables.Step, tables.StepLink, tables.UnitCost):
            for row in sorted(map(repr, conn.execute(select(table.__table__)).all())):
                digest.update(row.encode())
    return digest.hexdigest()


def build_base_project(folder: Path) -> Path:
    from bpr_studio.io.survey_import import import_surveys

    path = folder / "base.bprproj"
    if not path.exists():
        report = import_surveys(path, [SAMPLES[0]])
        assert report.written, report.format_text()
    return path


def run_case(seed: int, base: Path, work: Path, base_print: str) -> dict:
    """Import case ``seed`` into a copy of ``base`` through the command line."""
    from bpr_studio import cli

    name, data, level = make_case(seed)
    folder = work / f"case{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    survey, project = folder / name, folder / "p.bprproj"
    survey.write_bytes(data)
    shutil.copy(base, project)
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            code = cli.main(["import", "--json", "--project", str(project), str(survey)])
            error = ""
        except BaseException as exc:  # noqa: BLE001 — an escape is what we count
            code, error = -1, f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - start
    changed = False
    if code == 1:
        changed = fingerprint(project) != base_print
    if code == 3:
        error = out.getvalue()[-300:]
    shutil.rmtree(folder, ignore_errors=True)
    return {"seed": seed, "level": level, "code": code, "seconds": elapsed, "changed": changed,
            "error": error}


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1e6


def _worker(first: int, count: int, folder: Path) -> None:
    os.environ.setdefault("BPR_STUDIO_LOG_DIR", str(folder / "logs"))
    base = build_base_project(folder)
    base_print = fingerprint(base)
    for seed in range(first, first + count):
        print(f"START {seed}", flush=True)
        result = run_case(seed, base, folder / "work", base_print)
        result["rss_mb"] = _peak_rss_mb()
        print("DONE " + json.dumps(result, ensure_ascii=False), flush=True)


def fuzz(cases: int, first: int = 0, chunk: int = 500) -> dict:
    """Run ``cases`` cases in worker processes; a dead or silent worker is a crash or hang."""
    import selectors

    folder = Path(tempfile.mkdtemp(prefix="bpr-fuzz-"))
    results: list[dict] = []
    crashes: list[dict] = []
    hangs: list[int] = []
    seed, end = first, first + cases
    started = time.perf_counter()
    while seed < end:
        count = min(chunk, end - seed)
        worker = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fuzz", "--worker", str(seed), str(count),
             str(folder)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert worker.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(worker.stdout, selectors.EVENT_READ)
        current, last_line = None, time.perf_counter()
        next_seed = seed + count
        while True:
            ready = selector.select(timeout=1.0)
            if ready:
                line = worker.stdout.readline()
                if not line:
                    break
                last_line = time.perf_counter()
                if line.startswith("START "):
                    current = int(line.split()[1])
                elif line.startswith("DONE "):
                    result = json.loads(line[5:])
                    results.append(result)
                    current = None
                    if result["code"] not in (0, 1) or result["error"]:
                        crashes.append(result)
            elif current is not None and time.perf_counter() - last_line > HANG_S:
                hangs.append(current)
                worker.kill()
                break
        worker.wait()
        if current is not None and current not in hangs:  # the worker died in a case
            crashes.append({"seed": current, "code": worker.returncode, "error": "process died"})
        seed = current + 1 if current is not None else next_seed
        done = len(results)
        print(f"  {done:,}/{cases:,} cases, {len(crashes)} crashes, {len(hangs)} hangs, "
              f"{time.perf_counter() - started:,.0f} s", file=sys.stderr, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    worst = max(results, key=lambda r: r["seconds"]) if results else {"seconds": 0, "seed": None}
    codes: dict[str, int] = {}
    levels: dict[str, int] = {}
    for r in results:
        codes[str(r["code"])] = codes.get(str(r["code"]), 0) + 1
        levels[r["level"]] = levels.get(r["level"], 0) + 1
    return {
        "cases": len(results) + len(hangs) + sum(1 for c in crashes if c.get("error") == "process died"),
        "crashes": len(crashes), "crash_cases": crashes[:20], "hangs": len(hangs),
        "hang_seeds": hangs[:20],
        "refused_but_changed": sum(1 for r in results if r.get("changed")),
        "exit_codes": codes, "levels": levels,
        "worst_seconds": round(worst["seconds"], 3), "worst_seed": worst["seed"],
        "peak_rss_mb": round(max((r.get("rss_mb", 0) for r in results), default=0), 1),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


BOMBS = ("zip_bomb.xlsx", "far_blank_cell.xlsx", "rels_entity_bomb.xlsx",
         "error_cells_quadratic.xlsx")


def measure_bombs() -> list[dict]:
    """Each bomb of the corpus, and each BPMN bomb (benchmarks/bpmn_bombs.py), imported by
    a fresh process: seconds and peak memory."""
    from benchmarks.bpmn_bombs import write_bombs

    corpus = ROOT / "tests" / "hostile" / "corpus"
    bpmn_folder = Path(tempfile.mkdtemp(prefix="bpr-bpmn-bombs-"))
    files = [corpus / name for name in BOMBS] + list(write_bombs(bpmn_folder).values())
    rows = []
    for path in files:
        name = path.name
        section = ", '--section', '市民課'" if path.suffix == ".bpmn" else ""
        folder = Path(tempfile.mkdtemp(prefix="bpr-bomb-"))
        code = (
            "import resource, sys, time\n"
            "from bpr_studio import cli\n"
            # Timed is the refusal, not the first import of the libraries.
            "import bpr_studio.io.survey_import, bpr_studio.store\n"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "start = time.perf_counter()\n"
            f"rc = cli.main(['import', '--json', '--project', {str(folder / 'p.bprproj')!r}"
            f"{section}, {str(path)!r}])\n"
            "took = time.perf_counter() - start\n"
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print('RESULT', rc, took, base / 1024, peak / 1024, file=sys.stderr)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        line = next((text for text in done.stderr.splitlines() if text.startswith("RESULT")), "")
        if line:
            _tag, rc, took, base_mb, peak_mb = line.split()
            rows.append({"file": name, "exit": int(rc), "seconds": round(float(took), 2),
                         "peak_rss_mb": round(float(peak_mb), 1),
                         "growth_mb": round(float(peak_mb) - float(base_mb), 1)})
        else:
            rows.append({"file": name, "exit": done.returncode, "error": done.stderr[-300:]})
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(bpmn_folder, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--first", type=int, default=0, help="first seed")
    parser.add_argument("--bombs", action="store_true", help="also time the bomb files")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(int(args.worker[0]), int(args.worker[1]), Path(args.worker[2]))
        return 0
    summary = fuzz(args.cases, args.first)
    if args.bombs:
        summary["bombs"] = measure_bombs()
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    ok = (summary["crashes"] == 0 and summary["hangs"] == 0
          and summary["refused_but_changed"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
