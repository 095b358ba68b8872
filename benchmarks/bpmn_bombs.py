"""Hostile BPMN files, written on demand (they are large or trivially made, so not kept).

Each is refused with the message key given, in bounded time and memory:
``python -m benchmarks.fuzz --bombs`` imports each in a fresh process and prints seconds
and peak memory; tests/test_hostile_files.py checks the keys and that nothing is written.
"""

from __future__ import annotations

from pathlib import Path

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions '
        'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">')
LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))


def _process(body: str) -> str:
    return f'{HEAD}<process id="P" name="担当職員">{body}</process></definitions>'


def _chain(count: int, tag: str) -> str:
    """start → count nodes of ``tag`` one after another → a task → end."""
    parts = ['<startEvent id="S"/>']
    previous = "S"
    for i in range(count):
        parts.append(f'<{tag} id="N{i}"/><sequenceFlow id="F{i}" sourceRef="{previous}" '
                     f'targetRef="N{i}"/>')
        previous = f"N{i}"
    parts.append(f'<task id="A"/><sequenceFlow id="Fa" sourceRef="{previous}" targetRef="A"/>'
                 '<endEvent id="E"/><sequenceFlow id="Fe" sourceRef="A" targetRef="E"/>')
    return "".join(parts)


def _lattice(layers: int) -> str:
    """Gateways that split in two and merge again, ``layers`` times: 2^layers paths."""
    parts = ['<startEvent id="S"/><task id="A"/><sequenceFlow id="F0" sourceRef="S" targetRef="A"/>']
    previous = "A"
    for i in range(layers):
        parts.append(
            f'<exclusiveGateway id="X{i}"/><exclusiveGateway id="L{i}"/>'
            f'<exclusiveGateway id="R{i}"/><exclusiveGateway id="M{i}"/>'
            f'<sequenceFlow id="a{i}" sourceRef="{previous}" targetRef="X{i}"/>'
            f'<sequenceFlow id="b{i}" sourceRef="X{i}" targetRef="L{i}" name="50%"/>'
            f'<sequenceFlow id="c{i}" sourceRef="X{i}" targetRef="R{i}" name="50%"/>'
            f'<sequenceFlow id="d{i}" sourceRef="L{i}" targetRef="M{i}"/>'
            f'<sequenceFlow id="e{i}" sourceRef="R{i}" targetRef="M{i}"/>')
        previous = f"M{i}"
    parts.append(f'<task id="B"/><sequenceFlow id="Fb" sourceRef="{previous}" targetRef="B"/>'
                 '<endEvent id="E"/><sequenceFlow id="Fe" sourceRef="B" targetRef="E"/>')
    return "".join(parts)


BOMBS: dict[str, tuple[str, str]] = {  # file name → (what it is, the error key)
    "billion_laughs.bpmn": ("entity expansion, 10^9 'l'", "bpmn_dtd_forbidden"),
    "external_entity.bpmn": ("an entity reading /etc/passwd", "bpmn_dtd_forbidden"),
    "deep_nesting.bpmn": ("100,000 nested elements", "file_too_large"),
    "many_elements.bpmn": ("2,000,000 empty elements (32 MB)", "file_too_large"),
    "many_tasks.bpmn": ("one process of 100,000 tasks", "bpmn_too_many_tasks"),
    "gateway_chain.bpmn": ("5,000 gateways in a row (stack)", "bpmn_gateway_chain"),
    # Legal, if silly: it imports, in bounded time (each gateway's way on is worked out once).
    "gateway_lattice.bpmn": ("30 layers of split and merge (2^30 paths)", ""),
}


def bomb_text(name: str) -> str:
    if name == "billion_laughs.bpmn":
        return ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY l0 "l">' + LAUGHS + ']>\n'
                + _process('<task id="T" name="&l9;"/>'))
    if name == "external_entity.bpmn":
        return ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                + _process('<task id="T" name="&x;"/>'))
    if name == "deep_nesting.bpmn":
        return HEAD + "<documentation>" * 100_000 + "</documentation>" * 100_000 + "</definitions>"
    if name == "many_elements.bpmn":
        return _process("<documentation/>" * 2_000_000)
    if name == "many_tasks.bpmn":
        return _process(_chain(100_000, "task"))
    if name == "gateway_chain.bpmn":
        return _process(_chain(5_000, "exclusiveGateway"))
    if name == "gateway_lattice.bpmn":
        return _process(_lattice(30))
    raise KeyError(name)


def write_bombs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in BOMBS:
        path = folder / name
        path.write_text(bomb_text(name), encoding="utf-8")
        paths[name] = path
    return paths
