"""Write the regression corpus of hostile and broken survey files (tests/hostile/corpus/).

Each file reproduces one crash, hang, or loss found when the importer was attacked
(issue 11). Run ``python -m tests.hostile.make_corpus`` to rebuild them; the files are
small and committed, so the tests need no generation step.
"""

from __future__ import annotations

import random
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus")
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_surveys" / "01_市民課.xlsx"
STEPS_PART = "xl/worksheets/sheet3.xml"  # 工程 of the sample workbooks
PROCEDURES_PART = "xl/worksheets/sheet2.xml"


def _rezip(source: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
    return out


def _replace_in(part: str, old: bytes, new: bytes, count: int = 1):
    def change(name: str, data: bytes) -> bytes:
        if name == part:
            assert old in data, (part, old)
            return data.replace(old, new, count)
        return data
    return change


def _shared_string(text: str) -> bytes:
    return f'<is><t xml:space="preserve">{text}</t></is>'.encode()


def _cell_value(part: str, ref: str, text: str):
    """Set cell ``ref`` of ``part`` to an inline string."""
    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        new = b'<c r="' + ref.encode() + b'" t="inlineStr">' + _shared_string(text) + b"</c>"
        pattern = re.compile(rb'<c r="' + ref.encode() + rb'"(?: [^>]*?)?(?:/>|>.*?</c>)', re.S)
        if pattern.search(data):
            return pattern.sub(new, data, count=1)
        row = re.search(rb'<row r="' + re.sub(r"[A-Z]", "", ref).encode() + rb'"[^>]*>.*?</row>',
                        data, re.S)
        assert row, ref
        return data[:row.end() - 6] + new + data[row.end() - 6:]
    return change


def _header_column(part_xml: bytes, shared: list[str], header: str) -> str:
    """Column letters of the header cell whose text is ``header`` (row 1)."""
    for match in re.finditer(rb'<c r="([A-Z]+)1"[^>]*?t="s"[^>]*>\s*<v>(\d+)</v>', part_xml):
        if shared[int(match.group(2))] == header:
            return match.group(1).decode()
    for match in re.finditer(rb'<c r="([A-Z]+)1"[^>]*>(.*?)</c>', part_xml, re.S):
        if header.encode() in match.group(2):
            return match.group(1).decode()
    raise KeyError(header)


def _shared_strings(source: Path) -> list[str]:
    from defusedxml import ElementTree

    with zipfile.ZipFile(source) as archive:
        if "xl/sharedStrings.xml" not in archive.namelist():
            return []
        root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return ["".join(t.text or "" for t in si.iter(f"{ns}t")) for si in root.iter(f"{ns}si")]


def _column_of(part: str, header: str) -> str:
    with zipfile.ZipFile(SAMPLE) as archive:
        return _header_column(archive.read(part), _shared_strings(SAMPLE), header)


def _xls_sample(path: Path) -> Path:
    import xlwt

    book = xlwt.Workbook()
    procedures = book.add_sheet("手続")
    for c, h in enumerate(["手続ID", "手続名", "部", "課", "年間件数"]):
        procedures.write(0, c, h)
    for r in range(1, 30):
        for c, v in enumerate([f"X-{r}", "住民票の写しの交付", "市民生活部", "市民課", 100 * r]):
            procedures.write(r, c, v)
    steps = book.add_sheet("工程")
    for c, h in enumerate(["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "標準(分)"]):
        steps.write(0, c, h)
    for r in range(1, 60):
        for c, v in enumerate([f"X-{(r + 1) // 2}", 1 + (r + 1) % 2, "受付", "窓口職員", "受付", 5]):
            steps.write(r, c, v)
    book.save(str(path))
    return path


def _xls_crashers(out: Path) -> list[Path]:
    """Byte-level mutants of an .xls that made xlrd raise each kind of exception."""
    import xlrd

    base = _xls_sample(out / "_base.xls").read_bytes()
    (out / "_base.xls").unlink()
    wanted = {"IndexError", "error", "CompDocError", "KeyError", "AssertionError", "XLRDError"}
    found: dict[str, Path] = {}
    rng = random.Random(11)
    for _attempt in range(20_000):
        data = bytearray(base)
        if rng.random() < 0.3:
            data = data[: rng.randrange(512, len(data))]
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            book = xlrd.open_workbook(file_contents=bytes(data), formatting_info=True,
                                      on_demand=True)
            for index in range(book.nsheets):
                sheet = book.sheet_by_index(index)
                for r in range(sheet.nrows):
                    sheet.row(r)
        except Exception as exc:  # noqa: BLE001 — we are collecting crashes
            name = type(exc).__name__
            if name in wanted and name not in found:
                path = out / f"xls_{name}.xls"
                path.write_bytes(bytes(data))
                found[name] = path
        if len(found) == len(wanted):
            break
    truncated = out / "xls_truncated.xls"
    truncated.write_bytes(base[: len(base) // 3])
    return [*found.values(), truncated]


def _deflate_flip(out: Path) -> Path:
    """Flip bytes inside the compressed data of the steps sheet (zlib.error when inflated)."""
    data = bytearray(SAMPLE.read_bytes())
    with zipfile.ZipFile(SAMPLE) as archive:
        info = archive.getinfo(STEPS_PART)
    header = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[header + 26: header + 30])
    start = header + 30 + name_len + extra_len
    for offset in range(40, 60):
        data[start + offset] ^= 0x5A
    path = out / "deflate_flip.xlsx"
    path.write_bytes(bytes(data))
    return path


def _zip_bomb(out: Path, gib: float = 1.19) -> Path:
    """A 1.2 MB workbook whose steps sheet inflates to ~1.19 GiB."""
    with zipfile.ZipFile(SAMPLE) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    sheet = parts[STEPS_PART]
    head, tail = sheet.split(b"</sheetData>")
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    total = int(gib * (1 << 30))
    path = out / "zip_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for name, data in parts.items():
            if name != STEPS_PART:
                zout.writestr(name, data)
        info = zipfile.ZipInfo(STEPS_PART)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as stream:
            stream.write(head)
            block = row * (1 << 14)
            written = 0
            while written < total:
                stream.write(block)
                written += len(block)
            stream.write(b"</sheetData>" + tail)
    return path


def build(out: Path = CORPUS, bomb: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    share, wait = _column_of(STEPS_PART, "通過割合(%)"), _column_of(STEPS_PART, "待ち日数")
    name_col = _column_of(PROCEDURES_PART, "手続名")
    files = [
        _deflate_flip(out),
        _rezip(SAMPLE, out / "nan_share.xlsx", _cell_value(STEPS_PART, f"{share}2", "nan")),
        _rezip(SAMPLE, out / "nan_wait_days.xlsx", _cell_value(STEPS_PART, f"{wait}3", "NaN")),
        _rezip(SAMPLE, out / "bel_in_name.xlsx",
               _cell_value(PROCEDURES_PART, f"{name_col}2", "住民票\x07の交付".replace(
                   "\x07", "&#7;"))),
        _rezip(SAMPLE, out / "tab_formula_name.xlsx",
               _cell_value(PROCEDURES_PART, f"{name_col}3", "\t=1+1")),
        _rezip(SAMPLE, out / "rels_entity_bomb.xlsx", _replace_in(
            "xl/_rels/workbook.xml.rels", b"<Relationships",
            b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><Relationships')),
        _rezip(SAMPLE, out / "far_blank_cell.xlsx", _replace_in(
            STEPS_PART, b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row>'
            b"</sheetData>")),
        _rezip(SAMPLE, out / "error_cells_quadratic.xlsx", _replace_in(
            STEPS_PART, b"</sheetData>",
            b'<row r="900">' + b'<c t="e"/>' * 12_400 + b"</row></sheetData>")),
    ]
    files += _unit_cost_cases(out)
    files += _xls_crashers(out)
    (out / "tab_formula.csv").write_text(
        "手続ID,手続名,課,年間件数\nC-1,\t=1+1,市民課,10\nC-2,@SUM(A1),市民課,5\n",
        encoding="utf-8")
    files.append(out / "tab_formula.csv")
    if bomb:
        files.append(_zip_bomb(out))
    return files


def _unit_cost_cases(out: Path) -> list[Path]:
    """単価 sheets with an unknown key, 'nan', 'inf' and 1e308 (written with the template)."""
    from bpr_studio.io.template import write_survey_workbook
    from tests.conftest import small_procedure, small_steps

    cases = {"unit_cost_unknown_key.xlsx": [{"key": "no_such_key", "value": 1}],
             "unit_cost_nan.xlsx": [{"key": "hourly_cost_regular", "value": "nan"}],
             "unit_cost_inf.xlsx": [{"key": "hourly_cost_regular", "value": "inf"}],
             "unit_cost_1e308.xlsx": [{"key": "hourly_cost_regular", "value": 1e308}]}
    return [write_survey_workbook(out / name, [small_procedure()], small_steps(), rows)
            for name, rows in cases.items()]


if __name__ == "__main__":
    import sys

    for written in build(bomb="--no-bomb" not in sys.argv):
        print(f"{written.stat().st_size:>10,}  {written.relative_to(ROOT)}")
