"""Scenarios: named sets of measures applied to chosen procedures or by rule.

A rule selects procedures by readiness level, annual cases, section, category or ID,
e.g. "online application for every procedure of level ≤ 2 with ≥ 1,000 cases a year".
Scenarios are stored in the project (``bpr_studio.loading`` reads and saves them); every
project gets the default scenario ``DX標準`` the first time scenarios are read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from analysis.measures import MEASURES, copy_graph
from cost_model.readiness import ReadinessRubric, score_procedure

DEFAULT_SCENARIO = "DX標準"


@dataclass
class Rule:
    max_level: int | None = None
    min_cases: int | None = None
    sections: list[str] | None = None
    categories: list[str] | None = None
    procedure_ids: list[str] | None = None

    def matches(self, graph: nx.DiGraph, level: int) -> bool:
        g = graph.graph
        if self.procedure_ids is not None and g.get("procedure_id") not in self.procedure_ids:
            return False
        if self.max_level is not None and level > self.max_level:
            return False
        if self.min_cases is not None and float(g.get("annual_cases") or 0) < self.min_cases:
            return False
        if self.sections is not None and g.get("section") not in self.sections:
            return False
        return self.categories is None or g.get("category") in self.categories

    def describe(self, lang: str = "ja") -> str:
        parts = []
        if self.procedure_ids is not None:
            parts.append(f"{len(self.procedure_ids)}手続" if lang == "ja"
                         else f"{len(self.procedure_ids)} procedures")
        if self.max_level is not None:
            parts.append(f"レベル{self.max_level}以下" if lang == "ja" else f"level ≤ {self.max_level}")
        if self.min_cases is not None:
            parts.append(f"年{self.min_cases:,}件以上" if lang == "ja" else f"≥ {self.min_cases:,} cases/yr")
        if self.sections is not None:
            parts.append("・".join(self.sections))
        if self.categories is not None:
            parts.append("・".join(self.categories))
        return ("、".join(parts) or "すべての手続") if lang == "ja" else ("; ".join(parts) or "all procedures")


@dataclass
class MeasureUse:
    measure: str
    params: dict[str, Any] = field(default_factory=dict)
    rule: Rule = field(default_factory=Rule)

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure '{self.measure}' (known: {', '.join(MEASURES)})")


@dataclass
class Scenario:
    """``params``: scenario-wide parameter values set in the app (analysis.params keys);
    they override a measure's own ``params`` for the same key."""

    name: str
    measures: list[MeasureUse] = field(default_factory=list)
    description: str = ""
    params: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        measures = [{"measure": m.measure, "params": m.params, "rule": asdict(m.rule)}
                    for m in self.measures]
        # A plain list when there are no scenario-wide values: files stay as they were.
        data: Any = {"measures": measures, "params": self.params} if self.params else measures
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_row(cls, name: str, description: str, measures_json: str) -> Scenario:
        data = json.loads(measures_json or "[]")
        params = {}
        if isinstance(data, dict):
            params = {k: float(v) for k, v in (data.get("params") or {}).items()}
            data = data.get("measures") or []
        return cls(name, [MeasureUse(d["measure"], d.get("params", {}), Rule(**d.get("rule", {})))
                          for d in data], description, params)


def default_scenario() -> Scenario:
    """The plan's measures by sensible rules, so a new project shows a to-be at once."""
    return Scenario(DEFAULT_SCENARIO, [
        MeasureUse("online_application", rule=Rule(max_level=2, min_cases=100)),
        MeasureUse("abolish_seals"),
        MeasureUse("drop_attachments"),
        MeasureUse("rpa_ocr", rule=Rule(min_cases=1000)),
        MeasureUse("e_approval"),
        MeasureUse("paperless"),
        MeasureUse("cashless"),
        MeasureUse("no_form_counter", rule=Rule(min_cases=1000)),
    ], "計画の施策を標準的な条件で適用: レベル2以下・年100件以上をオンライン化、押印廃止、"
       "添付省略、年1,000件以上の手入力にRPA、電子決裁、ペーパーレス、キャッシュレス、"
       "年1,000件以上の来庁手続に書かない窓口。数値は開始から3年目の期待値（オンライン利用率は"
       "採用曲線の3年目、施策は公表された実行割合の範囲に実施）。")


@dataclass(frozen=True)
class Application:
    """What happened when a measure met a procedure."""

    procedure_id: str
    measure: str
    applied: bool
    reason_ja: str = ""
    reason_en: str = ""


def apply_scenario(graphs: Mapping[str, nx.DiGraph], scenario: Scenario,
                   rubric: ReadinessRubric | None = None
                   ) -> tuple[dict[str, nx.DiGraph], list[Application]]:
    """To-be graphs for every procedure, and a log of which measure applied where (or why not)."""
    rubric = rubric or ReadinessRubric()
    to_be: dict[str, nx.DiGraph] = {}
    log: list[Application] = []
    for pid, graph in graphs.items():
        to_be[pid], applications = apply_to_procedure(pid, graph, scenario, rubric)
        log += applications
    return to_be, log


def apply_to_procedure(pid: str, graph: nx.DiGraph, scenario: Scenario, rubric: ReadinessRubric,
                       owned: bool = False) -> tuple[nx.DiGraph, list[Application]]:
    """One procedure's to-be graph and what each measure did to it. The input is copied
    on the first measure that applies, unless ``owned``: a graph built for this comparison
    alone (its as-is tables already taken) is edited in place. Rules read only the
    procedure's ID, cases, section and category, which no measure changes."""
    level = score_procedure(rubric, graph.graph).level  # rules see the as-is level
    current = graph  # copied on the first measure that applies, then edited in place
    log: list[Application] = []
    for use in scenario.measures:
        if not use.rule.matches(graph, level):
            continue
        measure = MEASURES[use.measure]
        check = measure.applicable(current)
        if check.ok:
            if current is graph and not owned:
                current = copy_graph(graph)
            measure.apply_in_place(current, use.params, checked=True)
        log.append(Application(pid, use.measure, check.ok, check.reason_ja, check.reason_en))
    return current, log
